/**
 * Persistence conformance: the transactional outbox — leases, per-run ordering, failure
 * isolation between runs (no head-of-line blocking) and the dead-letter queue.
 */
import { expect, it } from "vitest";
import type { OutboxEventRef } from "../../ports/persistence/outbox.js";
import type { NewOutboxEvent, OutboxRecord } from "../../records.js";
import { buildEvent, buildRun, type PersistenceFixture } from "./persistence-fixture.js";
import { at, SECOND } from "./shared.js";

const LEASE_MS = 30 * SECOND;
const ids = (events: readonly OutboxRecord[]) => events.map((event) => event.id);

/** Registers the outbox tests. */
export function outboxTests(fixture: () => PersistenceFixture): void {
  it("appendOutboxEvents stores unpublished events that listOutboxEvents returns by sequence", async () => {
    const { persistence, backdoor, queries } = fixture();
    const run = await persistence.createRun(buildRun());
    const events = [
      buildEvent(run.id, 2, 20),
      buildEvent(run.id, 1, 10),
      buildEvent(run.id, 3, 30),
    ];
    await persistence.appendOutboxEvents(events);
    const listed = await queries.listEvents(run.id);
    expect(listed.map((event) => event.sequence)).toEqual([1, 2, 3]);
    for (const event of listed) {
      const input = events.find((e) => e.id === event.id);
      expect(event).toEqual({
        ...input,
        publishedAt: null,
        retryCount: 0,
        availableAt: event.availableAt,
        dlqAt: null,
        lastError: null,
      });
      expect(event.occurredAt).toBeInstanceOf(Date);
      expect(event.availableAt).toBeInstanceOf(Date);
      expect(event.availableAt.getTime()).toBeLessThanOrEqual(event.occurredAt.getTime());
    }
    if (backdoor) expect(await backdoor.readOutbox(run.id)).toEqual(listed);
  });

  it("claimOutboxEvents hands out the oldest events first and leases them", async () => {
    const { persistence } = fixture();
    const a = await persistence.createRun(buildRun());
    const b = await persistence.createRun(buildRun());
    const a1 = buildEvent(a.id, 1, 1 * SECOND);
    const a2 = buildEvent(a.id, 2, 3 * SECOND);
    const b1 = buildEvent(b.id, 1, 2 * SECOND);
    await persistence.appendOutboxEvents([a1, a2]);
    await persistence.appendOutboxEvents([b1]);

    const claimed = await persistence.claimOutboxEvents({
      now: at(10 * SECOND),
      limit: 10,
      leaseMs: LEASE_MS,
    });
    expect(ids(claimed)).toEqual([a1.id, b1.id, a2.id]);
    expect(claimed[0]).toMatchObject({
      runId: a.id,
      sequence: 1,
      type: a1.type,
      payload: a1.payload,
    });
    // Leased: a second caller gets none of them.
    expect(
      await persistence.claimOutboxEvents({ now: at(11 * SECOND), limit: 10, leaseMs: LEASE_MS }),
    ).toEqual([]);
    // The lease ran out without a publish: they are handed out again.
    const again = await persistence.claimOutboxEvents({
      now: at(10 * SECOND + LEASE_MS + 1),
      limit: 10,
      leaseMs: LEASE_MS,
    });
    expect(ids(again)).toEqual([a1.id, b1.id, a2.id]);
  });

  it("concurrent claimOutboxEvents callers never receive the same event", async () => {
    const { persistence } = fixture();
    const events: NewOutboxEvent[] = [];
    for (let r = 0; r < 30; r++) {
      const run = await persistence.createRun(buildRun());
      const event = buildEvent(run.id, 1, r);
      await persistence.appendOutboxEvents([event]);
      events.push(event);
    }
    const batches = await Promise.all(
      Array.from({ length: 6 }, () =>
        persistence.claimOutboxEvents({ now: at(SECOND), limit: 10, leaseMs: LEASE_MS }),
      ),
    );
    const claimed = batches.flat().map((event) => event.id);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect([...claimed].sort()).toEqual(events.map((event) => event.id).sort());
  });

  it("claimOutboxEvents honours limit and never hands out a run's later event while its earlier one is leased", async () => {
    const { persistence } = fixture();
    const a = await persistence.createRun(buildRun());
    const b = await persistence.createRun(buildRun());
    const a1 = buildEvent(a.id, 1, 1 * SECOND);
    const a2 = buildEvent(a.id, 2, 3 * SECOND);
    const b1 = buildEvent(b.id, 1, 2 * SECOND);
    await persistence.appendOutboxEvents([a1, a2, b1]);

    const first = await persistence.claimOutboxEvents({
      now: at(10 * SECOND),
      limit: 2,
      leaseMs: LEASE_MS,
    });
    expect(ids(first)).toEqual([a1.id, b1.id]);
    // a2 is free, but a1 (earlier, same run) is leased to the first caller: a2 must wait.
    expect(
      await persistence.claimOutboxEvents({ now: at(10 * SECOND), limit: 10, leaseMs: LEASE_MS }),
    ).toEqual([]);
    await persistence.markOutboxPublished([a1], at(11 * SECOND));
    expect(
      ids(
        await persistence.claimOutboxEvents({ now: at(12 * SECOND), limit: 10, leaseMs: LEASE_MS }),
      ),
    ).toEqual([a2.id]);
  });

  it("claimOutboxEvents hands out a run's events in sequence order even when occurredAt does not follow it", async () => {
    const { persistence } = fixture();
    const run = await persistence.createRun(buildRun());
    // Written by two hosts whose clocks disagree: sequence 2 claims to be older than 1.
    const first = buildEvent(run.id, 1, 5 * SECOND);
    const second = buildEvent(run.id, 2, 1 * SECOND);
    await persistence.appendOutboxEvents([first, second]);
    expect(
      ids(
        await persistence.claimOutboxEvents({ now: at(10 * SECOND), limit: 1, leaseMs: LEASE_MS }),
      ),
    ).toEqual([first.id]);
    const afterLease = at(10 * SECOND + LEASE_MS + 1);
    expect(
      ids(await persistence.claimOutboxEvents({ now: afterLease, limit: 10, leaseMs: LEASE_MS })),
    ).toEqual([first.id, second.id]);
  });

  it("markOutboxPublished stops events from being handed out again", async () => {
    const { persistence, backdoor, queries } = fixture();
    const run = await persistence.createRun(buildRun());
    const e1 = buildEvent(run.id, 1, 0);
    const e2 = buildEvent(run.id, 2, 1);
    await persistence.appendOutboxEvents([e1, e2]);
    await persistence.claimOutboxEvents({ now: at(SECOND), limit: 10, leaseMs: LEASE_MS });
    await persistence.markOutboxPublished([e1], at(2 * SECOND));

    const later = at(SECOND + LEASE_MS + 1);
    expect(
      ids(await persistence.claimOutboxEvents({ now: later, limit: 10, leaseMs: LEASE_MS })),
    ).toEqual([e2.id]);
    const listed = await queries.listEvents(run.id);
    expect(listed.map((event) => event.publishedAt)).toEqual([at(2 * SECOND), null]);
    expect(listed[0]?.publishedAt).toBeInstanceOf(Date);
    if (backdoor) {
      expect((await backdoor.readOutbox(run.id)).map((event) => event.publishedAt)).toEqual([
        at(2 * SECOND),
        null,
      ]);
    }
  });

  it("marks and failures reach the named event only, not another run's event at the same sequence", async () => {
    const { persistence, queries } = fixture();
    const a = await persistence.createRun(buildRun());
    const b = await persistence.createRun(buildRun());
    const c = await persistence.createRun(buildRun());
    const [a1, b1, c1] = [buildEvent(a.id, 1, 0), buildEvent(b.id, 1, 0), buildEvent(c.id, 1, 0)];
    await persistence.appendOutboxEvents([a1, b1, c1]);
    await persistence.claimOutboxEvents({ now: at(SECOND), limit: 10, leaseMs: LEASE_MS });
    await persistence.markOutboxPublished([a1], at(2 * SECOND));
    await persistence.recordOutboxFailure(b1, {
      error: "sink down",
      retryAt: at(SECOND + 2 * LEASE_MS),
      deadLetter: false,
      now: at(2 * SECOND),
    });

    const [listedA, listedB, listedC] = await Promise.all(
      [a, b, c].map(async (run) => (await queries.listEvents(run.id))[0]),
    );
    expect(listedA).toMatchObject({ id: a1.id, publishedAt: at(2 * SECOND), retryCount: 0 });
    expect(listedB).toMatchObject({ id: b1.id, publishedAt: null, retryCount: 1 });
    expect(listedC).toMatchObject({ id: c1.id, publishedAt: null, retryCount: 0 });
    // After the lease, only c's event is due: a's is published, b's backs off.
    expect(
      ids(
        await persistence.claimOutboxEvents({
          now: at(2 * SECOND + LEASE_MS),
          limit: 10,
          leaseMs: LEASE_MS,
        }),
      ),
    ).toEqual([c1.id]);
  });

  it("a run backing off with a long backlog does not crowd other runs out of small claims", async () => {
    const { persistence } = fixture();
    const stuck = await persistence.createRun(buildRun());
    const healthy = await persistence.createRun(buildRun());
    const backlog = Array.from({ length: 20 }, (_, i) => buildEvent(stuck.id, i + 1, i));
    const waiting = buildEvent(healthy.id, 1, 100);
    await persistence.appendOutboxEvents([...backlog, waiting]);
    const now = at(10 * SECOND);
    const first = await persistence.claimOutboxEvents({ now, limit: 5, leaseMs: LEASE_MS });
    expect(ids(first)).toEqual(backlog.slice(0, 5).map((event) => event.id));
    await persistence.recordOutboxFailure(backlog[0] as OutboxEventRef, {
      error: "sink unavailable",
      retryAt: at(60 * 60 * SECOND),
      deadLetter: false,
      now,
    });
    // Every claim of five would be the stuck run's blocked events unless they back off too.
    const afterLease = at(10 * SECOND + LEASE_MS + 1);
    expect(
      ids(await persistence.claimOutboxEvents({ now: afterLease, limit: 5, leaseMs: LEASE_MS })),
    ).toEqual([waiting.id]);
  });

  it("recordOutboxFailure releases the later events leased with the failed one: they follow its retry, not their lease", async () => {
    const { persistence } = fixture();
    const run = await persistence.createRun(buildRun());
    const events = [1, 2, 3].map((n) => buildEvent(run.id, n, n));
    await persistence.appendOutboxEvents(events);
    const now = at(10 * SECOND);
    expect(ids(await persistence.claimOutboxEvents({ now, limit: 10, leaseMs: LEASE_MS }))).toEqual(
      events.map((e) => e.id),
    );
    const retryAt = at(11 * SECOND);
    await persistence.recordOutboxFailure(events[0] as OutboxEventRef, {
      error: "sink unavailable",
      retryAt,
      deadLetter: false,
      now,
    });
    // Not before the retry...
    expect(
      await persistence.claimOutboxEvents({
        now: at(10 * SECOND + 500),
        limit: 10,
        leaseMs: LEASE_MS,
      }),
    ).toEqual([]);
    // ...and then all of them, in order, long before the lease of the held-back ones would end.
    expect(
      ids(await persistence.claimOutboxEvents({ now: retryAt, limit: 10, leaseMs: LEASE_MS })),
    ).toEqual(events.map((e) => e.id));
  });

  it("recordOutboxFailure delays the failing run's later events but not other runs' events", async () => {
    const { persistence, backdoor, queries } = fixture();
    const stuck = await persistence.createRun(buildRun());
    const healthy = await persistence.createRun(buildRun());
    const s1 = buildEvent(stuck.id, 1, 1);
    const s2 = buildEvent(stuck.id, 2, 2);
    const h1 = buildEvent(healthy.id, 1, 3);
    const h2 = buildEvent(healthy.id, 2, 4);
    await persistence.appendOutboxEvents([s1, s2, h1, h2]);

    const now = at(10 * SECOND);
    expect(ids(await persistence.claimOutboxEvents({ now, limit: 10, leaseMs: LEASE_MS }))).toEqual(
      [s1.id, s2.id, h1.id, h2.id],
    );
    await persistence.markOutboxPublished([h1, h2], now);
    const retryAt = at(10 * SECOND + 5 * 60 * SECOND);
    await persistence.recordOutboxFailure(s1, {
      error: "sink unavailable",
      retryAt,
      deadLetter: false,
      now,
    });
    const h3 = buildEvent(healthy.id, 3, 20 * SECOND);
    await persistence.appendOutboxEvents([h3]);

    // s2's lease has expired, but it must not overtake s1, which is backing off; the healthy
    // run's new event is not held back by the stuck run.
    const afterLease = at(10 * SECOND + LEASE_MS + 1);
    expect(
      ids(await persistence.claimOutboxEvents({ now: afterLease, limit: 10, leaseMs: LEASE_MS })),
    ).toEqual([h3.id]);
    await persistence.markOutboxPublished([h3], afterLease);
    const failed = (await queries.listEvents(stuck.id))[0];
    expect(failed).toMatchObject({
      id: s1.id,
      retryCount: 1,
      lastError: "sink unavailable",
      publishedAt: null,
      dlqAt: null,
    });
    if (backdoor) {
      expect((await backdoor.readOutbox(stuck.id))[0]).toMatchObject({
        retryCount: 1,
        lastError: "sink unavailable",
      });
    }
    // Once the back-off is over, the stuck run's events come out in order.
    expect(
      ids(await persistence.claimOutboxEvents({ now: retryAt, limit: 10, leaseMs: LEASE_MS })),
    ).toEqual([s1.id, s2.id]);
  });

  it("dead-lettered events are not handed out until replayDeadLetters moves them back", async () => {
    const { persistence, backdoor, queries } = fixture();
    const run = await persistence.createRun(buildRun());
    const event = buildEvent(run.id, 1, 0);
    await persistence.appendOutboxEvents([event]);
    const now = at(SECOND);
    await persistence.claimOutboxEvents({ now, limit: 10, leaseMs: LEASE_MS });
    await persistence.recordOutboxFailure(event, {
      error: "poison",
      retryAt: now,
      deadLetter: true,
      now,
    });

    const stored = (await queries.listEvents(run.id))[0];
    expect(stored?.dlqAt).toEqual(now);
    expect(stored?.dlqAt).toBeInstanceOf(Date);
    expect(stored).toMatchObject({ publishedAt: null, lastError: "poison" });
    if (backdoor) expect((await backdoor.readOutbox(run.id))[0]?.dlqAt).toEqual(now);
    const much = at(SECOND + 10 * LEASE_MS);
    expect(
      await persistence.claimOutboxEvents({ now: much, limit: 10, leaseMs: LEASE_MS }),
    ).toEqual([]);

    expect(await persistence.replayDeadLetters(10, much)).toBe(1);
    expect((await queries.listEvents(run.id))[0]?.dlqAt).toBeNull();
    expect(
      ids(await persistence.claimOutboxEvents({ now: much, limit: 10, leaseMs: LEASE_MS })),
    ).toEqual([event.id]);
    expect(await persistence.replayDeadLetters(10, much)).toBe(0);
  });

  it("replayDeadLetters moves back at most limit events", async () => {
    const { persistence } = fixture();
    const now = at(SECOND);
    for (let i = 0; i < 3; i++) {
      const run = await persistence.createRun(buildRun());
      const event = buildEvent(run.id, 1, i);
      await persistence.appendOutboxEvents([event]);
      await persistence.recordOutboxFailure(event, {
        error: "poison",
        retryAt: now,
        deadLetter: true,
        now,
      });
    }
    expect(await persistence.replayDeadLetters(2, now)).toBe(2);
    expect(await persistence.replayDeadLetters(10, now)).toBe(1);
    expect(await persistence.replayDeadLetters(10, now)).toBe(0);
  });

  it("replayDeadLetters with a run id moves back only that run's events", async () => {
    const { persistence, queries } = fixture();
    const now = at(SECOND);
    const runs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const run = await persistence.createRun(buildRun());
      runs.push(run.id);
      for (let n = 1; n <= 2; n++) {
        const event = buildEvent(run.id, n, i * 2 + n);
        await persistence.appendOutboxEvents([event]);
        await persistence.recordOutboxFailure(event, {
          error: "poison",
          retryAt: now,
          deadLetter: true,
          now,
        });
      }
    }
    const [first, second] = runs as [string, string];
    const dead = async (runId: string) =>
      (await queries.listEvents(runId)).filter((e) => e.dlqAt !== null).length;
    expect(await persistence.replayDeadLetters(1, now, second)).toBe(1);
    expect([await dead(first), await dead(second)]).toEqual([2, 1]);
    expect(await persistence.replayDeadLetters(10, now, second)).toBe(1);
    expect([await dead(first), await dead(second)]).toEqual([2, 0]);
    expect(await persistence.replayDeadLetters(10, now, second)).toBe(0);
    expect(await persistence.replayDeadLetters(10, now)).toBe(2);
  });
}
