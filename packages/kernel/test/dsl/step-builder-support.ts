/** What the tests of the `workflow()` builder share. */
import { z } from "zod";

/** A schema that accepts anything. */
export const any = z.any();

/** Task options whose handler returns `{}`. */
export const noop = { handler: async () => ({}) };
