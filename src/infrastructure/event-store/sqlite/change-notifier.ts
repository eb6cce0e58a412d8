import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Wakes live subscribers when the log may have grown.
 *
 * Commits made through this process bump the version at once. Commits made by another process
 * touch the database's WAL file, which a directory watch (inotify) reports within milliseconds; a
 * slow check of SQLite's `data_version` covers the cases a watch can miss (network file systems,
 * a WAL file recreated after a checkpoint). A waiter passes the version it last saw, so a commit
 * that lands between its read and its wait is never lost.
 */
export class ChangeNotifier {
  private version = 0;
  private waiters = new Set<() => void>();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastDataVersion: number | undefined;

  constructor(
    private readonly databaseFile: string,
    private readonly readDataVersion: () => number,
    private readonly safetyPollMs: number,
  ) {}

  get current(): number {
    return this.version;
  }

  /** Called after every commit made through this process. */
  notify(): void {
    this.version++;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves once the version differs from `seen`, or when `abort` fires. */
  waitForChange(seen: number, abort: AbortSignal): Promise<void> {
    if (this.version !== seen || abort.aborted) return Promise.resolve();
    this.startWatching();
    return new Promise<void>((resolve) => {
      const wake = () => {
        abort.removeEventListener('abort', wake);
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
      abort.addEventListener('abort', wake, { once: true });
    });
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Watching starts with the first live subscriber: writers alone never pay for it. */
  private startWatching(): void {
    if (this.timer) return;
    const prefix = basename(this.databaseFile);
    try {
      this.watcher = watch(dirname(this.databaseFile), { persistent: false }, (_event, file) => {
        if (file === null || String(file).startsWith(prefix)) this.checkDataVersion();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // No watch available here: the safety poll below still wakes subscribers.
    }
    this.lastDataVersion = this.readDataVersion();
    this.timer = setInterval(() => this.checkDataVersion(), this.safetyPollMs);
    this.timer.unref();
  }

  private checkDataVersion(): void {
    let dataVersion: number;
    try {
      dataVersion = this.readDataVersion();
    } catch {
      return; // the database is closing
    }
    // data_version changes only for commits made by other connections, which is exactly what
    // the in-process notify() cannot see.
    if (dataVersion !== this.lastDataVersion) {
      this.lastDataVersion = dataVersion;
      this.notify();
    }
  }
}
