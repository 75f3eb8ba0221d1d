/**
 * `createExternalWorkerGateway`: the Node side of external workers. It is two things at once:
 *
 * - a `StageRunner` (`gateway.stageRunner`) to give the kernel: the body of every external
 *   stage (`externalStage`) becomes an attempt waiting at the gateway, while the host that
 *   dequeued the job keeps its lease, fence and exactly-once commit exactly as for an
 *   in-process stage; other isolated stages go to `fallback` (e.g. `createIsolatedStageRunner`);
 * - an HTTP server (node:http) speaking protocol v1 (`protocol.ts`, docs/workers.md) through
 *   which workers in any language claim those attempts, heartbeat, report and settle them.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { RatchetError, type StageRunner } from "@ratchet/kernel";
import { Broker } from "./broker.js";
import { externalTaskOf } from "./external-stage.js";
import { ProtocolError, sendError, sendJson, tokenChecker } from "./http.js";
import { internalMessage, type RouteContext, route } from "./routes.js";

/** Where the gateway logs refusals (bad tokens) and lost leases. */
export interface GatewayLogger {
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

/** Options of {@link createExternalWorkerGateway}. */
export interface ExternalWorkerGatewayOptions {
  /** The bearer tokens workers may present (one per worker, or one shared); at least one. */
  tokens: readonly string[];
  /** A worker that does not heartbeat for this long loses its job to the next (default 10 000 ms). */
  leaseMs?: number;
  /** Largest request body (default 1 MiB); larger ones are refused with 413. */
  maxBodyBytes?: number;
  /** Longest long-poll of a claim (default 30 000 ms); a longer `waitMs` is cut to it. */
  maxWaitMs?: number;
  /** A request body must arrive within this (default 10 000 ms), or 408. */
  bodyTimeoutMs?: number;
  /** A request's headers must arrive within this (default 10 000 ms), or the socket is closed. */
  headersTimeoutMs?: number;
  /** Runs isolated stages that are not external; without it they fail `STAGE_NOT_EXTERNAL`. */
  fallback?: StageRunner;
  /** Default: `console`. */
  logger?: GatewayLogger;
}

/** The gateway; see the module comment. */
export interface ExternalWorkerGateway {
  /** Give this to `createKernel({ stageRunner })`. */
  readonly stageRunner: StageRunner;
  /** The node:http server (not listening until {@link listen}). */
  readonly server: Server;
  /** Attempts queued or held by workers now. */
  readonly pending: number;
  /** Starts listening (port 0: any free port); resolves with the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops listening and fails the attempts still at the gateway with `GATEWAY_CLOSED` (retried). */
  close(): Promise<void>;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!(Number.isFinite(result) && result > 0))
    throw new RatchetError(
      "INVALID_GATEWAY_OPTIONS",
      `[ratchet] external worker gateway: ${name} must be a number above 0, got ${String(value)}`,
      { field: name },
    );
  return result;
}

/** Creates the gateway; see the module comment and docs/workers.md. */
export function createExternalWorkerGateway(
  options: ExternalWorkerGatewayOptions,
): ExternalWorkerGateway {
  const tokens = options.tokens;
  if (!Array.isArray(tokens) || tokens.length === 0 || tokens.some((t) => !t || t.length < 16))
    throw new RatchetError(
      "INVALID_GATEWAY_OPTIONS",
      "[ratchet] external worker gateway: tokens must list at least one token of 16 characters or more",
      { field: "tokens" },
    );
  const logger = options.logger ?? console;
  const broker = new Broker(positive("leaseMs", options.leaseMs, 10_000), logger);
  const ctx: RouteContext = {
    broker,
    maxBodyBytes: positive("maxBodyBytes", options.maxBodyBytes, 1024 * 1024),
    bodyTimeoutMs: positive("bodyTimeoutMs", options.bodyTimeoutMs, 10_000),
    maxWaitMs: positive("maxWaitMs", options.maxWaitMs, 30_000),
  };
  const headersTimeout = positive("headersTimeoutMs", options.headersTimeoutMs, 10_000);
  const authorized = tokenChecker(tokens);
  const server = createServer(
    { headersTimeout, requestTimeout: 0, connectionsCheckingInterval: 1_000 },
    (req, res) => {
      if (!authorized(req.headers.authorization)) {
        logger.warn(
          `[ratchet] [external-workers] refused ${req.method} ${req.url} from ${req.socket.remoteAddress}: missing or unknown bearer token`,
          { code: "UNAUTHORIZED" },
        );
        res.setHeader("www-authenticate", 'Bearer realm="ratchet"');
        sendError(res, new ProtocolError(401, "UNAUTHORIZED", "missing or unknown bearer token"));
        req.resume();
        return;
      }
      route(ctx, req, res).catch((error: unknown) => {
        if (error instanceof ProtocolError) return sendError(res, error);
        logger.error(`[ratchet] [external-workers] ${req.method} ${req.url} failed`, {
          error: internalMessage(error),
        });
        sendJson(res, 500, { error: { code: "INTERNAL", message: internalMessage(error) } });
      });
    },
  );
  const stageRunner: StageRunner = {
    run: async (request) => {
      const task = externalTaskOf(request.isolation);
      if (task === undefined) {
        if (options.fallback) return options.fallback.run(request);
        throw new RatchetError(
          "STAGE_NOT_EXTERNAL",
          `[ratchet] isolated stage "${request.task.stageId}" is not external and the external worker gateway has no fallback runner`,
          { stageId: request.task.stageId, workflowId: request.task.workflowId },
        );
      }
      return broker.offer(task, request.task, request.signal, request.onMessage);
    },
  };
  return {
    stageRunner,
    server,
    get pending() {
      return broker.size;
    },
    listen: (port = 0, host = "127.0.0.1") =>
      new Promise<string>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          resolve(`http://${host}:${address.port}`);
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        broker.close(
          new RatchetError("GATEWAY_CLOSED", "[ratchet] the external worker gateway was closed"),
        );
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
