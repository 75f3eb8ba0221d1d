/**
 * `@ratchet/kernel/in-memory`: the in-memory adapters (persistence with real rollback, job
 * transport, scheduler, blob store) for examples, prototypes and single-process tools. Unlike
 * `@ratchet/kernel/testing`, this entry does not load vitest. Nothing survives the process.
 */
export * from "./in-memory/index.js";
