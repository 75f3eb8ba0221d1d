/**
 * One LISTEN connection per stack, for the channels someone needs: `ratchet_wakeup` once a host
 * subscribes to wake-ups, `ratchet_run_ended` while anyone awaits a run (and a while after, so
 * awaits one after another do not LISTEN/UNLISTEN each time). Listening costs the server a
 * short read-only transaction per notification delivered, so a worker that awaits nothing
 * does not listen to run ends. Prisma cannot LISTEN, so this holds one plain `pg` connection;
 * it reconnects with back-off when the connection drops (notices are an optimisation: hosts
 * keep polling slowly meanwhile, waiters poll at their interval).
 */
import pg from "pg";
import { type LocalRunEnds, RUN_ENDED_CHANNEL, runEndNoticeOf } from "./run-ends.js";
import { isWakeupKind, type LocalWakeups, WAKEUP_CHANNEL } from "./wakeups.js";

const MAX_BACKOFF_MS = 30_000;
/** How long the run-end channel stays listened to after the last waiter left, ms. */
const RUN_ENDS_LINGER_MS = 60_000;

/** Keeps a LISTEN connection open while any channel is wanted. */
export class PostgresListener {
  private client: pg.Client | undefined;
  /** The client once connected (LISTENs can be sent on it). */
  private connected: pg.Client | undefined;
  /** The channels the current connection listens to. */
  private listening = new Set<string>();
  private readonly wanted = new Set<string>();
  private stopped = true;
  private backoffMs = 500;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private linger: ReturnType<typeof setTimeout> | undefined;
  /** Connections made so far (1 when nothing went wrong). */
  connections = 0;

  constructor(
    private readonly url: string,
    private readonly wakeups: LocalWakeups,
    private readonly onError: (error: unknown) => void = () => {},
    /** Parameters of the connection (keepalive, session limits, connect timeout). */
    private readonly config: pg.ClientConfig = { keepAlive: true },
    /** Where run-end notices go (`awaitRunResult`). */
    private readonly runEnds?: LocalRunEnds,
  ) {}

  /** Listens for wake-ups (idempotent). */
  start(): void {
    this.want(WAKEUP_CHANNEL);
  }

  /** Listens for run ends until {@link PostgresListener.releaseRunEnds} (idempotent). */
  listenRunEnds(): void {
    if (this.linger) clearTimeout(this.linger);
    this.linger = undefined;
    this.want(RUN_ENDED_CHANNEL);
  }

  /** Nobody awaits a run any more: stops listening for run ends after a while. */
  releaseRunEnds(): void {
    if (this.linger || !this.wanted.has(RUN_ENDED_CHANNEL)) return;
    this.linger = setTimeout(() => {
      this.linger = undefined;
      this.wanted.delete(RUN_ENDED_CHANNEL);
      const client = this.client;
      if (client && this.listening.delete(RUN_ENDED_CHANNEL))
        client.query(`UNLISTEN ${RUN_ENDED_CHANNEL}`).catch(() => undefined);
    }, RUN_ENDS_LINGER_MS);
    this.linger.unref?.();
  }

  private want(channel: string): void {
    if (this.wanted.has(channel)) return;
    this.wanted.add(channel);
    if (this.stopped) {
      this.stopped = false;
      void this.connect();
    } else if (this.client && this.client === this.connected)
      void this.listen(this.client, [channel]);
    // Otherwise the connection being made listens to every wanted channel once it is up.
  }

  /** LISTENs to `channels` on `client`, then says that anything may have happened meanwhile. */
  private async listen(client: pg.Client, channels: readonly string[]): Promise<void> {
    try {
      await client.query(channels.map((channel) => `LISTEN ${channel}`).join("; "));
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.client !== client) return;
    for (const channel of channels) this.listening.add(channel);
    if (channels.includes(WAKEUP_CHANNEL)) {
      this.wakeups.emit("run");
      this.wakeups.emit("job");
      this.wakeups.emit("due");
    }
    if (channels.includes(RUN_ENDED_CHANNEL)) this.runEnds?.emit(undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ ...this.config, connectionString: this.url });
    this.client = client;
    this.listening = new Set();
    client.on("notification", (message) => {
      if (message.channel === RUN_ENDED_CHANNEL) {
        if (message.payload) this.runEnds?.emit(runEndNoticeOf(message.payload));
        return;
      }
      if (isWakeupKind(message.payload)) this.wakeups.emit(message.payload);
    });
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () =>
      this.lost(client, new Error("[ratchet] [prisma] LISTEN connection ended")),
    );
    try {
      await client.connect();
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.client !== client) return;
    this.connected = client;
    this.connections++;
    this.backoffMs = 500;
    // Anything may have been written (and any run ended) while we were not listening.
    await this.listen(client, [...this.wanted]);
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.connected = undefined;
    this.listening = new Set();
    client.removeAllListeners();
    client.end().catch(() => undefined);
    if (this.stopped) return;
    this.onError(error);
    this.retry = setTimeout(() => void this.connect(), this.backoffMs);
    this.retry.unref?.();
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
  }

  /** Stops listening and closes the connection. */
  async close(): Promise<void> {
    this.stopped = true;
    this.wanted.clear();
    if (this.retry) clearTimeout(this.retry);
    if (this.linger) clearTimeout(this.linger);
    this.linger = undefined;
    const client = this.client;
    this.client = undefined;
    this.connected = undefined;
    if (client) {
      client.removeAllListeners();
      await client.end().catch(() => undefined);
    }
  }
}
