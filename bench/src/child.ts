/**
 * One workload repetition in its own process: `node child.mjs '<ChildSpec JSON>'`. Creates a
 * fresh database (PostgreSQL: `createPostgresDatabase`; SQLite: a temporary file), runs the
 * workload, drops the database and prints `RESULT <json>` as its last line. Logs go to stderr.
 */
import { createPostgresDatabase, createSqliteFile } from "@ratchet/prisma/testing";
import { type Driver, latency, type Target, throughput } from "./frames.js";
import { countQueries, queryHistogram } from "./postgres.js";
import {
  type ChildResult,
  type ChildSpec,
  RESULT_PREFIX,
  SIGNAL_SYSTEMS,
  STAGES_PER_RUN,
  type System,
} from "./spec.js";
import type { PgBossSetting } from "./systems/pg-boss/driver.js";

async function driverFor(
  system: System,
  target: Target,
  shape: "chain" | "fanout",
): Promise<Driver> {
  if (system === "ratchet-postgres" || system === "ratchet-sqlite") {
    const { ratchetDriver, chainWorkflow, fanoutWorkflow } = await import("./systems/ratchet.js");
    const { ratchetRunTimes } = await import("./systems/ratchet-times.js");
    return {
      ...ratchetDriver(target, shape === "chain" ? chainWorkflow : fanoutWorkflow),
      runTimes: () => ratchetRunTimes(target),
    };
  }
  if (target.kind !== "postgres") throw new Error(`${system} runs on PostgreSQL only`);
  switch (system) {
    case "graphile-worker":
      return (await import("./systems/graphile-worker.js")).graphileDriver(target, shape);
    case "pg-boss":
      return pgBoss(target, shape, (await import("./systems/pg-boss/single.js")).oneJobPerWorker);
    case "pg-boss-batch":
      return pgBoss(target, shape, (await import("./systems/pg-boss/batch.js")).batchesOfTen);
    case "dbos":
      return (await import("./systems/dbos.js")).dbosDriver(target, shape);
    default:
      throw new Error(`no driver for ${system}`);
  }
}

/** A pg-boss driver whose worker is `setting`'s. */
async function pgBoss(
  target: Target & { kind: "postgres" },
  shape: "chain" | "fanout",
  setting: PgBossSetting,
): Promise<Driver> {
  return (await import("./systems/pg-boss/driver.js")).pgBossDriver(target, shape, setting);
}

async function main(spec: ChildSpec): Promise<ChildResult> {
  const { system, workload, sizes } = spec;
  if (workload === "w4") {
    if (system !== "ratchet-memory") throw new Error("W4 runs on ratchet-memory only");
    return (await import("./systems/memory.js")).kernelTransitions(sizes.w4Runs);
  }
  if (workload === "w5" && system === "ratchet-memory")
    return (await import("./systems/memory-signal.js")).kernelSignalRoundTrips(sizes);
  if (workload === "w5" && !SIGNAL_SYSTEMS.includes(system))
    throw new Error(`W5 runs on ${SIGNAL_SYSTEMS.join(", ")} and ratchet-memory only`);
  countQueries();
  const label = `bench_${workload}_${system}`;
  let target: Target;
  let cleanup: () => Promise<void>;
  if (system === "ratchet-sqlite") {
    const file = createSqliteFile(label.replace(/_/g, "-"));
    target = { kind: "sqlite", file: file.file };
    cleanup = async () => file.cleanup();
  } else {
    const db = await createPostgresDatabase(label);
    target = { kind: "postgres", url: db.url, name: db.name };
    // RATCHET_BENCH_KEEP_DB=1 keeps the database for a look afterwards (its name on stderr).
    cleanup =
      process.env.RATCHET_BENCH_KEEP_DB === "1"
        ? async () => void process.stderr.write(`kept database ${db.name}\n`)
        : () => db.drop();
  }
  try {
    if (workload === "w5") {
      const { ratchetSignalDriver } = await import("./systems/ratchet-signal.js");
      const { signalRoundTrip } = await import("./signal-frame.js");
      return await signalRoundTrip(ratchetSignalDriver(target), sizes, target.kind === "postgres");
    }
    const driver = await driverFor(system, target, workload === "w2" ? "fanout" : "chain");
    if (workload === "w3") return await latency(driver, sizes.w3Samples, sizes.w3Warmup);
    const runs = workload === "w1" ? sizes.w1Runs : sizes.w2Runs;
    return await throughput(driver, target, runs, STAGES_PER_RUN[workload]);
  } finally {
    // A library may still hold an idle pooled connection that it closes lazily; dropping the
    // database terminates it, and a pool without an error listener would crash the process.
    dropping = true;
    await cleanup();
  }
}

let dropping = false;
process.on("uncaughtException", (error: Error & { code?: string }) => {
  if (dropping && error.code === "57P01") return; // terminating connection due to administrator command
  console.error(error);
  process.exit(1);
});

const spec = JSON.parse(process.argv[2] ?? "{}") as ChildSpec;
main(spec).then(
  (result) => {
    for (const [text, count] of [...queryHistogram].sort((a, b) => b[1] - a[1]))
      console.error(`${String(count).padStart(7)}  ${text}`);
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
    // Libraries may leave timers behind; the result is out, so leave now.
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
