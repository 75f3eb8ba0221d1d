/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): self time per function and per area (which
 * package or part of the runtime the function lives in), so the docs can say what bounds a run.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileEntry {
  name: string;
  where: string;
  selfMs: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Time not idle: what the process spent on the CPU (program, GC and JavaScript). */
  busyMs: number;
  functions: ProfileEntry[];
  areas: ProfileEntry[];
}

/** Which area a script belongs to, from its URL. */
export function areaOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === "(idle)") return "(idle)";
    if (functionName === "(garbage collector)") return "(garbage collector)";
    if (functionName === "(program)") return "(program: native, not JavaScript)";
    return "(native)";
  }
  if (url.startsWith("node:")) return "node internals";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "/node_modules/".length).split("/");
    const name = rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
    return name;
  }
  const packages = url.match(/\/packages\/([^/]+)\//);
  if (packages) return `@ratchet/${packages[1]}`;
  if (url.includes("/bench/")) return "bench harness";
  return url;
}

function shortPath(url: string): string {
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) return url.slice(modules + "/node_modules/".length);
  const packages = url.indexOf("/packages/");
  if (packages >= 0) return url.slice(packages + 1);
  return url.replace(/^file:\/\//, "");
}

/** Self time per function (top `limit`) and per area. */
export function summarizeProfile(profile: CpuProfile, limit = 25): ProfileSummary {
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute the next delta to sample i.
    const delta = deltas[i + 1] ?? 0;
    const id = samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, delta));
  }
  const byFunction = new Map<string, { name: string; where: string; us: number }>();
  const byArea = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    totalUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || "(anonymous)";
    if (name === "(idle)") idleUs += us;
    const where = url ? `${shortPath(url)}:${lineNumber + 1}` : "";
    const key = `${name}@${where}`;
    const entry = byFunction.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    const area = areaOf(url, name);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  const pct = (us: number) => (totalUs === 0 ? 0 : (us / totalUs) * 100);
  return {
    totalMs: totalUs / 1000,
    busyMs: (totalUs - idleUs) / 1000,
    functions: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, limit)
      .map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, percent: pct(f.us) })),
    areas: [...byArea.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, where: "", selfMs: us / 1000, percent: pct(us) })),
  };
}
