/**
 * A `LISTEN ratchet_wakeup` connection that feeds PostgreSQL notifications into the
 * process's wake-ups. Prisma cannot LISTEN, so this holds one plain `pg` connection; it
 * reconnects with back-off when the connection drops (wake-ups are an optimisation: hosts keep
 * polling slowly meanwhile).
 */
import pg from "pg";
import { type LocalWakeups, WAKEUP_CHANNEL, type WakeupKind } from "./wakeups.js";

const MAX_BACKOFF_MS = 30_000;

/** Keeps a LISTEN connection open while started. */
export class PostgresListener {
  private client: pg.Client | undefined;
  private stopped = true;
  private backoffMs = 500;
  private retry: ReturnType<typeof setTimeout> | undefined;
  /** Connections made so far (1 when nothing went wrong). */
  connections = 0;

  constructor(
    private readonly url: string,
    private readonly wakeups: LocalWakeups,
    private readonly onError: (error: unknown) => void = () => {},
    /** Parameters of the connection (keepalive, session limits, connect timeout). */
    private readonly config: pg.ClientConfig = { keepAlive: true },
  ) {}

  /** Starts listening (idempotent). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ ...this.config, connectionString: this.url });
    this.client = client;
    client.on("notification", (message) => {
      const kind = message.payload as WakeupKind;
      if (kind === "run" || kind === "job") this.wakeups.emit(kind);
    });
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () =>
      this.lost(client, new Error("[ratchet] [prisma] LISTEN connection ended")),
    );
    try {
      await client.connect();
      await client.query(`LISTEN ${WAKEUP_CHANNEL}`);
      this.connections++;
      this.backoffMs = 500;
      // Anything may have been written while we were not listening.
      this.wakeups.emit("run");
      this.wakeups.emit("job");
    } catch (error) {
      this.lost(client, error);
    }
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
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
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners();
      await client.end().catch(() => undefined);
    }
  }
}
