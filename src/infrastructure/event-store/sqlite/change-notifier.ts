import { closeSync, openSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Wakes live subscribers when the log may have grown.
 *
 * Commits made through this process bump the version at once. For subscribers in other
 * processes, every commit also writes one byte to a side file, `<database>-notify`, which their
 * directory watch (inotify) reports within a millisecond. (Watching the WAL file is not enough:
 * it is written before the commit becomes visible, which happens through the memory-mapped
 * `-shm` index and raises no file event.) A slow check of SQLite's `data_version` covers what a
 * watch can miss (network file systems). A waiter passes the version it last saw, so a commit
 * that lands between its read and its wait is never lost. While anyone waits, the safety timer
 * keeps the process alive, as an open socket would.
 */
export class ChangeNotifier {
  private version = 0;
  private waiters = new Set<() => void>();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastDataVersion: number | undefined;
  private notifyFile: number | undefined;
  private readonly oneByte = new Uint8Array(1);

  constructor(
    private readonly databaseFile: string,
    private readonly readDataVersion: () => number,
    private readonly safetyPollMs: number,
  ) {}

  get current(): number {
    return this.version;
  }

  /** Called after every commit made through this process. */
  committed(): void {
    this.touchNotifyFile();
    this.notify();
  }

  private notify(): void {
    this.version++;
    if (this.timer) this.timer.unref();
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
      this.timer?.ref();
      abort.addEventListener('abort', wake, { once: true });
    });
  }

  close(): void {
    if (this.notifyFile !== undefined) closeSync(this.notifyFile);
    this.notifyFile = undefined;
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  /** A positional write of one byte, no fsync: about a microsecond, and an inotify event for watchers. */
  private touchNotifyFile(): void {
    try {
      this.notifyFile ??= openSync(`${this.databaseFile}-notify`, 'w');
      writeSync(this.notifyFile, this.oneByte, 0, 1, 0);
    } catch {
      // Read-only folder or similar: other processes fall back to the safety poll.
    }
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
