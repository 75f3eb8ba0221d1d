/**
 * A `StageRunner` for tests: runs an isolated stage's child side in this process, over an
 * in-memory channel whose every message is copied through JSON — so what crosses is exactly
 * what would cross to a child process, without starting one. It isolates nothing: a body that
 * blocks still blocks. Hosts use a real runner (`createIsolatedStageRunner` of
 * `@ratchet/host-node`).
 */
import { runIsolatedStage } from "../isolation/child.js";
import type { ParentMessage } from "../isolation/protocol.js";
import type { StageRunner, StageRunRequest } from "../ports/stage-runner.js";

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * A runner whose "child" finds stages among `exports` (what the workflow module exports, e.g.
 * `{ workflows: [wf] }`). `requests` records each request, for assertions.
 */
export function inlineStageRunner(
  exports: Record<string, unknown>,
): StageRunner & { readonly requests: StageRunRequest[] } {
  const requests: StageRunRequest[] = [];
  return {
    requests,
    run: async (request) => {
      requests.push(request);
      const listeners: ((message: ParentMessage) => void)[] = [];
      const toChild = (message: ParentMessage) => {
        for (const listener of listeners) listener(copy(message));
      };
      const onAbort = () =>
        toChild({
          type: "abort",
          reason: { name: "Error", message: String(request.signal.reason), nonRetryable: false },
        });
      request.signal.addEventListener("abort", onAbort, { once: true });
      try {
        const result = await runIsolatedStage(exports, copy(request.task), {
          send: (message) => {
            void request.onMessage(copy(message)).then((reply) => {
              if (reply) toChild(reply);
            });
          },
          subscribe: (listener) => listeners.push(listener),
        });
        if (request.signal.aborted) throw request.signal.reason;
        return copy(result);
      } finally {
        request.signal.removeEventListener("abort", onAbort);
      }
    },
  };
}
