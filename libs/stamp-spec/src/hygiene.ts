// Output hygiene: text that came from a file or a flag is made safe to print
// before it reaches a terminal, a CI log or a pull-request comment. Every
// printer (the CLI, the Markdown report) uses these, so the rules live once.

/** The longest received value a message quotes, in characters. */
export const MAX_QUOTED_VALUE = 80;

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Escapes control characters (newlines, carriage returns, ANSI escapes, NUL…)
 * as visible `\n`, `\r`, `\t` or `\xNN` / `\uNNNN`, so one value stays on one
 * line and can't move the cursor or recolour a terminal. Backslashes are left
 * alone: the result is for people, not for parsing.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// Lines the GitHub Actions runner reads as commands: `::name …::` and the
// older `##[name]…`, after leading whitespace.
const WORKFLOW_COMMAND = /^(\s*)(::|##\[)/;

/**
 * Makes sure no line of `text` can start a GitHub Actions workflow command
 * (`::warning file=…::`, `::add-mask::`, `##[error]`…): such a line gets its
 * first character escaped as `\x3a` (`:`) or `\x23` (`#`). Keeps newlines, so
 * apply it to whole blocks of output after `escapeControl` ran on each value.
 */
export function neutralizeWorkflowCommands(text: string): string {
  if (!text.includes('::') && !text.includes('##[')) return text;
  return text
    .split('\n')
    .map((line) =>
      line.replace(WORKFLOW_COMMAND, (_m, space: string, marker: string) => `${space}${marker === '::' ? '\\x3a:' : '\\x23#['}`),
    )
    .join('\n');
}

/** One value or name for a line of text output: control characters escaped, never a workflow command. */
export function safeText(text: string): string {
  return neutralizeWorkflowCommands(escapeControl(text));
}

// Credentials that a value may hold, each replaced by what it is.
const SECRETS: readonly [RegExp, string][] = [
  // URL userinfo: https://user:token@host, ssh://git@host is only a user name but stays redacted too.
  [/([a-z][a-z0-9+.-]*:\/\/)[^\s/@'"]+@/gi, '$1[redacted]@'],
  // GitHub, GitLab, Slack, npm, AWS and OpenAI-style tokens, and JWTs.
  [
    /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|npm_[A-Za-z0-9]{30,}|sk-[A-Za-z0-9_-]{20,})\b/g,
    '[redacted token]',
  ],
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '[redacted key]'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[redacted JWT]'],
  // key: value or key=value pairs that name a secret.
  [
    /\b(password|passwd|secret|token|api[_-]?key|access[_-]?key|client[_-]?secret|authorization)(\s*[:=]\s*)("[^"]*"|'[^']*'|\S+)/gi,
    '$1$2[redacted]',
  ],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 [redacted]'],
  // PEM blocks.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[redacted private key]'],
];

/** Replaces anything shaped like a credential (URL userinfo, tokens, keys, `password=…`) with a marker. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRETS) out = out.replace(pattern, replacement);
  return out;
}

/** Cuts text to `max` characters (by code point), marking the cut with `…` and how much was left out. */
export function truncateText(text: string, max = MAX_QUOTED_VALUE): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, max).join('')}… (${chars.length - max} more characters)`;
}

/**
 * A received value as a message quotes it: JSON for structure, credentials
 * redacted, cut to about 80 characters, and control characters escaped.
 * Redaction runs on the whole value before the cut, so a token split by the
 * cut is still recognised.
 */
export function quoteValue(value: unknown, max = MAX_QUOTED_VALUE): string {
  if (value === undefined) return 'nothing';
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  const text = json ?? String(value);
  return escapeControl(truncateText(redactSecrets(text), max));
}

// Characters with a meaning in CommonMark or GitHub Flavored Markdown inline text.
// Enough to stop links and images ([ and ]), HTML (< and >), emphasis, code and
// table cells; list markers and headings need a line start, and newlines go.
const MARKDOWN_SPECIAL = /[\\`*_[\]<>#|~]/g;

/**
 * Escapes text from a file for Markdown: no link, image, HTML, emphasis, code,
 * table cell break, heading or list marker can come from it, `@mentions` and
 * `#references` don't notify, and bare URLs don't turn into links. Control
 * characters are escaped and newlines become spaces, so the text stays inside
 * its table cell or list item.
 */
export function escapeMarkdown(text: string): string {
  return escapeControl(redactSecrets(text).replace(/\r?\n/g, ' '))
    .replace(/&/g, '&amp;')
    .replace(MARKDOWN_SPECIAL, (ch) => (ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : ch === '#' ? '&#35;' : `\\${ch}`))
    .replace(/@(?=[A-Za-z0-9])/g, '@&#8203;')
    .replace(/:\/\//g, '&#58;//')
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}&#46;`);
}

/** A received name in single quotes, as messages quote catalog names: redacted, cut and escaped like `quoteValue`. */
export function quoteName(name: string, max = MAX_QUOTED_VALUE): string {
  return `'${escapeControl(truncateText(redactSecrets(name), max))}'`;
}
