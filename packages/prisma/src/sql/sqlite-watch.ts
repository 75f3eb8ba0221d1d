/**
 * Wake-ups across processes on one SQLite file: every commit changes the database file or its
 * write-ahead log, so watching the directory for those two names tells an idle host that
 * another process may have written work, without it sending a single query meanwhile.
 * Reacting never feeds back: a poll that finds nothing writes nothing, so it changes no file.
 */
import { type FSWatcher, watch } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import type { LocalWakeups } from "./wakeups.js";

const DEBOUNCE_MS = 5;

/** Watches an SQLite file's directory while started, emitting wake-ups on changes. */
export class SqliteFileWatcher {
  private watcher: FSWatcher | undefined;
  private pending: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly file: string,
    private readonly wakeups: LocalWakeups,
    /** Also called on each (debounced) change, e.g. to say "any run may have ended". */
    private readonly onChange: () => void = () => {},
  ) {}

  /** Starts watching (idempotent). In-memory databases have nothing to watch. */
  start(): void {
    if (this.watcher || this.file === ":memory:") return;
    const path = resolve(this.file);
    const names = new Set([basename(path), `${basename(path)}-wal`]);
    try {
      this.watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
        if (name !== null && !names.has(String(name))) return;
        if (this.pending) return;
        this.pending = setTimeout(() => {
          this.pending = undefined;
          this.wakeups.emit("run");
          this.wakeups.emit("job");
          this.onChange();
        }, DEBOUNCE_MS);
      });
      this.watcher.on("error", () => this.close());
    } catch {
      // Watching is an optimisation; hosts fall back to polling.
      this.watcher = undefined;
    }
  }

  /** Stops watching. */
  close(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }
}
