/**
 * PostgreSQL helpers: the admin connection, what the server counted for a database (commits,
 * sessions, WAL), the CPU time of the server's processes, and a count of the queries this
 * process sends through `pg` (every library measured here, Prisma's adapter included, uses it).
 */
import { readdirSync, readFileSync } from "node:fs";
import { POSTGRES_ADMIN_URL } from "@ratchet/prisma/testing";
import pg from "pg";
import { sleep } from "./util.js";

export { POSTGRES_ADMIN_URL };

/** Runs `fn` on a fresh connection to the admin database (not the bench database). */
export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Server counters at one moment. */
export interface ServerCounters {
  commits: number;
  sessions: number;
  walBytes: number;
  walRecords: number;
  walFullPageImages: number;
  lsn: string;
}

/** Reads the counters for `database` (fresh statistics snapshot). */
export function readCounters(admin: pg.Client, database: string): Promise<ServerCounters> {
  return admin
    .query<{
      commits: string;
      sessions: string;
      wal_bytes: string;
      wal_records: string;
      wal_fpi: string;
      lsn: string;
    }>(
      `SELECT d.xact_commit AS commits, d.sessions, w.wal_bytes, w.wal_records, w.wal_fpi,
              pg_current_wal_lsn()::text AS lsn
         FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = $1`,
      [database],
    )
    .then(({ rows }) => {
      const row = rows[0];
      if (!row) throw new Error(`no statistics for database ${database}`);
      return {
        commits: Number(row.commits),
        sessions: Number(row.sessions),
        walBytes: Number(row.wal_bytes),
        walRecords: Number(row.wal_records),
        walFullPageImages: Number(row.wal_fpi),
        lsn: row.lsn,
      };
    });
}

/** Bytes of WAL between two LSNs. */
export async function lsnDiff(admin: pg.Client, from: string, to: string): Promise<number> {
  const { rows } = await admin.query<{ bytes: string }>(
    "SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn) AS bytes",
    [to, from],
  );
  return Number(rows[0]?.bytes ?? Number.NaN);
}

/**
 * Waits until at most `allowed` backends are connected to `database` (at most `timeoutMs`). Backends flush their
 * statistics when they exit, so counters read afterwards include everything they did.
 */
export async function waitForNoBackends(
  admin: pg.Client,
  database: string,
  timeoutMs = 10_000,
  allowed = 0,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await admin.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [database],
    );
    if (Number(rows[0]?.n) <= allowed) break;
    if (Date.now() > deadline) {
      console.error(`[warn] backends still connected to ${database} after ${timeoutMs} ms`);
      break;
    }
    await sleep(20);
  }
  await admin.query("SELECT pg_stat_clear_snapshot()");
}

/** The server's version and the settings that matter for these workloads. */
export async function serverInfo(): Promise<Record<string, string>> {
  return withAdmin(async (admin) => {
    const names = [
      "server_version",
      "shared_buffers",
      "work_mem",
      "effective_cache_size",
      "max_connections",
      "synchronous_commit",
      "fsync",
      "full_page_writes",
      "wal_level",
      "wal_buffers",
      "max_wal_size",
      "checkpoint_timeout",
      "commit_delay",
      "autovacuum",
      "random_page_cost",
      "jit",
    ];
    const { rows } = await admin.query<{ name: string; value: string }>(
      "SELECT name, current_setting(name) AS value FROM pg_settings WHERE name = ANY($1) ORDER BY name",
      [names],
    );
    const info: Record<string, string> = {};
    for (const row of rows) info[row.name] = row.value;
    const version = await admin.query<{ version: string }>("SELECT version()");
    info.version = version.rows[0]?.version ?? "";
    return info;
  });
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * CPU time (ms) used so far by every process named `postgres` on this machine (the server is
 * local here). Processes that exit take their time with them, so read it while the backends
 * that did the work are still connected.
 */
export function postgresCpuMs(): number {
  let ticks = 0;
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return Number.NaN;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      if (name !== "postgres") continue;
      const fields = stat.slice(close + 2).split(" ");
      // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process exited while we looked.
    }
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

let queriesSent = 0;
let counting = false;
/** With BENCH_QUERY_LOG=1, how often each query text was sent (printed to stderr by the child). */
export const queryHistogram = new Map<string, number>();
const histogram = process.env.BENCH_QUERY_LOG === "1";

/** Starts counting `pg.Client#query` calls in this process (idempotent). */
export function countQueries(): void {
  if (counting) return;
  counting = true;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    queriesSent++;
    if (histogram) {
      const first = args[0] as string | { text?: string } | undefined;
      const text = (typeof first === "string" ? first : (first?.text ?? "?"))
        .replace(/\s+/g, " ")
        .slice(0, 100);
      queryHistogram.set(text, (queryHistogram.get(text) ?? 0) + 1);
    }
    return original.apply(this, args);
  };
}

/** Queries sent through `pg` by this process so far. */
export function queriesSoFar(): number {
  return queriesSent;
}

/**
 * CPU time (ms) the whole machine has spent busy so far (all cores; `/proc/stat`), to tell how
 * much of a window went to processes other than the worker and PostgreSQL.
 */
export function machineBusyMs(): number {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    const ticks = [user, nice, system, irq, softirq, steal].reduce<number>(
      (sum, value) => sum + (value ?? 0),
      0,
    );
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}
