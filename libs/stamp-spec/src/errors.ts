import { safeText } from './hygiene.ts';

/** Where in a source file a problem was found. Lines and columns are 1-based. */
export interface SourceLocation {
  /** Path of the file, relative to the fleet root (POSIX separators). */
  readonly file: string;
  /** 1-based line. @default 1 */
  readonly line: number;
  /** 1-based column. @default 1 */
  readonly column: number;
}

/** One problem in the user's input, fixable from the message alone. */
export interface Issue extends SourceLocation {
  /** Dotted path of the offending field, e.g. `spec.network.cidr`. */
  readonly field: string;
  /** What is wrong, what was received and how to fix it. */
  readonly message: string;
}

/**
 * Formats an issue as `file:line:column field: message`, on one line: control
 * characters in the file name, field or message are escaped, and the line can
 * never start a GitHub Actions workflow command.
 */
export function formatIssue(issue: Issue): string {
  return safeText(`${issue.file}:${issue.line}:${issue.column} ${issue.field}: ${issue.message}`);
}

/**
 * One problem as machine-readable output carries it: the issue with its
 * message split into what is wrong and how to fix it (the text after the
 * first `; `). `fix` is '' when the message names no fix.
 */
export interface Problem extends Issue {
  readonly fix: string;
}

/** Splits an issue's message into `message` and `fix`; see `Problem`. */
export function toProblem(issue: Issue): Problem {
  const cut = issue.message.indexOf('; ');
  const message = cut === -1 ? issue.message : issue.message.slice(0, cut);
  const fix = cut === -1 ? '' : issue.message.slice(cut + 2);
  return { file: issue.file, line: issue.line, column: issue.column, field: issue.field, message, fix };
}

/**
 * The one shape of a failure in `--output json`, whatever the command:
 * `{ ok: false, problems: [{ file, line, column, field, message, fix }] }`.
 */
export interface FailureReport {
  readonly ok: false;
  readonly problems: readonly Problem[];
}

/** Builds the failure report for issues, sorted. */
export function failureReport(issues: readonly Issue[]): FailureReport {
  return { ok: false, problems: sortIssues(issues).map(toProblem) };
}

/** Sorts issues by file, line and column so reports are stable. */
export function sortIssues(issues: readonly Issue[]): Issue[] {
  return [...issues].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.field.localeCompare(b.field),
  );
}

/** The user's input is invalid. Carries every issue found, not just the first. */
export class ValidationError extends Error {
  readonly issues: readonly Issue[];
  constructor(issues: readonly Issue[]) {
    const sorted = sortIssues(issues);
    super(`${sorted.map(formatIssue).join('\n')}\n${sorted.length} problem${sorted.length === 1 ? '' : 's'} found.`);
    this.name = 'ValidationError';
    this.issues = sorted;
  }
}

/** Ends the CLI with a specific exit code and message. Only the CLI entry point acts on it. */
export class ExitError extends Error {
  readonly exitCode: number;
  constructor(exitCode: number, message: string) {
    super(message);
    this.name = 'ExitError';
    this.exitCode = exitCode;
  }
}

/** A bug in Stampyard itself, never the user's input. */
export class InternalError extends Error {
  constructor(message: string) {
    super(`${message}\nThis is a bug in stampyard; please open an issue with the command you ran.`);
    this.name = 'InternalError';
  }
}

/** A write was refused because the file changed since it was read (compare-and-swap). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}
