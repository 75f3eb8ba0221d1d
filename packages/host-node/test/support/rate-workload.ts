/**
 * The rate-limit test's workflow: one no-op stage, at most `RATE` starts per second across
 * every worker of the database.
 */
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { z } from "zod";

/** Starts per second the workflow allows. */
export const RATE = 50;

/** A workflow of one no-op stage, rate-limited to {@link RATE} starts per second. */
export const ratedWorkflow = defineWorkflow({
  id: "rated",
  name: "Rate-limited",
  input: z.object({ n: z.number() }),
  output: z.object({}),
  rateLimit: { limit: RATE, periodMs: 1_000 },
})
  .pipe(
    defineStage({
      id: "noop",
      name: "No-op",
      schemas: { input: z.object({ n: z.number() }), output: z.object({}) },
      execute: () => ({}),
    }),
  )
  .build();
