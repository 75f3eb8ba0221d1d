/**
 * `npm run start -w @ratchet/example`: runs the document pipeline once on the in-memory
 * adapters and prints progress, the result and a summary.
 */
import { runExample } from "./run-example.js";

const url = process.argv[2] ?? "https://example.com/guides/durable-workflows";
console.log(`Ratchet example: document pipeline for ${url}\n`);
const result = await runExample(url, (event) => {
  const stage = typeof event.payload.stageId === "string" ? ` ${event.payload.stageId}` : "";
  console.log(`  #${String(event.sequence).padStart(2)} ${event.type}${stage}`);
});
console.log("\nOutput:");
console.log(JSON.stringify(result.output, null, 2));
console.log(
  `\nSummary: run ${result.run.id} ${result.run.status}; ${result.stages.length} stages ` +
    `(${result.stages.map((s) => `${s.stageId}: ${s.status}`).join(", ")}); ${result.events.length} events; ${result.elapsedMs.toFixed(1)} ms`,
);
process.exitCode = result.run.status === "COMPLETED" ? 0 : 1;
