/**
 * The crash test's worker processes, watched: the controller starts them, SIGKILLs one now and
 * then (writing the kill's time window to `crash_kills`, on the database's clock), and stops
 * the rest with SIGTERM at the end. Anything else a worker does counts as a problem and fails
 * the test with its stderr:
 *
 * - it ends by itself (any exit code, any signal the controller did not send);
 * - it writes anything at all to stderr (an uncaught error, a Node warning, a host warning or
 *   error: on a healthy database nothing should be said, killed peers or not);
 * - it fails to start, or at the end it does not exit 0 within `stopTimeoutMs` of SIGTERM.
 */
import type { PrismaStack } from "@ratchet/prisma";
import { startWorker, type Worker, type WorkerExit } from "./processes.js";

/** One worker process and what the controller expects of it. */
interface Watched {
  id: string;
  worker: Worker;
  pid: number;
  /** What the controller did to it: only the matching exit is expected. */
  fate: "running" | "killed" | "stopped";
  /** Whether its stderr was already reported. */
  stderrReported: boolean;
}

/** The crash test's workers. */
export class CrashWorkers {
  /** Worker processes started so far (those that failed to start included). */
  started = 0;
  /** SIGKILLs sent by {@link CrashWorkers.killOne}. */
  kills = 0;
  private readonly all: Watched[] = [];
  private readonly live: Watched[] = [];
  private readonly problems: string[] = [];

  constructor(
    private readonly url: string,
    private readonly prisma: PrismaStack["prisma"],
    private readonly stopTimeoutMs = 20_000,
  ) {}

  /** Starts one worker and waits until it is ready (a failure to start is a problem). */
  async spawn(): Promise<void> {
    const id = `crash-${++this.started}`;
    let worker: Worker;
    try {
      worker = await startWorker(
        { RATCHET_DATABASE: this.url, RATCHET_WORKER_ID: id },
        "crash-worker-entry.ts",
      );
    } catch (error) {
      this.problems.push(`${id} did not start: ${(error as Error).message}`);
      return;
    }
    const watched: Watched = {
      id,
      worker,
      pid: worker.child.pid ?? -1,
      fate: "running",
      stderrReported: false,
    };
    this.all.push(watched);
    this.live.push(watched);
    void worker.exit.then((exit) => this.exited(watched, exit));
  }

  private exited(watched: Watched, { code, signal }: WorkerExit): void {
    const index = this.live.indexOf(watched);
    if (index >= 0) this.live.splice(index, 1);
    const expected =
      watched.fate === "killed"
        ? signal === "SIGKILL"
        : watched.fate === "stopped" && code === 0 && signal === null;
    if (expected) return;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    const doing =
      watched.fate === "running"
        ? "exited by itself"
        : watched.fate === "killed"
          ? "ended otherwise than by the SIGKILL it was sent"
          : "did not exit 0 after SIGTERM";
    this.problems.push(`${this.name(watched)} ${doing} (${how}); ${this.stderrOf(watched)}`);
  }

  private name(watched: Watched): string {
    return `worker ${watched.id} (pid ${watched.pid})`;
  }

  private stderrOf(watched: Watched): string {
    watched.stderrReported = true;
    const text = watched.worker.stderr();
    return text ? `its stderr:\n${text}` : "its stderr was empty";
  }

  /** Throws, listing every problem so far, if any worker misbehaved. */
  check(): void {
    for (const watched of this.all) {
      if (!watched.stderrReported && watched.worker.stderr() !== "")
        this.problems.push(`${this.name(watched)} wrote to stderr; ${this.stderrOf(watched)}`);
    }
    if (this.problems.length > 0) throw new Error(`worker problems:\n${this.problems.join("\n")}`);
  }

  /** Workers running now. */
  get running(): number {
    return this.live.length;
  }

  /**
   * SIGKILLs the worker `pick` chooses among those running and waits until it is gone,
   * recording when the signal was sent and when the process was seen gone (database clock).
   */
  async killOne(pick: (count: number) => number): Promise<void> {
    const victim = this.live[pick(this.live.length)];
    if (!victim) return;
    await this.prisma.$executeRawUnsafe(
      "INSERT INTO crash_kills (worker, pid) VALUES ($1, $2)",
      victim.id,
      victim.pid,
    );
    victim.fate = "killed";
    victim.worker.child.kill("SIGKILL");
    this.kills++;
    await victim.worker.exit;
    await this.prisma.$executeRawUnsafe(
      "UPDATE crash_kills SET dead_by = clock_timestamp() WHERE worker = $1",
      victim.id,
    );
  }

  /** Stops every running worker with SIGTERM; each must exit 0 in time. Then {@link check}. */
  async stopAll(): Promise<void> {
    const stopping = [...this.live];
    for (const watched of stopping) {
      watched.fate = "stopped";
      watched.worker.child.kill("SIGTERM");
    }
    await Promise.all(
      stopping.map(async (watched) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const inTime = await Promise.race([
          watched.worker.exit.then(() => true),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), this.stopTimeoutMs);
          }),
        ]);
        clearTimeout(timer);
        if (inTime) return;
        this.problems.push(
          `${this.name(watched)} did not exit within ${this.stopTimeoutMs} ms of SIGTERM; ${this.stderrOf(watched)}`,
        );
        watched.fate = "killed";
        watched.worker.child.kill("SIGKILL");
        await watched.worker.exit;
      }),
    );
    this.check();
  }

  /** Kills whatever still runs (after a failure), without judging how it ends. */
  async abort(): Promise<void> {
    const left = [...this.live];
    for (const watched of left) {
      watched.fate = "killed";
      watched.worker.child.kill("SIGKILL");
    }
    await Promise.all(left.map((watched) => watched.worker.exit));
  }
}
