/**
 * `createDashboard`: the dashboard's HTTP server over read-side queries and a kernel's
 * dispatch. It listens on 127.0.0.1 unless told otherwise, and on any other address only with
 * a token.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { handleRequest } from "./handler.js";
import { LiveStreams } from "./live-streams.js";
import { type DashboardOptions, resolveOptions } from "./options.js";
import { defaultUiDir } from "./static-files.js";

/** A running dashboard. */
export interface Dashboard {
  /** Where it listens, e.g. `http://127.0.0.1:7700/`. */
  url: string;
  /** Stops listening, ends every live stream and open connection. */
  close(): Promise<void>;
}

/**
 * Starts the dashboard server.
 *
 * @throws DashboardError `DASHBOARD_TOKEN_REQUIRED` for a non-loopback `host` without a token,
 *   `DASHBOARD_INVALID_OPTION` for a bad port or a short token.
 *
 * @example
 * ```ts
 * const dashboard = await createDashboard({
 *   queries: stack.queries,
 *   dispatch: (command) => kernel.dispatch(command),
 *   workflows,
 *   appendLogs: (logs) => stack.persistence.appendLogs(logs),
 * });
 * console.log(`dashboard at ${dashboard.url}`);
 * ```
 */
export async function createDashboard(
  input: DashboardOptions & { uiDir?: string },
): Promise<Dashboard> {
  const options = resolveOptions(input);
  const streams = new LiveStreams(options.pollIntervalMs);
  const dispatch = options.dispatch;
  const ctx = {
    options,
    streams,
    uiDir: input.uiDir ?? defaultUiDir(),
    schedules:
      options.schedules ??
      (async () => (await dispatch({ type: "schedules.list", limit: 200 })).schedules),
  };
  const server = createServer((req, res) => {
    void handleRequest(ctx, req, res);
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shown}:${address.port}/`,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        streams.closeAll();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
