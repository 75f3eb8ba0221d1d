/** Prisma clients for Ratchet's adapters, tests and stacks. */
export * from "./postgres.js";
export * from "./sqlite.js";
