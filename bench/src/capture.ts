/**
 * CPU profiling of the measured window only (the same V8 sampling profiler `node --cpu-prof`
 * uses, started and stopped around the worker's window so setup and enqueueing stay out of it).
 * Active only when the harness sets BENCH_PROFILE_FILE; the profile is written there.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

const file = process.env.BENCH_PROFILE_FILE;
let session: Session | undefined;

/** Starts sampling (no-op unless profiling was asked for). */
export async function startProfile(): Promise<void> {
  if (!file || session) return;
  session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  await session.post("Profiler.start");
}

/** Stops sampling and writes the profile. */
export async function stopProfile(): Promise<void> {
  if (!file || !session) return;
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(file, JSON.stringify(profile));
  session.disconnect();
  session = undefined;
}
