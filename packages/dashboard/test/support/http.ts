/** HTTP helpers for the tests: raw requests (any Host header) and reading an SSE stream. */
import { request } from "node:http";

/** A raw response. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends a request with exactly these headers (Host included). */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? "GET", headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** An open event stream: the `update` events received so far, and a way to wait for one. */
export interface EventStream {
  updates: unknown[];
  /** Resolves with the first update (from now on, or already received) that `match` accepts. */
  next(match: (data: unknown) => boolean, timeoutMs?: number): Promise<unknown>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens `url` as a Server-Sent Events stream. */
export function openEventStream(
  url: string,
  headers: Record<string, string> = {},
): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const updates: unknown[] = [];
    const waiters: Array<() => void> = [];
    let endStream: () => void = () => {};
    const ended = new Promise<void>((r) => {
      endStream = r;
    });
    const req = request(url, { headers: { accept: "text/event-stream", ...headers } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`stream answered ${res.statusCode}`));
        res.resume();
        return;
      }
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let cut = buffer.indexOf("\n\n");
        while (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const lines = block.split("\n");
          if (lines.includes("event: update")) {
            const data = lines.find((l) => l.startsWith("data: "))?.slice(6) ?? "null";
            updates.push(JSON.parse(data));
            for (const w of waiters.splice(0)) w();
          }
          cut = buffer.indexOf("\n\n");
        }
      });
      res.on("end", endStream);
      res.on("close", endStream);
      resolve({
        updates,
        ended,
        close: () => req.destroy(),
        next: (match, timeoutMs = 10_000) =>
          new Promise((ok, fail) => {
            const deadline = setTimeout(
              () =>
                fail(
                  new Error(`no matching update in ${timeoutMs} ms (${updates.length} received)`),
                ),
              timeoutMs,
            );
            const check = () => {
              const found = updates.find(match);
              if (found !== undefined) {
                clearTimeout(deadline);
                ok(found);
              } else waiters.push(check);
            };
            check();
          }),
      });
    });
    req.on("error", reject);
    req.end();
  });
}
