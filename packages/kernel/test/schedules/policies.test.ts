/**
 * `schedules.fireDue`: one run per slot (idempotency key, metadata), catch-up after downtime
 * (`skip`, `latest`, `all` capped at MAX_CATCH_UP_SLOTS), overlap while the last run is active
 * (`skip`, `buffer_one`, `allow`), pause and resume.
 */
import { describe, expect, it } from "vitest";
import { BUFFER_RECHECK_MS, MAX_CATCH_UP_SLOTS, type RunRecord } from "../../src/index.js";
import { finish, firedSlots, minute, scheduledRuns, scheduleKernel, tick } from "./support.js";

type Policies = { overlap?: "skip" | "buffer_one" | "allow"; catchUp?: "skip" | "latest" | "all" };

/** A kernel at 2026-01-01T00:00Z with schedule `s` firing every 5 minutes. */
async function everyFiveMinutes(policies: Policies = {}) {
  const t = scheduleKernel();
  await t.kernel.dispatch({
    type: "schedules.create",
    scheduleId: "s",
    workflowId: "report",
    cron: "*/5 * * * *",
    input: { n: 7 },
    metadata: { team: "ops" },
    overlap: "allow",
    ...policies,
  });
  return t;
}

const FIVE_MINUTES = 5 * 60_000;

describe("schedules.fireDue: one run per slot", () => {
  it("starts a run at its slot, once, with the schedule and slot in its metadata", async () => {
    const t = await everyFiveMinutes();
    expect(await tick(t)).toEqual({
      schedules: 0,
      fired: 0,
      skipped: 0,
      failed: 0,
      nextFireAt: new Date(minute(5)),
    });
    t.clock.advance(FIVE_MINUTES);
    expect(await tick(t)).toEqual({
      schedules: 1,
      fired: 1,
      skipped: 0,
      failed: 0,
      nextFireAt: new Date(minute(10)),
    });
    expect(await tick(t)).toMatchObject({ schedules: 0, fired: 0 });
    const [started] = await scheduledRuns(t, "s");
    expect(started?.run).toMatchObject({
      workflowId: "report",
      status: "PENDING",
      input: { n: 7 },
      idempotencyKey: `ratchet.schedule:s:${minute(5)}`,
      metadata: { team: "ops", "ratchet.scheduleId": "s", "ratchet.scheduledFor": minute(5) },
    });
    expect(await t.persistence.getSchedule("s")).toMatchObject({
      lastFireAt: new Date(minute(5)),
      lastRunId: started?.run.id,
      nextFireAt: new Date(minute(10)),
    });
  });

  it("a slot whose run exists already (its idempotency key taken) starts no second run", async () => {
    const t = await everyFiveMinutes();
    await t.kernel.dispatch({
      type: "run.create",
      workflowId: "report",
      input: { n: 7 },
      metadata: { team: "ops", "ratchet.scheduleId": "s", "ratchet.scheduledFor": minute(5) },
      idempotencyKey: `ratchet.schedule:s:${minute(5)}`,
    });
    t.clock.advance(FIVE_MINUTES);
    expect(await tick(t)).toMatchObject({ schedules: 1, fired: 0 });
    expect(await firedSlots(t, "s")).toEqual([minute(5)]);
  });
});

describe("schedules.fireDue: catch-up after downtime", () => {
  const downtime = 60 * 60_000 + 2 * 60_000; // an hour and two minutes: 12 slots missed
  it("all: fires every missed slot, oldest first", async () => {
    const t = await everyFiveMinutes({ catchUp: "all" });
    t.clock.advance(downtime);
    expect(await tick(t)).toMatchObject({ fired: 12 });
    expect(await firedSlots(t, "s")).toEqual(
      Array.from({ length: 12 }, (_, i) => minute(5 * i + 5)),
    );
    expect((await t.persistence.getSchedule("s"))?.nextFireAt).toEqual(new Date(minute(65)));
  });

  it(`all: fires at most the latest ${MAX_CATCH_UP_SLOTS} missed slots`, async () => {
    const t = await everyFiveMinutes({ catchUp: "all" });
    t.clock.advance(24 * 60 * 60_000); // 288 slots
    expect(await tick(t)).toMatchObject({ fired: MAX_CATCH_UP_SLOTS });
    const slots = await firedSlots(t, "s");
    expect(slots[0]).toBe(minute(24 * 60 - 5 * (MAX_CATCH_UP_SLOTS - 1)));
    expect(slots.at(-1)).toBe(minute(24 * 60));
  });

  it("latest: fires the most recent missed slot once", async () => {
    const t = await everyFiveMinutes({ catchUp: "latest" });
    t.clock.advance(downtime);
    expect(await tick(t)).toMatchObject({ fired: 1 });
    expect(await firedSlots(t, "s")).toEqual([minute(60)]);
  });

  it("skip: fires no missed slot, only one that is due now (within the grace)", async () => {
    const t = await everyFiveMinutes({ catchUp: "skip" });
    t.clock.advance(downtime);
    expect(await tick(t)).toMatchObject({ schedules: 1, fired: 0 });
    expect((await t.persistence.getSchedule("s"))?.nextFireAt).toEqual(new Date(minute(65)));
    t.clock.set(new Date(Date.parse(minute(65)) + 10_000));
    expect(await tick(t)).toMatchObject({ fired: 1 });
    expect(await firedSlots(t, "s")).toEqual([minute(65)]);
  });
});

describe("schedules.fireDue: overlap with the last run", () => {
  /** Fires slot 5 and returns its run (active). */
  async function firstRun(policies: Policies) {
    const t = await everyFiveMinutes(policies);
    t.clock.advance(FIVE_MINUTES);
    await tick(t);
    const [first] = await scheduledRuns(t, "s");
    return { t, first: first?.run as RunRecord };
  }

  it("skip: a slot while the last run is active is dropped; the next one after it ends fires", async () => {
    const { t, first } = await firstRun({ overlap: "skip" });
    t.clock.advance(FIVE_MINUTES);
    expect(await tick(t)).toMatchObject({ fired: 0, skipped: 1 });
    await finish(t, first);
    t.clock.advance(FIVE_MINUTES);
    expect(await tick(t)).toMatchObject({ fired: 1, skipped: 0 });
    expect(await firedSlots(t, "s")).toEqual([minute(5), minute(15)]);
  });

  it("allow: slots fire whatever the last run does", async () => {
    const { t } = await firstRun({ overlap: "allow" });
    t.clock.advance(FIVE_MINUTES);
    expect(await tick(t)).toMatchObject({ fired: 1 });
    expect(await firedSlots(t, "s")).toEqual([minute(5), minute(10)]);
  });

  it("skip with catch-up all: after downtime only the first missed slot runs while it is active", async () => {
    const t = await everyFiveMinutes({ overlap: "skip", catchUp: "all" });
    t.clock.advance(FIVE_MINUTES * 3);
    expect(await tick(t)).toMatchObject({ fired: 1, skipped: 2 });
    expect(await firedSlots(t, "s")).toEqual([minute(5)]);
  });

  it("buffer_one: keeps the latest slot while the last run is active, fires it once the run ends", async () => {
    const { t, first } = await firstRun({ overlap: "buffer_one" });
    t.clock.advance(FIVE_MINUTES);
    expect(await tick(t)).toMatchObject({ fired: 0 });
    // The tick comes back soon to see whether the run has ended.
    const buffered = await t.persistence.getSchedule("s");
    expect(buffered).toMatchObject({ bufferedAt: new Date(minute(10)) });
    expect(buffered?.nextFireAt).toEqual(new Date(Date.parse(minute(10)) + BUFFER_RECHECK_MS));
    t.clock.advance(FIVE_MINUTES); // a later slot replaces the buffered one
    expect(await tick(t)).toMatchObject({ fired: 0 });
    expect((await t.persistence.getSchedule("s"))?.bufferedAt).toEqual(new Date(minute(15)));
    t.clock.advance(BUFFER_RECHECK_MS);
    expect(await tick(t)).toMatchObject({ schedules: 1, fired: 0 }); // still active
    await finish(t, first);
    t.clock.advance(BUFFER_RECHECK_MS);
    expect(await tick(t)).toMatchObject({ fired: 1 });
    expect(await firedSlots(t, "s")).toEqual([minute(5), minute(15)]);
    expect(await t.persistence.getSchedule("s")).toMatchObject({
      bufferedAt: null,
      nextFireAt: new Date(minute(20)),
    });
    // The buffered slot's run is now the active one: the next slot is buffered in turn.
    t.clock.set(new Date(minute(20)));
    expect(await tick(t)).toMatchObject({ fired: 0 });
    expect((await t.persistence.getSchedule("s"))?.bufferedAt).toEqual(new Date(minute(20)));
  });
});

describe("schedules.pause / schedules.resume", () => {
  it("a paused schedule fires nothing; resumed, it starts from the next slot (no catch-up of the pause)", async () => {
    const t = await everyFiveMinutes({ catchUp: "all" });
    expect(await t.kernel.dispatch({ type: "schedules.pause", scheduleId: "s" })).toEqual({
      scheduleId: "s",
      paused: true,
      nextFireAt: null,
    });
    t.clock.advance(60 * 60_000 + 60_000);
    expect(await tick(t)).toEqual({ schedules: 0, fired: 0, skipped: 0, failed: 0 });
    expect(await t.kernel.dispatch({ type: "schedules.resume", scheduleId: "s" })).toEqual({
      scheduleId: "s",
      paused: false,
      nextFireAt: new Date(minute(65)),
    });
    expect(await tick(t)).toMatchObject({ fired: 0 });
    t.clock.set(new Date(minute(65)));
    expect(await tick(t)).toMatchObject({ fired: 1 });
    expect(await firedSlots(t, "s")).toEqual([minute(65)]);
  });

  it("pausing drops a buffered slot; pausing twice changes nothing", async () => {
    const t = await everyFiveMinutes({ overlap: "buffer_one" });
    t.clock.advance(FIVE_MINUTES);
    await tick(t);
    t.clock.advance(FIVE_MINUTES);
    await tick(t);
    expect((await t.persistence.getSchedule("s"))?.bufferedAt).not.toBeNull();
    await t.kernel.dispatch({ type: "schedules.pause", scheduleId: "s" });
    const paused = await t.persistence.getSchedule("s");
    expect(paused).toMatchObject({ paused: true, bufferedAt: null, nextFireAt: null });
    await t.kernel.dispatch({ type: "schedules.pause", scheduleId: "s" });
    expect((await t.persistence.getSchedule("s"))?.version).toBe(paused?.version);
  });
});
