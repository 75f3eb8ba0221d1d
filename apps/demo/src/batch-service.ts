/**
 * A simulated embedding batch service. Submitting returns a ticket; the batch is done after a
 * delay derived from its content (about 1–1.7 s), and its result — one small vector per
 * passage — is computed from the text, so it is the same on every run and on every worker.
 * The ticket is all a suspended stage needs to keep: checking it needs no shared memory.
 */
import { fnv1a, fnv1aHex } from "./hash.js";

/** The model name the simulated service reports. */
export const EMBEDDING_MODEL = "demo-embed-v1";
/** Length of each vector. */
export const EMBEDDING_DIMENSIONS = 8;

/** What a submission returns (stored as the suspended stage's state). */
export interface BatchTicket {
  batchId: string;
  submittedAt: number;
  readyAt: number;
  passages: string[];
}

/** What checking a ticket returns. */
export type BatchStatus =
  | { done: false; readyAt: number }
  | { done: true; vectors: number[][]; batchMs: number };

/** How long the batch for `passages` takes (ms): 1 000 plus up to 700, from the content. */
export function batchDelayMs(passages: readonly string[]): number {
  return 1_000 + (fnv1a(passages.join("\n")) % 700);
}

/** Submits passages at time `now`. */
export function submitBatch(passages: readonly string[], now: number): BatchTicket {
  return {
    batchId: `batch-${fnv1aHex(passages.join("\n"))}`,
    submittedAt: now,
    readyAt: now + batchDelayMs(passages),
    passages: [...passages],
  };
}

/** A unit vector of {@link EMBEDDING_DIMENSIONS} numbers derived from `text`. */
export function embedText(text: string): number[] {
  const raw = Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) => {
    const h = fnv1a(`${i}:${text}`);
    return (h / 0xffffffff) * 2 - 1;
  });
  const norm = Math.hypot(...raw) || 1;
  return raw.map((x) => Math.round((x / norm) * 1000) / 1000);
}

/** The status of a ticket at time `now`. */
export function checkBatch(ticket: BatchTicket, now: number): BatchStatus {
  if (now < ticket.readyAt) return { done: false, readyAt: ticket.readyAt };
  return {
    done: true,
    vectors: ticket.passages.map(embedText),
    batchMs: ticket.readyAt - ticket.submittedAt,
  };
}
