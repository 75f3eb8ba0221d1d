/**
 * The Node side of the conformance fixture's consumer: a Workers queue pushes batches to its
 * consumer, while the conformance suite pulls (`receive`). The fixture Worker's `queue()`
 * forwards each message here (a Miniflare `serviceBindings` function) and waits for the
 * test's answer; `receive` hands the waiting messages to the test, whose `ack()` / `retry()`
 * answers them — so the Worker acks or retries each one on the real queue.
 */
import type { ReceivedJobMessage } from "@ratchet/kernel/testing";
import { Response } from "miniflare";

type Decision = "ack" | "retry";

/** Messages delivered to the consumer and not yet answered. */
export class QueueBridge {
  private readonly delivered: ReceivedJobMessage[] = [];
  private readonly unanswered = new Set<(decision: Decision) => void>();
  private wake: (() => void) | undefined;
  /** Deliveries so far. */
  deliveries = 0;

  /** The `serviceBindings` function the Worker's `BRIDGE` binding calls. */
  readonly handler = async (request: Request): Promise<Response> => {
    const { body } = (await request.json()) as { body: unknown };
    this.deliveries++;
    const decision = await new Promise<Decision>((resolve) => {
      this.unanswered.add(resolve);
      const answer = async (d: Decision) => {
        if (!this.unanswered.delete(resolve)) return;
        resolve(d);
      };
      this.delivered.push({ body, ack: () => answer("ack"), retry: () => answer("retry") });
      this.wake?.();
    });
    return new Response(decision);
  };

  /** Up to `max` delivered messages, waiting at most `waitMs` for the first. */
  async receive(max: number, waitMs: number): Promise<ReceivedJobMessage[]> {
    const until = Date.now() + waitMs;
    while (this.delivered.length === 0 && Date.now() < until) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, until - Date.now());
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.delivered.splice(0, max);
  }

  /** Answers every waiting message with `retry`, so the Worker's `queue()` can end. */
  release(): void {
    for (const resolve of this.unanswered) resolve("retry");
    this.unanswered.clear();
  }
}
