/**
 * Plain `pg` pools for tests that talk to PostgreSQL without the adapters.
 *
 * `pool.end()` resolves as soon as every client has been *asked* to close, not when their
 * sockets have closed. The test database is dropped right after (`DROP DATABASE … WITH
 * (FORCE)`), which terminates any backend that has not processed the goodbye yet; the server's
 * "terminating connection due to administrator command" then reaches a client that still has
 * the pool's idle listener, and a pool with no `error` listener throws it as an uncaught
 * exception. Ratchet's own pools (`createPostgresPool`) listen; these do too.
 */
import pg from "pg";

/** A pool over `url` of at most `max` connections whose idle-connection errors are ignored. */
export function testPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on("error", () => undefined);
  return pool;
}
