// Keeps the routing table in use: loads, validates, swaps atomically, watches and polls.
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { reloadRoutingTable, type ShardedRoutingTable } from '@stampyard/routing/lookup';
import { compileTable, type CompiledTable } from './route.ts';

export type ReloadResult =
  | { readonly result: 'loaded'; readonly table: CompiledTable; readonly tenants: number; readonly ms: number }
  | { readonly result: 'unchanged'; readonly revision: string }
  | { readonly result: 'rejected'; readonly error: string };

export interface TableStoreOptions {
  /** A table file, or a folder (single file or ConfigMap shards, possibly behind `..data`). */
  readonly path: string;
  readonly upstreams: ReadonlyMap<string, string>;
  /** Poll interval, the fallback when file events are missed. 0 turns polling off. */
  readonly pollIntervalMs: number;
  /** Wait after a file event before reading, so a burst of events gives one reload. */
  readonly debounceMs: number;
  /** Called after every load attempt. */
  readonly onReload: (outcome: ReloadResult) => void;
}

/** The table in use (undefined until a valid one loads) and the watcher around it. */
export class TableStore {
  current: CompiledTable | undefined;
  private watcher: FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private loading: Promise<ReloadResult | undefined> | undefined;
  private again = false;
  private fingerprint = '';
  /** The shards of the table in use, when it came from a sharded folder: the next reload reads only the changed ones. */
  private sharded: ShardedRoutingTable | undefined;

  constructor(private readonly options: TableStoreOptions) {}

  /**
   * Reads the table now, unless (without `force`) the files look exactly as at the last read:
   * a burst of events for a temp file must not re-read and re-validate 100,000 tenants.
   * Concurrent calls coalesce: one read runs, and one more after it if asked.
   */
  reload(force = false): Promise<ReloadResult | undefined> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = this.load(force).finally(() => {
      this.loading = undefined;
      if (this.again) {
        this.again = false;
        void this.reload();
      }
    });
    return this.loading;
  }

  private async load(force: boolean): Promise<ReloadResult | undefined> {
    const started = performance.now();
    // Taken before reading, so a change during the read shows up as a new fingerprint.
    const fingerprint = await this.readFingerprint();
    if (!force && fingerprint === this.fingerprint) return undefined;
    this.fingerprint = fingerprint;
    const read = await reloadRoutingTable(this.options.path, this.sharded);
    let outcome: ReloadResult;
    if (!read.ok) outcome = { result: 'rejected', error: read.error };
    else if (this.current?.revision === read.table.revision) outcome = { result: 'unchanged', revision: read.table.revision };
    else {
      const table = compileTable(read.table, this.options.upstreams);
      this.current = table; // the swap: one reference, read once per request, at the index's revision
      this.sharded = read.sharded;
      const ms = performance.now() - started;
      // Let requests that waited during the read run on the new table before the bookkeeping.
      await new Promise((resolve) => setImmediate(resolve));
      outcome = { result: 'loaded', table, tenants: table.tenantCount, ms };
    }
    this.options.onReload(outcome);
    return outcome;
  }

  /** Starts watching the folder (not the file: ConfigMaps swap a `..data` symlink) and polling. */
  start(): void {
    const dir = this.watchedDir();
    try {
      this.watcher = watch(dir, { persistent: false }, () => this.schedule());
      this.watcher.on('error', () => undefined); // the poll keeps working
    } catch {
      // The folder may not exist yet; polling picks the table up once it does.
    }
    if (this.options.pollIntervalMs > 0) {
      this.pollTimer = setInterval(() => void this.poll(), this.options.pollIntervalMs);
      this.pollTimer.unref();
    }
  }

  stop(): void {
    this.watcher?.close();
    clearInterval(this.pollTimer);
    clearTimeout(this.debounceTimer);
  }

  private schedule(): void {
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => void this.reload(), this.options.debounceMs);
    this.debounceTimer.unref();
  }

  private async poll(): Promise<void> {
    await this.reload();
  }

  private watchedDir(): string {
    return this.isDirPath ? this.options.path : dirname(this.options.path);
  }

  private isDirPath = false;

  /** Decides once whether the path is a folder, before `start`. */
  async init(): Promise<void> {
    try {
      this.isDirPath = (await stat(this.options.path)).isDirectory();
    } catch {
      this.isDirPath = false;
    }
  }

  /** Cheap change detection for polling: sizes, mtimes and inodes of what the table is read from (symlinks followed). */
  private async readFingerprint(): Promise<string> {
    try {
      if (!this.isDirPath) {
        const info = await stat(this.options.path);
        return `${info.ino}:${info.size}:${info.mtimeMs}`;
      }
      const names = (await readdir(this.options.path)).filter((n) => !n.startsWith('..')).sort();
      const parts = await Promise.all(
        names.map(async (name) => {
          const info = await stat(join(this.options.path, name)).catch(() => undefined);
          return info ? `${name}:${info.ino}:${info.size}:${info.mtimeMs}` : name;
        }),
      );
      return parts.join('|');
    } catch (error) {
      return `missing:${(error as Error).message}`;
    }
  }
}
