/**
 * A PostgreSQL server of the test's own: `initdb` into a temporary directory and `pg_ctl` on a
 * free port, so a test can restart it without touching the shared server other tests use.
 * Uses the binaries of the installed PostgreSQL (`pg_config --bindir`); as root, they run as
 * the `postgres` user.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running private server. */
export interface PrivatePostgres {
  url: string;
  restart(): void;
  stop(): void;
}

function binDir(): string {
  try {
    return execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(
      "[ratchet] the database-restart test needs PostgreSQL's server binaries (pg_config --bindir); none found",
    );
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Creates and starts a private server; `stop()` removes it. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), "ratchet-pg-"));
  chmodSync(dir, 0o777);
  const data = join(dir, "data");
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const run = (tool: string, args: string[]) =>
    asRoot
      ? execFileSync("runuser", ["-u", "postgres", "--", join(bin, tool), ...args], {
          stdio: "pipe",
        })
      : execFileSync(join(bin, tool), args, { stdio: "pipe" });
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const ctl = (action: string) =>
    run("pg_ctl", [
      "-D",
      data,
      "-o",
      options,
      "-l",
      join(dir, "server.log"),
      "-m",
      "fast",
      "-w",
      action,
    ]);
  ctl("start");
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    restart: () => ctl("restart"),
    stop: () => {
      try {
        ctl("stop");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
