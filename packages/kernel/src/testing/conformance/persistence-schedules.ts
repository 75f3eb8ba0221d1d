/**
 * Persistence conformance: cron schedules — create (and a taken id), read, compare-and-set
 * updates, delete, listing by id, the earliest next fire time, and claims of due schedules:
 * only unpaused ones that are due, earliest first, changes rolled back with their transaction,
 * and concurrent claimers that never both hold one schedule.
 */
import { expect, it } from "vitest";
import type { NewSchedule } from "../../ports/persistence/index.js";
import type { ScheduleRecord } from "../../records.js";
import type { PersistenceFixture } from "./persistence-fixture.js";
import { at, RollbackProbe, SECOND, sampleJson, uniqueId } from "./shared.js";

/** A new unpaused schedule firing at `at(nextFireMs)`, with a unique id. */
export function buildSchedule(
  nextFireMs: number | null,
  overrides: Partial<NewSchedule> = {},
): NewSchedule {
  return {
    id: uniqueId("schedule"),
    workflowId: uniqueId("wf"),
    cron: "* * * * *",
    timezone: "Europe/Berlin",
    input: sampleJson(),
    metadata: { team: "billing" },
    priority: 3,
    overlap: "buffer_one",
    catchUp: "all",
    paused: false,
    nextFireAt: nextFireMs === null ? null : at(nextFireMs),
    lastFireAt: null,
    lastRunId: null,
    bufferedAt: null,
    createdAt: at(0),
    ...overrides,
  };
}

/** Registers the schedule tests. */
export function scheduleTests(fixture: () => PersistenceFixture): void {
  it("creates a schedule at version 1 and reads it back field for field; a taken id is refused", async () => {
    const { persistence } = fixture();
    const schedule = buildSchedule(60 * SECOND, { lastFireAt: at(SECOND), bufferedAt: at(2) });
    const created = await persistence.createSchedule(schedule);
    const expected: ScheduleRecord = { ...schedule, version: 1, updatedAt: at(0) };
    expect(created).toEqual(expected);
    expect(await persistence.getSchedule(schedule.id)).toEqual(expected);
    expect(await persistence.getSchedule(uniqueId("missing"))).toBeNull();

    const again = await persistence.createSchedule({ ...schedule, cron: "0 * * * *" });
    expect(again).toBeNull();
    expect((await persistence.getSchedule(schedule.id))?.cron).toBe("* * * * *");
  });

  it("keeps every kind of input and a paused schedule without a next fire time", async () => {
    const { persistence } = fixture();
    for (const input of [null, "text", 0, [1, { a: [null] }], sampleJson()]) {
      const schedule = buildSchedule(null, { input, paused: true, overlap: "allow" });
      await persistence.createSchedule(schedule);
      expect(await persistence.getSchedule(schedule.id)).toMatchObject({
        input,
        paused: true,
        overlap: "allow",
        nextFireAt: null,
      });
    }
  });

  it("updates with compare-and-set: bumps the version, sets updatedAt, leaves absent fields", async () => {
    const { persistence } = fixture();
    const schedule = buildSchedule(60 * SECOND);
    await persistence.createSchedule(schedule);
    const updated = await persistence.updateSchedule(
      schedule.id,
      { nextFireAt: at(120 * SECOND), lastFireAt: at(60 * SECOND), lastRunId: "run-1" },
      { expectedVersion: 1, now: at(61 * SECOND) },
    );
    expect(updated).toEqual({
      ...schedule,
      nextFireAt: at(120 * SECOND),
      lastFireAt: at(60 * SECOND),
      lastRunId: "run-1",
      version: 2,
      updatedAt: at(61 * SECOND),
    });
    const stale = await persistence.updateSchedule(
      schedule.id,
      { paused: true },
      { expectedVersion: 1, now: at(62 * SECOND) },
    );
    expect(stale).toBeNull();
    expect((await persistence.getSchedule(schedule.id))?.paused).toBe(false);

    const cleared = await persistence.updateSchedule(
      schedule.id,
      { paused: true, nextFireAt: null, bufferedAt: null, input: { n: 1 }, catchUp: "skip" },
      { now: at(63 * SECOND) },
    );
    expect(cleared).toMatchObject({
      paused: true,
      nextFireAt: null,
      lastRunId: "run-1",
      input: { n: 1 },
      catchUp: "skip",
      version: 3,
    });
    expect(await persistence.getSchedule(schedule.id)).toEqual(cleared);
    expect(
      await persistence.updateSchedule(uniqueId("missing"), { paused: true }, { now: at(0) }),
    ).toBeNull();
  });

  it("deletes a schedule; deleting a missing one answers false", async () => {
    const { persistence } = fixture();
    const schedule = buildSchedule(0);
    await persistence.createSchedule(schedule);
    expect(await persistence.deleteSchedule(schedule.id)).toBe(true);
    expect(await persistence.getSchedule(schedule.id)).toBeNull();
    expect(await persistence.deleteSchedule(schedule.id)).toBe(false);
  });

  it("lists schedules by id, page after page", async () => {
    const { persistence } = fixture();
    const prefix = uniqueId("page");
    for (const n of [3, 1, 4, 2, 5]) {
      await persistence.createSchedule(buildSchedule(0, { id: `${prefix}-${n}` }));
    }
    const first = await persistence.listSchedules({ limit: 2 });
    expect(first.map((s) => s.id)).toEqual([`${prefix}-1`, `${prefix}-2`]);
    const rest = await persistence.listSchedules({ afterId: `${prefix}-2`, limit: 10 });
    expect(rest.map((s) => s.id)).toEqual([`${prefix}-3`, `${prefix}-4`, `${prefix}-5`]);
    expect(await persistence.listSchedules({ afterId: `${prefix}-5`, limit: 10 })).toEqual([]);
  });

  it("tells the earliest next fire time of the unpaused schedules", async () => {
    const { persistence } = fixture();
    expect(await persistence.nextScheduleFireAt()).toBeNull();
    await persistence.createSchedule(buildSchedule(null, { paused: true }));
    expect(await persistence.nextScheduleFireAt()).toBeNull();
    await persistence.createSchedule(buildSchedule(90 * SECOND));
    await persistence.createSchedule(buildSchedule(30 * SECOND));
    await persistence.createSchedule(buildSchedule(10 * SECOND, { paused: true }));
    expect(await persistence.nextScheduleFireAt()).toEqual(at(30 * SECOND));
  });

  it("claims only unpaused due schedules, earliest first, up to the limit", async () => {
    const { persistence } = fixture();
    const late = buildSchedule(50 * SECOND);
    const early = buildSchedule(10 * SECOND);
    const middle = buildSchedule(30 * SECOND);
    const future = buildSchedule(500 * SECOND);
    const paused = buildSchedule(5 * SECOND, { paused: true });
    for (const s of [late, early, middle, future, paused]) await persistence.createSchedule(s);

    const claimed = await persistence.withTransaction((tx) =>
      tx.claimDueSchedules({ now: at(100 * SECOND), limit: 2 }),
    );
    expect(claimed.map((s) => s.id)).toEqual([early.id, middle.id]);
    expect(claimed[0]).toEqual({ ...early, version: 1, updatedAt: at(0) });
    const all = await persistence.withTransaction((tx) =>
      tx.claimDueSchedules({ now: at(100 * SECOND), limit: 10 }),
    );
    expect(all.map((s) => s.id)).toEqual([early.id, middle.id, late.id]);
    // Due exactly now counts.
    const exact = await persistence.withTransaction((tx) =>
      tx.claimDueSchedules({ now: at(10 * SECOND), limit: 10 }),
    );
    expect(exact.map((s) => s.id)).toEqual([early.id]);
  });

  it("rolls back schedule writes with their transaction", async () => {
    const { persistence } = fixture();
    const kept = buildSchedule(10 * SECOND);
    await persistence.createSchedule(kept);
    const dropped = buildSchedule(10 * SECOND);
    await expect(
      persistence.withTransaction(async (tx) => {
        await tx.createSchedule(dropped);
        const [due] = await tx.claimDueSchedules({ now: at(20 * SECOND), limit: 1 });
        await tx.updateSchedule(
          due?.id ?? "",
          { nextFireAt: at(70 * SECOND) },
          { expectedVersion: 1, now: at(20 * SECOND) },
        );
        await tx.deleteSchedule(kept.id);
        throw new RollbackProbe();
      }),
    ).rejects.toBeInstanceOf(RollbackProbe);
    expect(await persistence.getSchedule(dropped.id)).toBeNull();
    expect(await persistence.getSchedule(kept.id)).toMatchObject({
      version: 1,
      nextFireAt: at(10 * SECOND),
    });
  });

  it("concurrent claimers never hold one schedule at once: each due slot is taken once", async () => {
    const { persistence } = fixture();
    const schedules = Array.from({ length: 6 }, (_, i) => buildSchedule(i * SECOND));
    for (const s of schedules) await persistence.createSchedule(s);
    const taken: string[] = [];
    // Each claimer moves what it claims a minute on, as schedules.fireDue does.
    const claimer = () =>
      persistence.withTransaction(async (tx) => {
        const due = await tx.claimDueSchedules({ now: at(10 * SECOND), limit: 2 });
        for (const s of due) {
          const moved = await tx.updateSchedule(
            s.id,
            { nextFireAt: at(70 * SECOND), lastFireAt: s.nextFireAt },
            { expectedVersion: s.version, now: at(10 * SECOND) },
          );
          if (!moved) throw new Error("[ratchet] [conformance] a claimed schedule changed");
          taken.push(s.id);
        }
        return due.length;
      });
    for (let round = 0; round < 4; round++) await Promise.all(Array.from({ length: 4 }, claimer));
    expect([...taken].sort()).toEqual(schedules.map((s) => s.id).sort());
    for (const s of schedules) {
      expect(await persistence.getSchedule(s.id)).toMatchObject({
        version: 2,
        nextFireAt: at(70 * SECOND),
      });
    }
  });
}
