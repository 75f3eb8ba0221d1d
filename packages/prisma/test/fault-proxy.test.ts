/**
 * The fault-injection proxy of `@ratchet/prisma/testing`, over a plain TCP echo server: each
 * mode carries (or holds, delays, resets) bytes and closes as documented.
 */
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FaultProxy, startFaultProxy } from "../src/testing/index.js";

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An echo server that also records what each connection sent and whether it ended. */
interface Echo {
  server: Server;
  url: string;
  received: string[];
  ended: number;
  /** Server-side sockets, to send from the server on its own. */
  sockets: Socket[];
}

async function startEcho(): Promise<Echo> {
  const echo: Echo = {
    server: createServer(),
    url: "",
    received: [],
    ended: 0,
    sockets: [],
  };
  echo.server.on("connection", (socket) => {
    echo.sockets.push(socket);
    socket.on("data", (chunk) => {
      echo.received.push(String(chunk));
      socket.write(chunk);
    });
    socket.on("end", () => {
      echo.ended++;
      socket.end();
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => echo.server.listen(0, "127.0.0.1", resolve));
  echo.url = `tcp://127.0.0.1:${(echo.server.address() as AddressInfo).port}`;
  return echo;
}

/** A client socket through the proxy that collects what it receives and how it ended. */
interface Client {
  socket: Socket;
  text: () => string;
  closed: boolean;
  error: NodeJS.ErrnoException | undefined;
}

async function open(proxy: FaultProxy): Promise<Client> {
  const socket = connect({ host: "127.0.0.1", port: proxy.port });
  const client: Client = { socket, text: () => chunks.join(""), closed: false, error: undefined };
  const chunks: string[] = [];
  socket.on("data", (chunk) => chunks.push(String(chunk)));
  socket.on("error", (error) => {
    client.error = error;
  });
  socket.on("close", () => {
    client.closed = true;
  });
  // A connection the proxy resets may close before it reports "connect".
  await new Promise<void>((resolve) => {
    socket.once("connect", () => resolve());
    socket.once("close", () => resolve());
  });
  return client;
}

async function until(condition: () => boolean, what: string, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(5);
  }
}

let echo: Echo;
let proxy: FaultProxy;

beforeEach(async () => {
  echo = await startEcho();
  proxy = await startFaultProxy(echo.url);
});

afterEach(async () => {
  await proxy.close();
  for (const socket of echo.sockets) socket.destroy();
  await new Promise<void>((resolve) => echo.server.close(() => resolve()));
});

describe("fault proxy", () => {
  it("forwards bytes both ways, and rewrites the URL to itself", async () => {
    expect(proxy.url).toBe(`tcp://127.0.0.1:${proxy.port}`);
    const client = await open(proxy);
    client.socket.write("hello");
    await until(() => client.text() === "hello", "the echo");
    expect(proxy.stats).toMatchObject({ accepted: 1, open: 1 });
    client.socket.end();
    await until(() => client.closed, "the close");
    expect(echo.ended).toBe(1);
    await until(() => proxy.stats.open === 0, "the pair to close");
  });

  it("blackhole holds bytes and closes in both directions, keeps sockets open, and heals in order", async () => {
    const client = await open(proxy);
    client.socket.write("a");
    await until(() => client.text() === "a", "the first echo");
    proxy.set("blackhole");
    client.socket.write("b");
    client.socket.write("c");
    await pause(150);
    expect(echo.received.join("")).toBe("a");
    expect(client.text()).toBe("a");
    // The server speaks on its own: held too.
    echo.sockets[0]?.write("!");
    // The client gives up and closes: the server does not learn it during the partition.
    client.socket.end();
    await pause(150);
    expect(client.text()).toBe("a");
    expect(echo.ended).toBe(0);
    expect(client.closed).toBe(false);
    expect(proxy.stats.open).toBe(1);

    proxy.set("forward");
    await until(() => echo.ended === 1, "the held FIN");
    expect(echo.received.join("")).toBe("abc");
    await until(() => client.closed, "the close");
    expect(client.text()).toBe("a!bc");
  });

  it("delay holds each chunk for its delay, in order", async () => {
    const client = await open(proxy);
    proxy.set({ mode: "delay", ms: 120 });
    const began = Date.now();
    client.socket.write("x");
    await pause(20);
    client.socket.write("y");
    await until(() => client.text() === "xy", "the delayed echo");
    // 120 ms each way.
    expect(Date.now() - began).toBeGreaterThanOrEqual(230);
    proxy.set("forward");
    const fast = Date.now();
    client.socket.write("z");
    await until(() => client.text() === "xyz", "the echo");
    expect(Date.now() - fast).toBeLessThan(120);
  });

  it("reset resets open connections and new ones until the mode changes", async () => {
    const client = await open(proxy);
    client.socket.write("a");
    await until(() => client.text() === "a", "the echo");
    proxy.set("reset");
    await until(() => client.closed, "the reset");
    expect(client.error?.code).toBe("ECONNRESET");
    const refused = await open(proxy);
    await until(() => refused.closed, "the new connection's reset");
    expect(refused.error?.code).toBe("ECONNRESET");
    expect(proxy.stats.reset).toBe(2);

    proxy.set("forward");
    const again = await open(proxy);
    again.socket.write("b");
    await until(() => again.text() === "b", "an echo after the reset");
    again.socket.destroy();
  });

  it("half-open stops one direction only", async () => {
    const client = await open(proxy);
    proxy.set({ mode: "half-open", stopped: "to-client" });
    client.socket.write("q");
    await until(() => echo.received.join("") === "q", "the server to receive");
    await pause(100);
    expect(client.text()).toBe("");

    proxy.set({ mode: "half-open", stopped: "to-server" });
    await until(() => client.text() === "q", "the held echo");
    client.socket.write("r");
    await pause(100);
    expect(echo.received.join("")).toBe("q");
    proxy.set("forward");
    await until(() => client.text() === "qr", "the second echo");
    client.socket.destroy();
  });

  it("refuses a negative delay", () => {
    expect(() => proxy.set({ mode: "delay", ms: -1 })).toThrow(/non-negative/);
  });
});
