/**
 * Regression: an unresponsive PostgreSQL server used to hang stack creation forever (pg's
 * default connect timeout is none). A local socket that accepts and never answers stands in.
 */
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresStack } from "../src/index.js";

describe("createPostgresStack connect timeout", () => {
  let server: Server;
  const sockets: Socket[] = [];
  let port = 0;
  beforeAll(async () => {
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it("fails within connectTimeoutMs instead of hanging", async () => {
    const started = Date.now();
    await expect(
      createPostgresStack({
        url: `postgresql://postgres@127.0.0.1:${port}/x`,
        connectTimeoutMs: 300,
      }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
