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

/** Formats an issue as `file:line:column field: message`. */
export function formatIssue(issue: Issue): string {
  return `${issue.file}:${issue.line}:${issue.column} ${issue.field}: ${issue.message}`;
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
    super(
      `${sorted.length} problem${sorted.length === 1 ? '' : 's'} found:\n${sorted.map((i) => `  ${formatIssue(i)}`).join('\n')}`,
    );
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
