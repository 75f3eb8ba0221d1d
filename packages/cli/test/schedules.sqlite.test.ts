/**
 * `ratchet schedules` as a real child process on a temporary SQLite file: create (and its
 * typed errors), list with next fire times (table and --json), pause, resume, delete.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createSqliteFile } from "@ratchet/prisma/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli.js";

const INPUT = JSON.stringify({ url: "https://library.example.org/papers/sqlite-wal" });

describe("ratchet schedules (child process, SQLite)", () => {
  const db = createSqliteFile("cli-schedules");
  const cwd = join(import.meta.dirname, "..", ".tmp", `cli-schedules-${process.pid}`);
  const cli = (...args: string[]) => runCli([...args, "--database-url", db.url], { cwd });

  beforeAll(async () => {
    mkdirSync(cwd, { recursive: true });
    expect((await cli("migrate")).code).toBe(0);
  });
  afterAll(() => {
    db.cleanup();
    rmSync(cwd, { recursive: true, force: true });
  });

  it("creates, lists, pauses, resumes and deletes a schedule", async () => {
    const created = await cli(
      "schedules",
      "create",
      "nightly",
      "document-pipeline",
      "0 3 * * *",
      "--tz",
      "Europe/Berlin",
      "--input",
      INPUT,
      "--overlap",
      "buffer_one",
      "--catch-up",
      "all",
    );
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(
      /^created schedule nightly \(document-pipeline, 0 3 \* \* \*\); next: /,
    );

    const listed = await cli("schedules", "list", "--next", "2", "--json");
    expect(listed.code).toBe(0);
    const [schedule] = JSON.parse(listed.stdout).schedules;
    expect(schedule).toMatchObject({
      id: "nightly",
      workflowId: "document-pipeline",
      cron: "0 3 * * *",
      timezone: "Europe/Berlin",
      overlap: "buffer_one",
      catchUp: "all",
      paused: false,
      input: JSON.parse(INPUT),
    });
    expect(schedule.upcoming).toHaveLength(2);
    expect(schedule.nextFireAt).toBe(schedule.upcoming[0]);
    // 03:00 in Berlin is 01:00 or 02:00 UTC, depending on daylight saving time.
    for (const at of schedule.upcoming) expect(at).toMatch(/T0[12]:00:00\.000Z$/);

    const table = await cli("schedules");
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^SCHEDULE\s+WORKFLOW\s+CRON\s+TIME ZONE\s+STATE/);
    expect(table.stdout).toMatch(
      /nightly\s+document-pipeline\s+0 3 \* \* \*\s+Europe\/Berlin\s+active/,
    );

    const paused = await cli("schedules", "pause", "nightly");
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain("paused schedule nightly; next: none while paused");
    const pausedList = JSON.parse((await cli("schedules", "list", "--json")).stdout);
    expect(pausedList.schedules[0]).toMatchObject({ paused: true, nextFireAt: null, upcoming: [] });

    const resumed = await cli("schedules", "resume", "nightly", "--json");
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ scheduleId: "nightly", paused: false });

    expect((await cli("schedules", "delete", "nightly")).stdout).toContain(
      "deleted schedule nightly",
    );
    expect((await cli("schedules", "list")).stdout).toContain("no schedules");
    const again = await cli("schedules", "delete", "nightly");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("error [SCHEDULE_NOT_FOUND]");
  });

  const refused: Array<[string, string[], number, string]> = [
    [
      "an invalid cron expression",
      ["every", "document-pipeline", "61 * * * *", "--input", INPUT],
      1,
      "INVALID_CRON",
    ],
    [
      "an unknown time zone",
      ["every", "document-pipeline", "* * * * *", "--input", INPUT, "--tz", "Mars/Base"],
      1,
      "INVALID_TIMEZONE",
    ],
    ["an unknown workflow", ["every", "nope", "* * * * *"], 1, "WORKFLOW_NOT_FOUND"],
    [
      "input the workflow rejects",
      ["every", "document-pipeline", "* * * * *", "--input", '{"url":"not a url"}'],
      1,
      "INVALID_INPUT",
    ],
    [
      "an unknown overlap policy",
      ["every", "document-pipeline", "* * * * *", "--input", INPUT, "--overlap", "queue"],
      2,
      "USAGE",
    ],
  ];
  for (const [what, args, code, error] of refused) {
    it(`create refuses ${what} (exit ${code}, ${error})`, async () => {
      const result = await cli("schedules", "create", ...args);
      expect(result.code).toBe(code);
      expect(result.stderr).toContain(`error [${error}]`);
    });
  }
});
