/**
 * A scripted stand-in for `ServerlessHost.handleJob`, for tests of how messages are settled
 * (the end-to-end tests use the real host).
 */
import type { HandleJobResult } from "@ratchet/host-serverless";

/** A host whose answer to each message is `answer(message)`; it keeps what it was handed. */
export function scriptedHost(
  answer: (message: unknown) => HandleJobResult | Promise<HandleJobResult>,
) {
  const handled: unknown[] = [];
  return {
    handled,
    handleJob: async (message: unknown) => {
      handled.push(message);
      return answer(message);
    },
  };
}

/** `handleJob`'s answers, by the message's `jobId`: `ok-…` ran, `down-…` the database is down, `early-…` not due. */
export function answerByJobId(message: unknown): HandleJobResult {
  const jobId = String((message as { jobId?: unknown }).jobId ?? "");
  if (jobId === "")
    return {
      outcome: "failed",
      ack: true,
      error: { code: "INVALID_MESSAGE", message: "no jobId" },
    };
  if (jobId.startsWith("down"))
    return {
      outcome: "failed",
      ack: false,
      jobId,
      error: { code: "UNEXPECTED_ERROR", message: "database down" },
    };
  if (jobId.startsWith("early"))
    return {
      outcome: "skipped",
      ack: true,
      jobId,
      reason: "not due",
      notBefore: new Date(Date.now() + 90_000),
    };
  if (jobId.startsWith("throw")) throw new Error("handleJob threw");
  return { outcome: "completed", ack: true, jobId };
}
