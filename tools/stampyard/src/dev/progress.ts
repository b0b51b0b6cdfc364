// What the local fleet prints as it goes. Results (tables, where the report is) go
// to stdout; progress goes to stderr: a live line per wave on a TTY, plain lines otherwise.
import type { Io } from '../context.ts';
import type { RouteCheck } from './traffic.ts';

/** Receives the run's progress. The command prints it; tests collect it. */
export interface ProgressReporter {
  /** A new phase, e.g. "Render the fleet". */
  step(title: string): void;
  /** A detail line. */
  info(line: string): void;
  /**
   * The state of one wave; on a TTY, repeated calls for the same wave rewrite its line.
   * A `transient` update (a bake countdown) shows only on a TTY. @default transient false
   */
  wave(scenario: string, wave: number, text: string, transient?: boolean): void;
  /** A result table of routed requests. */
  routes(title: string, checks: readonly RouteCheck[]): void;
  /** A result line, e.g. where the report is. */
  result(line: string): void;
}

const GREEN = '\u001b[32m';
const RED = '\u001b[31m';
const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';
const CLEAR_LINE = '\r\u001b[2K';

/** Prints to an Io. `io.isTty` (false under NO_COLOR) turns on colour and live wave lines. */
export function consoleReporter(io: Io): ProgressReporter {
  const live = io.isTty;
  let openLine: string | undefined;
  const paint = (code: string, text: string) => (live ? `${code}${text}${RESET}` : text);
  const endLiveLine = () => {
    if (openLine !== undefined) io.stderr('\n');
    openLine = undefined;
  };
  return {
    step: (title) => {
      endLiveLine();
      io.stderr(`${paint(BOLD, `==> ${title}`)}\n`);
    },
    info: (line) => {
      endLiveLine();
      io.stderr(`    ${line}\n`);
    },
    wave: (scenario, wave, text, transient = false) => {
      const key = `${scenario}/${wave}`;
      const line = `    wave ${wave}: ${text}`;
      if (!live) {
        if (transient) return;
        io.stderr(`${line}\n`);
        return;
      }
      if (openLine !== undefined && openLine !== key) io.stderr('\n');
      io.stderr(`${CLEAR_LINE}${line}`);
      openLine = key;
    },
    routes: (title, checks) => {
      endLiveLine();
      io.stdout(`${title}\n${formatRouteTable(checks, (ok, text) => paint(ok ? GREEN : RED, text))}\n`);
    },
    result: (line) => {
      endLiveLine();
      io.stdout(`${line}\n`);
    },
  };
}

/** The routing table as aligned text: tenant, stamp served (version), expected stamp, ok. Pure. */
export function formatRouteTable(checks: readonly RouteCheck[], mark: (ok: boolean, text: string) => string = (_ok, t) => t): string {
  const header = ['tenant', 'served by', 'version', 'expected', 'result'];
  const rows = checks.map((c) => [
    c.tenant,
    c.servedStamp ?? '-',
    c.servedVersion ?? '-',
    c.expectedStamp,
    c.ok ? 'ok' : `FAIL ${c.error ?? ''}`.trim(),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    `  ${cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}`;
  return [
    line(header),
    ...rows.map((r, index) => {
      const text = line(r);
      return mark(checks[index]!.ok, text);
    }),
  ].join('\n');
}
