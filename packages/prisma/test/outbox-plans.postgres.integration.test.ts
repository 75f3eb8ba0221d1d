/**
 * An outbox claim reads the unpublished-events index in order and stops after the events it
 * hands out: with a backlog of 3,000 unpublished events it reads a few index entries, not the
 * backlog (a claim that sorted the backlog first read every one of them, on each claim), in
 * custom and in generic plans, on a database whose tables were never analysed.
 */
import type { NewOutboxEvent } from "@ratchet/kernel";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresStack, type PrismaStack } from "../src/index.js";
import { claimOutboxStatement } from "../src/persistence/outbox.js";
import { postgresDialect } from "../src/sql/dialect.js";
import { createPostgresDatabase, type TestDatabase } from "../src/testing/index.js";
import { describePlan, explainAnalyze, type PlanMode, planNodes } from "./support/explain.js";

const BACKLOG = 3_000;
const LIMIT = 10;
const T0 = new Date("2026-01-01T12:00:00Z");

let db: TestDatabase;
let stack: PrismaStack;
let client: pg.Client;

beforeAll(async () => {
  db = await createPostgresDatabase("outbox_plans");
  stack = await createPostgresStack({ url: db.url });
  // 1,000 runs with three events each, oldest first; none published.
  const events: NewOutboxEvent[] = Array.from({ length: BACKLOG }, (_, i) => ({
    id: `event-${i}`,
    runId: `run-${Math.floor(i / 3)}`,
    sequence: (i % 3) + 1,
    type: "workflow.step.completed",
    payload: { i },
    occurredAt: new Date(T0.getTime() + i),
  }));
  await stack.persistence.withTransaction((tx) => tx.appendOutboxEvents(events));
  client = new pg.Client({ connectionString: db.url });
  client.on("error", () => undefined);
  await client.connect();
}, 120_000);

afterAll(async () => {
  await client?.end();
  await stack?.close();
  await db?.drop();
});

describe(`an outbox claim of ${LIMIT} with ${BACKLOG} unpublished events`, () => {
  for (const mode of ["custom", "generic"] as PlanMode[]) {
    it(`reads the unpublished-events index in order and stops early (${mode} plan)`, async () => {
      const statement = claimOutboxStatement(postgresDialect, {
        now: new Date(T0.getTime() + 60_000),
        limit: LIMIT,
        leaseMs: 30_000,
      });
      const plan = await explainAnalyze(client, statement, mode);
      const shown = describePlan(plan);
      const unpublished = planNodes(plan).filter(
        (node) => node["Index Name"] === "ratchet_outbox_unpublished_idx",
      );
      expect(unpublished.length, shown).toBeGreaterThan(0);
      for (const node of unpublished)
        expect((node["Actual Rows"] ?? 0) * (node["Actual Loops"] ?? 1), shown).toBeLessThanOrEqual(
          LIMIT,
        );
      expect(
        planNodes(plan).filter(
          (node) => node["Relation Name"] === "ratchet_outbox" && node["Node Type"] === "Seq Scan",
        ),
        shown,
      ).toEqual([]);
    });
  }

  it("hands out the oldest events, a run's in sequence order", async () => {
    const claimed = await stack.persistence.claimOutboxEvents({
      now: new Date(T0.getTime() + 60_000),
      limit: LIMIT,
      leaseMs: 30_000,
    });
    expect(claimed.map((event) => event.id)).toEqual(
      Array.from({ length: LIMIT }, (_, i) => `event-${i}`),
    );
  });
});
