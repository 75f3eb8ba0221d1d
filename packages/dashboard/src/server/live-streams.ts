/**
 * Live updates over Server-Sent Events: each open stream reads its page's data every poll
 * interval and sends it (`event: update`) when it changed since the last send. A stream stops
 * when its client goes away or the dashboard closes.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { securityHeaders } from "./http.js";

/** Seconds between keep-alive comments on an idle stream. */
const PING_EVERY_MS = 15_000;

interface Stream {
  res: ServerResponse;
  stop(): void;
}

/** The open streams of one dashboard. */
export class LiveStreams {
  readonly #streams = new Set<Stream>();
  readonly #intervalMs: number;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  /** Open streams (tests). */
  get size(): number {
    return this.#streams.size;
  }

  /** Serves a stream of `load()`'s value on `res` until the client leaves or {@link closeAll}. */
  open(req: IncomingMessage, res: ServerResponse, load: () => Promise<unknown>): void {
    res.writeHead(200, {
      ...securityHeaders(),
      "content-type": "text/event-stream; charset=utf-8",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write("retry: 2000\n\n");
    let last = "";
    let lastWrite = Date.now();
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const stream: Stream = {
      res,
      stop: () => {
        if (stopped) return;
        stopped = true;
        clearTimeout(timer);
        this.#streams.delete(stream);
        res.end();
      },
    };
    const send = (event: string, data: string) => {
      res.write(`event: ${event}\ndata: ${data}\n\n`);
      lastWrite = Date.now();
    };
    const tick = async () => {
      try {
        const text = JSON.stringify(await load());
        if (stopped) return;
        if (text !== last) {
          last = text;
          send("update", text);
        }
      } catch (error) {
        if (stopped) return;
        const message = error instanceof Error ? error.message : String(error);
        send("failure", JSON.stringify({ message }));
        last = "";
      }
      if (Date.now() - lastWrite > PING_EVERY_MS) {
        res.write(": ping\n\n");
        lastWrite = Date.now();
      }
      if (!stopped) timer = setTimeout(() => void tick(), this.#intervalMs);
    };
    this.#streams.add(stream);
    req.on("close", stream.stop);
    void tick();
  }

  /** Ends every open stream. */
  closeAll(): void {
    for (const stream of [...this.#streams]) stream.stop();
  }
}
