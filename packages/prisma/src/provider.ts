/**
 * The databases Ratchet runs on, and which one a Prisma client talks to. Generated clients
 * carry the schema's provider (`_activeProvider`, also in `_engineConfig.activeProvider`); the
 * driver adapter factory names its own (`"postgres"` or `"sqlite"`). Both are internal to
 * Prisma, so `migrate()` and the adapters also accept the provider explicitly.
 */

/** A database Ratchet runs on and ships migrations for (Prisma's provider names). */
export type DatabaseProvider = "postgresql" | "sqlite";

function normalise(name: unknown): DatabaseProvider | undefined {
  if (name === "postgresql" || name === "postgres") return "postgresql";
  if (name === "sqlite") return "sqlite";
  return undefined;
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined;
}

/**
 * The provider of a Prisma client (generated flavour or driver adapter), or `undefined` when
 * it cannot be told or is neither PostgreSQL nor SQLite.
 */
export function detectProvider(client: object): DatabaseProvider | undefined {
  const engineConfig = field(client, "_engineConfig");
  const candidates = [
    field(client, "_activeProvider"),
    field(engineConfig, "activeProvider"),
    field(field(engineConfig, "adapter"), "provider"),
  ];
  for (const candidate of candidates) {
    if (candidate !== undefined) return normalise(candidate);
  }
  return undefined;
}
