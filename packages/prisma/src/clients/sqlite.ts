/**
 * The SQLite client: a Prisma client of the generated SQLite flavour on the better-sqlite3
 * driver adapter, with the connection tuned for Ratchet's access pattern (one writer at a
 * time, many short transactions).
 *
 * Every connection the adapter opens runs {@link SQLITE_PRAGMAS} first: WAL journal (readers
 * do not block the writer), `synchronous = NORMAL` (durable across application crashes; the
 * last transactions may be lost on power failure, the usual WAL trade-off) and a busy timeout
 * so a second process waits for the write lock instead of failing at once.
 *
 * DateTime values are written as integer milliseconds since the Unix epoch
 * (`timestampFormat: "unixepoch-ms"`); DATETIME columns therefore hold INTEGERs, which compare
 * and index like the timestamps they are. Raw SQL must bind `Date` objects (or integer
 * milliseconds), never ISO strings, or comparisons mix types.
 */
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../generated/sqlite/client.js";

/** How long a statement waits for another connection's write lock before failing (ms). */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/** How DateTime values are stored in SQLite: integer milliseconds since the epoch. */
export const SQLITE_TIMESTAMP_FORMAT = "unixepoch-ms";

/** The PRAGMAs run on every new SQLite connection, in order. */
export const SQLITE_PRAGMAS: readonly string[] = [
  "PRAGMA journal_mode = WAL",
  "PRAGMA synchronous = NORMAL",
  `PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`,
];

/** Options of {@link createSqliteClient}: exactly one of `file` and `url`. */
export type SqliteClientOptions = (
  | {
      /** Path of the database file, or `":memory:"`. */
      file: string;
      url?: never;
    }
  | {
      /** A `file:` URL (`file:/abs/path.db`, `file:./rel.db`) or `":memory:"`. */
      url: string;
      file?: never;
    }
) & {
  /** Milliseconds to wait for another connection's lock (default {@link SQLITE_BUSY_TIMEOUT_MS}). */
  busyTimeoutMs?: number;
};

/** The Prisma client {@link createSqliteClient} returns. */
export type SqlitePrismaClient = PrismaClient;

type AdapterFactory = Pick<
  PrismaBetterSqlite3,
  "provider" | "adapterName" | "connect" | "connectToShadowDb"
>;

/** Wraps an adapter factory so every connection it opens runs `pragmas` first. */
function withPragmas(factory: PrismaBetterSqlite3, pragmas: readonly string[]): AdapterFactory {
  const prepare = async <A extends Awaited<ReturnType<PrismaBetterSqlite3["connect"]>>>(
    adapter: A,
  ): Promise<A> => {
    for (const pragma of pragmas) await adapter.executeScript(pragma);
    return adapter;
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => prepare(await factory.connect()),
    connectToShadowDb: async () => prepare(await factory.connectToShadowDb()),
  };
}

function databasePath(options: SqliteClientOptions): string {
  if (options.file !== undefined && options.url !== undefined) {
    throw new Error("[ratchet] [prisma] createSqliteClient: pass either `file` or `url`, not both");
  }
  const path = options.file ?? options.url?.replace(/^file:/, "");
  if (!path) throw new Error("[ratchet] [prisma] createSqliteClient: `file` or `url` is required");
  return path;
}

/**
 * Creates a Prisma client (SQLite flavour) on the better-sqlite3 driver adapter: DateTime
 * stored as integer milliseconds, WAL, `synchronous = NORMAL`, and a busy timeout on every
 * connection. The database file is created if missing; call `$disconnect()` to close.
 */
export function createSqliteClient(options: SqliteClientOptions): SqlitePrismaClient {
  const busyTimeoutMs = options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS;
  const pragmas = SQLITE_PRAGMAS.map((pragma) =>
    pragma.startsWith("PRAGMA busy_timeout") ? `PRAGMA busy_timeout = ${busyTimeoutMs}` : pragma,
  );
  const factory = new PrismaBetterSqlite3(
    { url: databasePath(options), timeout: busyTimeoutMs },
    { timestampFormat: SQLITE_TIMESTAMP_FORMAT },
  );
  return new PrismaClient({ adapter: withPragmas(factory, pragmas) });
}
