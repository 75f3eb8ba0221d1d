/**
 * The Prisma driver: statements through a Prisma client's `$queryRawUnsafe` /
 * `$executeRawUnsafe`, for ports built over a Prisma client the caller created
 * (`createPrismaPersistence(prisma)` …). PostgreSQL transactions are Prisma interactive
 * transactions; SQLite ones are serialised on the client's single connection.
 */

import type { DatabaseProvider } from "../../provider.js";
import type { Row, SqlDriver, SqlSession } from "../driver.js";
import type { RawClient, RawRootClient } from "../raw-client.js";
import { serialSqliteDriver } from "./sqlite-serial.js";

function sessionOver(client: RawClient): SqlSession {
  return {
    query: (sql, params) => client.$queryRawUnsafe<Row[]>(sql, ...params),
    execute: (sql, params) => client.$executeRawUnsafe(sql, ...params),
  };
}

const sqliteDrivers = new WeakMap<object, SqlDriver>();

/** A driver over a Prisma client of `provider`. */
export function prismaDriver(prisma: RawRootClient, provider: DatabaseProvider): SqlDriver {
  if (provider === "sqlite") {
    // One driver (so one mutex) per client: every adapter over it shares the connection.
    let driver = sqliteDrivers.get(prisma);
    if (!driver) {
      driver = serialSqliteDriver(sessionOver(prisma), prisma);
      sqliteDrivers.set(prisma, driver);
    }
    return driver;
  }
  const root = sessionOver(prisma);
  return {
    provider,
    identity: prisma,
    query: root.query,
    execute: root.execute,
    transaction: (fn, { maxWaitMs, timeoutMs }) =>
      prisma.$transaction((client) => fn(sessionOver(client)), {
        maxWait: maxWaitMs,
        timeout: timeoutMs,
      }),
  };
}
