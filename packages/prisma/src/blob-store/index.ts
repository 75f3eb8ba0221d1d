/**
 * `createPrismaBlobStore`: the `BlobStore` port as a table in the run database, so the
 * embedded SQLite default needs nothing else. For large volumes, point the kernel at an
 * object store instead (any `BlobStore` will do).
 */
import type { BlobStore } from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "../sql/executor.js";
import { executorOf, type PrismaAdapterOptions } from "../sql/prisma-executor.js";
import type { RawRootClient } from "../sql/raw-client.js";
import { toBytes } from "../sql/rows.js";

/** The `BlobStore` port over a shared executor (used by the stack helpers). */
export function blobStoreOver(db: SqlExecutor): BlobStore {
  const d = db.dialect;
  return {
    async put(key, data) {
      await db.execute(
        `INSERT INTO ratchet_blobs ("key", data, size, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT ("key") DO UPDATE SET data = excluded.data, size = excluded.size, updated_at = excluded.updated_at`,
        key,
        d.bytes(data),
        data.byteLength,
        d.date(new Date()),
      );
    },
    async get(key) {
      const [row] = await db.query<{ data: unknown }>(
        'SELECT data FROM ratchet_blobs WHERE "key" = $1',
        key,
      );
      return row ? toBytes(row.data) : null;
    },
    async has(key) {
      const rows = await db.query('SELECT 1 AS found FROM ratchet_blobs WHERE "key" = $1', key);
      return rows.length > 0;
    },
    async delete(key) {
      await db.execute('DELETE FROM ratchet_blobs WHERE "key" = $1', key);
    },
    async list(prefix) {
      // A prefix compare, not LIKE: D1 refuses LIKE patterns longer than 50 bytes.
      const rows = await db.query<{ key: string }>(
        `SELECT "key" FROM ratchet_blobs WHERE substr("key", 1, length($1)) = $1 ORDER BY "key"`,
        prefix,
      );
      return rows
        .map((row) => row.key)
        .filter((key) => key.startsWith(prefix))
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    },
  };
}

/** Creates the database blob store over a Prisma client (PostgreSQL or SQLite). */
export function createPrismaBlobStore(
  prisma: RawRootClient,
  options: PrismaAdapterOptions = {},
): BlobStore {
  return blobStoreOver(executorOf(prisma, options));
}
