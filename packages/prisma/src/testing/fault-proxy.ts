/**
 * A fault-injection TCP proxy for tests: put it between a client and PostgreSQL (or any TCP
 * server) and change how it carries bytes while connections are open.
 *
 * - `forward`: bytes (and closes) pass as they arrive;
 * - `blackhole`: a network partition — nothing passes in either direction, every socket stays
 *   open, and neither side learns anything. What arrives is held, not dropped (TCP would
 *   retransmit it), so healing (`forward`) delivers it in order, closes included;
 * - `delay`: each chunk is delivered `ms` after it arrived, in order;
 * - `reset`: every open connection is reset at once (RST both ways), and new ones are reset
 *   as they arrive, until the mode changes;
 * - `half-open`: one direction is held as in `blackhole`, the other passes.
 */
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";

/** A direction through the proxy: from the client to the server, or back. */
export type FaultDirection = "to-server" | "to-client";

/** How the proxy carries bytes (see the module documentation). */
export type FaultMode =
  | { mode: "forward" }
  | { mode: "blackhole" }
  | { mode: "delay"; ms: number }
  | { mode: "reset" }
  | { mode: "half-open"; stopped: FaultDirection };

/** Counters of a {@link FaultProxy}. */
export interface FaultProxyStats {
  /** Connections accepted since the start. */
  accepted: number;
  /** Connections open now (either side not yet closed). */
  open: number;
  /** Connections the proxy reset (`reset` mode). */
  reset: number;
}

/** A running proxy. */
export interface FaultProxy {
  /** The target URL with its host and port replaced by the proxy's. */
  readonly url: string;
  /** The port the proxy listens on (on 127.0.0.1). */
  readonly port: number;
  /** The current mode. */
  readonly mode: FaultMode;
  /** Counters. */
  readonly stats: FaultProxyStats;
  /** Changes the mode; takes effect at once for open connections and new ones. */
  set(mode: FaultMode | "forward" | "blackhole" | "reset"): void;
  /** Closes the listener and destroys every connection. */
  close(): Promise<void>;
}

/** What one direction carries: data, the sender's FIN, or the sender's reset. */
type Item = Buffer | "end" | "destroy";

/** One direction of a connection: what arrived and is not delivered yet. */
class Lane {
  private readonly queue: Array<{ arrived: number; item: Item }> = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly destination: Socket,
    private readonly direction: FaultDirection,
    private readonly modeOf: () => FaultMode,
  ) {}

  push(item: Item): void {
    this.queue.push({ arrived: Date.now(), item });
    this.pump();
  }

  /** Delivers what the mode lets through now, and schedules what a delay holds back. */
  pump(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const mode = this.modeOf();
    const stopped =
      mode.mode === "blackhole" ||
      mode.mode === "reset" ||
      (mode.mode === "half-open" && mode.stopped === this.direction);
    const delayMs = mode.mode === "delay" ? mode.ms : 0;
    while (!stopped && this.queue.length > 0) {
      const head = this.queue[0] as { arrived: number; item: Item };
      const wait = head.arrived + delayMs - Date.now();
      if (wait > 0) {
        this.timer = setTimeout(() => this.pump(), wait);
        return;
      }
      this.queue.shift();
      this.deliver(head.item);
    }
  }

  private deliver(item: Item): void {
    if (this.destination.destroyed) return;
    if (item === "end") this.destination.end();
    else if (item === "destroy") this.destination.resetAndDestroy();
    else this.destination.write(item);
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

/** A client connection and its connection to the target. */
class Pair {
  readonly lanes: Lane[];
  private closed = 0;

  constructor(
    readonly client: Socket,
    readonly server: Socket,
    modeOf: () => FaultMode,
    onClosed: () => void,
  ) {
    const toServer = new Lane(server, "to-server", modeOf);
    const toClient = new Lane(client, "to-client", modeOf);
    this.lanes = [toServer, toClient];
    for (const [socket, lane] of [
      [client, toServer],
      [server, toClient],
    ] as const) {
      socket.on("data", (chunk: Buffer) => lane.push(chunk));
      socket.on("end", () => lane.push("end"));
      // A socket that fails (reset by its peer, or refused) passes the reset on; one that
      // closes cleanly already passed its FIN.
      socket.on("error", () => lane.push("destroy"));
      socket.on("close", () => {
        if (++this.closed === 2) {
          for (const each of this.lanes) each.clear();
          onClosed();
        }
      });
    }
  }

  pump(): void {
    for (const lane of this.lanes) lane.pump();
  }

  reset(): void {
    for (const lane of this.lanes) lane.clear();
    this.client.resetAndDestroy();
    this.server.resetAndDestroy();
  }
}

function normalise(mode: FaultMode | "forward" | "blackhole" | "reset"): FaultMode {
  if (typeof mode === "string") return { mode };
  if (mode.mode === "delay" && !(Number.isFinite(mode.ms) && mode.ms >= 0))
    throw new Error(`[ratchet] [test] a delay must be a non-negative number of ms, got ${mode.ms}`);
  return { ...mode };
}

/**
 * Starts a proxy on a free port of 127.0.0.1 in front of `targetUrl`'s host and port (any URL:
 * `postgresql://user@127.0.0.1:5432/db`, `tcp://127.0.0.1:7000`), in `forward` mode.
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy(database.url);
 * const stack = await createPostgresStack({ url: proxy.url });
 * proxy.set("blackhole"); // a partition: sockets stay open, nothing passes
 * proxy.set("forward"); // healed: what was held is delivered
 * await proxy.close();
 * ```
 */
export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const targetHost = target.hostname || "127.0.0.1";
  const targetPort = Number(target.port || 5432);
  let mode: FaultMode = { mode: "forward" };
  const pairs = new Set<Pair>();
  const stats: FaultProxyStats = { accepted: 0, open: 0, reset: 0 };
  const server: Server = createServer({ allowHalfOpen: true, pauseOnConnect: false }, (client) => {
    stats.accepted++;
    if (mode.mode === "reset") {
      stats.reset++;
      client.on("error", () => undefined);
      client.resetAndDestroy();
      return;
    }
    client.setNoDelay(true);
    const upstream = connect({
      host: targetHost,
      port: targetPort,
      allowHalfOpen: true,
      noDelay: true,
    });
    stats.open++;
    const pair = new Pair(
      client,
      upstream,
      () => mode,
      () => {
        pairs.delete(pair);
        stats.open--;
      },
    );
    pairs.add(pair);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = new URL(targetUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return {
    url: url.toString(),
    port,
    get mode() {
      return mode;
    },
    stats,
    set(next) {
      mode = normalise(next);
      if (mode.mode === "reset") {
        for (const pair of pairs) {
          stats.reset++;
          pair.reset();
        }
        return;
      }
      for (const pair of pairs) pair.pump();
    },
    async close() {
      for (const pair of pairs) pair.reset();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
