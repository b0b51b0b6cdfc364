// Process supervision for the local fleet: start children in their own process
// group, learn the port each one bound from its startup line, stop them all.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { processAlive } from '@stampyard/stamp-spec';

/** How to start one child process. */
export interface ProcessSpec {
  /** Name used in messages, e.g. `stamp-app stamp-eu-1`. */
  readonly name: string;
  /** The executable, e.g. `process.execPath`. */
  readonly command: string;
  readonly args: readonly string[];
  /** @default - the current working directory */
  readonly cwd?: string;
  /**
   * Reads the bound port from one line of the child's stdout or stderr.
   * The child counts as started at the first line it returns a port for.
   */
  readonly readPort: (line: string) => number | undefined;
  /** @default 20000 */
  readonly startTimeoutMs?: number;
}

/** A child that started and told us its port. */
export interface RunningProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** Resolves when the child has exited. */
  readonly exited: Promise<void>;
  /** The last lines it printed, for error messages. */
  recentOutput(): string;
}

const RECENT_LINES = 40;

/**
 * Owns every child of a run. Each child leads its own process group, so stopping
 * it also stops anything it started; `stopAll` (and `killAllSync` on exit) leave none behind.
 */
export class Supervisor {
  private readonly live = new Map<number, ChildProcess>();
  private readonly everStarted: number[] = [];

  /** Every pid this supervisor ever started, in start order. */
  get startedPids(): readonly number[] {
    return this.everStarted;
  }

  /** Pids that have not exited yet. */
  get livePids(): number[] {
    return [...this.live.keys()];
  }

  async start(spec: ProcessSpec): Promise<RunningProcess> {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    const pid = child.pid;
    if (pid === undefined) {
      const error = await new Promise<Error>((resolve) => child.once('error', resolve));
      throw new Error(`${spec.name}: could not start ${spec.command}: ${error.message}`);
    }
    this.live.set(pid, child);
    this.everStarted.push(pid);
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        this.live.delete(pid);
        resolve();
      });
    });
    const recent: string[] = [];
    const recentOutput = () => recent.join('\n');
    const port = await new Promise<number>((resolve, reject) => {
      const timeoutMs = spec.startTimeoutMs ?? 20_000;
      const timer = setTimeout(() => {
        fail(`printed no port within ${timeoutMs} ms`);
      }, timeoutMs);
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new Error(`${spec.name} (pid ${pid}) ${why}. Its last output:\n${recentOutput() || '(nothing)'}`));
      };
      const onLine = (line: string) => {
        recent.push(line);
        if (recent.length > RECENT_LINES) recent.shift();
        if (settled) return;
        const found = spec.readPort(line);
        if (found !== undefined) {
          settled = true;
          clearTimeout(timer);
          resolve(found);
        }
      };
      // Keep reading for the child's whole life, so a chatty child never blocks on a full pipe.
      for (const stream of [child.stdout, child.stderr]) {
        if (stream) createInterface({ input: stream }).on('line', onLine);
      }
      void exited.then(() => fail(`exited (code ${child.exitCode ?? child.signalCode}) before it was listening`));
    }).catch(async (error: unknown) => {
      await this.stop({ name: spec.name, pid, port: 0, exited, recentOutput });
      throw error;
    });
    return { name: spec.name, pid, port, exited, recentOutput };
  }

  /** Stops a child and its process group: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(proc: RunningProcess, graceMs = 3000): Promise<void> {
    if (!this.live.has(proc.pid)) return;
    signalGroup(proc.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(proc.pid, 'SIGKILL'), graceMs);
    await proc.exited;
    clearTimeout(timer);
    // Anything the child left in its group goes too.
    signalGroup(proc.pid, 'SIGKILL');
  }

  /** Stops every live child. */
  async stopAll(graceMs = 3000): Promise<void> {
    await Promise.all(
      [...this.live.entries()].map(([pid, child]) =>
        this.stop(
          {
            name: String(pid),
            pid,
            port: 0,
            exited: new Promise<void>((resolve) =>
              child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
            ),
            recentOutput: () => '',
          },
          graceMs,
        ),
      ),
    );
  }

  /** Last resort for `process.on('exit')`, where nothing asynchronous runs. */
  killAllSync(): void {
    for (const pid of this.live.keys()) signalGroup(pid, 'SIGKILL');
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Whether a process with this pid exists (the repository lock's own check). */
export const isProcessAlive = processAlive;
