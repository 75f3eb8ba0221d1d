/**
 * Marking events published on SQLite binds two parameters per event (run and sequence), and a
 * SQLite statement takes at most 32,766: a flush of more events than half that (a large
 * `maxOutboxFlushPerTick`) is marked in slices, every event of it, not refused.
 */
import type { NewOutboxEvent } from "@ratchet/kernel";
import { describe, expect, it } from "vitest";
import { useStack } from "./support/stacks.js";

const EVENTS = 20_000;
const T0 = new Date("2026-01-01T00:00:00Z");

describe("outbox marks on SQLite", () => {
  const harness = useStack("sqlite", "outbox-marks");

  it(`marks ${EVENTS.toLocaleString("en-US")} events in one call`, async () => {
    const { persistence } = harness().stack;
    const events: NewOutboxEvent[] = Array.from({ length: EVENTS }, (_, i) => ({
      id: `event-${i}`,
      runId: `run-${Math.floor(i / 4)}`,
      sequence: (i % 4) + 1,
      type: "workflow.step.completed",
      payload: { i },
      occurredAt: T0,
    }));
    for (let i = 0; i < EVENTS; i += 1_000)
      await persistence.appendOutboxEvents(events.slice(i, i + 1_000));
    await persistence.markOutboxPublished(events, new Date(T0.getTime() + 1_000));
    const [row] = await harness().reader.read(
      "SELECT count(*) AS n FROM ratchet_outbox WHERE published_at IS NULL",
      [],
    );
    expect(Number(row?.n)).toBe(0);
  }, 120_000);
});
