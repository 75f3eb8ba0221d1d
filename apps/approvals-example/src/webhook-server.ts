/**
 * The approval webhook (`createApprovalWebhook` of `@ratchet/host-common`, a Fetch API
 * handler) mounted on `node:http` at `POST /approvals`, on 127.0.0.1 and a port the system
 * picks. The handler checks the HMAC signature (or the shared secret) before it dispatches
 * `approval.decide` to the kernel.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { createApprovalWebhook } from "@ratchet/host-common";
import type { Kernel } from "@ratchet/kernel";

/** A running approval webhook server. */
export interface ApprovalServer {
  /** Where to POST decisions, e.g. `http://127.0.0.1:53117/approvals`. */
  url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Options of {@link startApprovalServer}. */
export interface ApprovalServerOptions {
  /** A kernel over the workers' store that registers the runs' workflows. */
  kernel: Kernel;
  /** The shared HMAC secret. */
  secret: string;
  /** Sees the cause of every 500 (the response says nothing of it). */
  onError?: (error: unknown) => void;
}

/** node:http's request as a Fetch API Request (the body streamed, not buffered). */
function toRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`), {
    method,
    headers,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
  } as RequestInit);
}

/** Starts the webhook server; resolves once it listens. */
export async function startApprovalServer(options: ApprovalServerOptions): Promise<ApprovalServer> {
  const approvals = createApprovalWebhook({
    kernel: options.kernel,
    secret: options.secret,
    accept: ["signature"],
    onError: options.onError ?? ((error) => console.error("approval webhook:", error)),
  });
  const server = createServer((req, res) => {
    if (req.url !== "/approvals") {
      res.writeHead(404).end();
      return;
    }
    approvals(toRequest(req))
      .then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      })
      .catch((error: unknown) => {
        options.onError?.(error);
        res.writeHead(500).end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/approvals`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
