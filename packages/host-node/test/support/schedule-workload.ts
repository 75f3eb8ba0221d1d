/** The workflow the schedule test's schedule starts: one stage that does nothing. */
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { z } from "zod";

/** A workflow of one no-op stage, taking `{ tag: string }`. */
export const scheduledWorkflow = defineWorkflow({
  id: "scheduled-tick",
  name: "Scheduled tick",
  input: z.object({ tag: z.string() }),
  output: z.object({}),
})
  .pipe(
    defineStage({
      id: "noop",
      name: "No-op",
      schemas: { input: z.object({ tag: z.string() }), output: z.object({}) },
      execute: () => ({}),
    }),
  )
  .build();
