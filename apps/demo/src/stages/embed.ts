/**
 * `embed`: an async-batch stage. It submits the document's passages to the (simulated)
 * embedding batch service and **suspends**; the engine checks the batch with
 * `checkCompletion` until it is done (about 1–1.7 s later), then the stage resumes with the
 * vectors — on whichever worker checks it.
 */
import { defineAsyncBatchStage } from "@ratchet/kernel";
import { z } from "zod";
import {
  type BatchTicket,
  checkBatch,
  EMBEDDING_DIMENSIONS,
  EMBEDDING_MODEL,
  submitBatch,
} from "../batch-service.js";
import { type DemoEnv, simulateWork } from "../env.js";
import { DocumentMetadata, Embedding, ExtractedText } from "../schemas.js";

/** How often a suspended batch is checked (ms). */
export const EMBED_POLL_INTERVAL_MS = 200;
/** A batch not done after this long fails the stage (`SUSPEND_TIMEOUT`). */
export const EMBED_MAX_WAIT_MS = 60_000;

/** Creates the `embed` stage. */
export function embedStage(env: DemoEnv) {
  return defineAsyncBatchStage({
    id: "embed",
    name: "Embed passages",
    description: "Submits the passages to an embedding batch, suspends until it is done",
    schemas: {
      input: z.object({ "extract-text": ExtractedText, "extract-metadata": DocumentMetadata }),
      output: Embedding,
    },
    async execute(ctx) {
      const { chunks } = ctx.input["extract-text"];
      const passages = [ctx.input["extract-metadata"].title, ...chunks];
      ctx.onProgress({ progress: 0, message: `submitting ${passages.length} passages` });
      await simulateWork(env, 80, ctx.signal);
      const ticket = submitBatch(passages, env.now());
      ctx.log.info("batch submitted", { batchId: ticket.batchId, passages: passages.length });
      return {
        suspended: true as const,
        state: ticket,
        pollConfig: {
          pollIntervalMs: EMBED_POLL_INTERVAL_MS,
          maxWaitMs: EMBED_MAX_WAIT_MS,
          nextPollAt: new Date(ticket.readyAt),
        },
      };
    },
    checkCompletion(ticket: BatchTicket) {
      const status = checkBatch(ticket, env.now());
      if (!status.done) return { ready: false, nextCheckAt: new Date(status.readyAt) };
      return {
        ready: true,
        output: {
          batchId: ticket.batchId,
          model: EMBEDDING_MODEL,
          dimensions: EMBEDDING_DIMENSIONS,
          vectors: status.vectors,
          batchMs: status.batchMs,
        },
      };
    },
  });
}
