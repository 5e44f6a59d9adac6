import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createConnection, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSilentLogger } from "@virtevent/core";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { isDaemonError } from "../daemon-error.js";
import { ApiClient, type ApiClientError, type ApiNotification } from "./api-client.js";
import type { ApiConnection } from "./api-connection.js";
import { type ApiMethod, ApiServer, apiMethod } from "./api-server.js";
import { RpcMethodError } from "./json-rpc.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function socketPath(): string {
  const base = mkdtempSync(join(tmpdir(), "virtevent-api-"));
  return join(base, "run", "api.sock");
}

async function startServer(
  methods: Record<string, ApiMethod>,
  opts: { path?: string; mode?: 0o600 | 0o660; group?: string; maxClientBufferBytes?: number } = {},
): Promise<{ server: ApiServer; path: string }> {
  const path = opts.path ?? socketPath();
  const server = new ApiServer({
    path,
    access: { mode: opts.mode ?? 0o600, group: opts.group },
    methods: new Map(Object.entries(methods)),
    logger: createSilentLogger(),
    maxClientBufferBytes: opts.maxClientBufferBytes,
  });
  await server.listen();
  cleanups.push(() => server.close());
  return { server, path };
}

async function connect(path: string): Promise<ApiClient> {
  const client = await ApiClient.connect(path);
  cleanups.push(() => client.close());
  return client;
}

/** Sends raw lines and collects raw response lines. */
async function raw(path: string, text: string, expectLines: number): Promise<unknown[]> {
  const socket = createConnection(path);
  cleanups.push(() => void socket.destroy());
  let buf = "";
  socket.setEncoding("utf8");
  return new Promise((resolve, reject) => {
    socket.on("data", (c: string) => {
      buf += c;
      const lines = buf.split("\n").filter(Boolean);
      if (lines.length >= expectLines) resolve(lines.map((l) => JSON.parse(l)));
    });
    socket.on("error", reject);
    socket.write(text);
  });
}

function writable(conn: ApiConnection): number {
  return (conn as unknown as { socket: { writableLength: number } }).socket.writableLength;
}

const echo = apiMethod(z.object({ text: z.string() }).strict(), (p) => ({ echoed: p.text }));

describe("ApiServer JSON-RPC", () => {
  it("answers a call with its result", async () => {
    const { path } = await startServer({ echo });
    const client = await connect(path);
    expect(await client.call("echo", { text: "hi" })).toEqual({ echoed: "hi" });
  });

  it("answers malformed input with JSON-RPC errors and keeps serving", async () => {
    const { path } = await startServer({ echo });
    const replies = (await raw(
      path,
      [
        "{not json",
        JSON.stringify({ jsonrpc: "1.0", id: 1, method: "echo" }),
        JSON.stringify({ jsonrpc: "2.0", id: 2, method: "nope" }),
        JSON.stringify({ jsonrpc: "2.0", id: 3, method: "echo", params: { text: 5 } }),
        JSON.stringify({ jsonrpc: "2.0", method: "echo", params: { text: "notification" } }),
        JSON.stringify({ jsonrpc: "2.0", id: 4, method: "echo", params: { text: "still here" } }),
        "",
      ].join("\n"),
      5,
    )) as Array<{
      id: unknown;
      error?: { code: number; message: string; data?: string[] };
      result?: unknown;
    }>;
    const byId = new Map(replies.map((r) => [r.id, r]));
    expect(byId.get(null)?.error?.code).toBe(-32700);
    expect(byId.get(1)?.error?.code).toBe(-32600);
    expect(byId.get(2)?.error).toMatchObject({
      code: -32601,
      message: expect.stringContaining("expected one of: echo"),
    });
    expect(byId.get(3)?.error?.code).toBe(-32602);
    expect(byId.get(3)?.error?.data?.[0]).toMatch(/^params\.text:/);
    expect(byId.get(4)?.result).toEqual({ echoed: "still here" });
    expect(replies).toHaveLength(5);
  });

  it("answers a batch with an array of responses", async () => {
    const { path } = await startServer({ echo });
    const [batch] = (await raw(
      path,
      `${JSON.stringify([
        { jsonrpc: "2.0", id: "a", method: "echo", params: { text: "1" } },
        { jsonrpc: "2.0", id: "b", method: "echo", params: {} },
      ])}\n`,
      1,
    )) as Array<Array<{ id: string }>>;
    expect(batch.map((r) => r.id).sort()).toEqual(["a", "b"]);
  });

  it("turns handler failures into errors carrying the virtevent code", async () => {
    const { path } = await startServer({
      fails: apiMethod(z.object({}), () => {
        throw Object.assign(new Error("no such domain vm9"), { code: "DAEMON_ERR_NO_DOMAIN" });
      }),
      refuses: apiMethod(z.object({}), () => {
        throw new RpcMethodError(-32001, "refused", { why: "test" });
      }),
    });
    const client = await connect(path);
    const e1 = (await client.call("fails").catch((e) => e)) as ApiClientError;
    expect(e1.code).toBe("DAEMON_ERR_NO_DOMAIN");
    expect(e1.message).toBe("no such domain vm9");
    const e2 = (await client.call("refuses").catch((e) => e)) as ApiClientError;
    expect(e2.rpcCode).toBe(-32001);
  });

  it("closes a connection whose request line exceeds the cap, after an error", async () => {
    const { path } = await startServer({ echo });
    const [reply] = (await raw(path, "x".repeat(1024 * 1024 + 10), 1)) as Array<{
      error: { code: number };
    }>;
    expect(reply.error.code).toBe(-32600);
  });
});

describe("ApiServer slow subscribers (row 12)", () => {
  it("sends a gap notice then disconnects a client that never reads; others get every event", async () => {
    const subscribers: ApiConnection[] = [];
    const { path } = await startServer(
      { subscribe: apiMethod(z.object({}), (_p, conn) => void subscribers.push(conn)) },
      { maxClientBufferBytes: 1024 * 1024 },
    );
    const healthy = await connect(path);
    let received = 0;
    let gapsForHealthy = 0;
    healthy.onNotification((n: ApiNotification) => {
      if (n.method === "event") received++;
      else gapsForHealthy++;
    });
    await healthy.call("subscribe");

    // The stuck client subscribes, then never reads again.
    const stuck = createConnection(path);
    cleanups.push(() => void stuck.destroy());
    let stuckText = "";
    stuck.setEncoding("utf8");
    const stuckClosed = new Promise<void>((resolve) => stuck.on("close", () => resolve()));
    await new Promise<void>((resolve) => {
      stuck.once("data", (c: string) => {
        stuckText += c;
        stuck.pause();
        resolve();
      });
      stuck.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "subscribe" })}\n`);
    });
    expect(subscribers).toHaveLength(2);
    const [healthyConn, stuckConn] = subscribers;

    const total = 100_000;
    let maxStuckBuffered = 0;
    let resumed = false;
    for (let i = 0; i < total; i++) {
      const payload = {
        seq: i,
        domain: "vm1",
        event: "tray-change",
        data: { devAlias: "cd0", reason: "open" },
      };
      healthyConn.notify("event", payload);
      stuckConn.notify("event", payload);
      maxStuckBuffered = Math.max(maxStuckBuffered, writable(stuckConn));
      if (!stuckConn.open && !resumed) {
        // Cut off: from now on the client reads again, within the grace period, and finds
        // what was buffered for it followed by the gap notice.
        resumed = true;
        stuck.on("data", (c: string) => {
          stuckText += c;
        });
        stuck.resume();
      }
      // Pace the flow to what a reading client keeps up with; the stuck one falls behind anyway.
      while (writable(healthyConn) > 256 * 1024) await new Promise((r) => setImmediate(r));
    }
    await expect.poll(() => received, { timeout: 15_000 }).toBe(total);
    expect(gapsForHealthy).toBe(0);
    expect(healthyConn.dropped).toBe(0);

    expect(resumed).toBe(true);
    expect(stuckConn.dropped).toBeGreaterThan(0);
    // Memory stays bounded by the cap plus the one gap notice.
    expect(maxStuckBuffered).toBeLessThan(1024 * 1024 + 4096);
    await stuckClosed;
    const complete = stuckText.split("\n").slice(0, -1);
    const last = JSON.parse(complete.at(-1) ?? "{}");
    expect(last).toMatchObject({ method: "gap", params: { dropped: expect.any(Number) } });
  });
});

describe("ApiServer socket permissions (row 17)", () => {
  it("creates a 0700 directory and a 0600 socket even with umask 000", async () => {
    const old = process.umask(0);
    try {
      const { path } = await startServer({ echo });
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
    } finally {
      process.umask(old);
    }
  });

  it("uses 0660 in a 0750 directory with a group", async () => {
    const gid = String(process.getgid?.() ?? 0);
    const old = process.umask(0);
    try {
      const { path } = await startServer({ echo }, { mode: 0o660, group: gid });
      expect(statSync(path).mode & 0o777).toBe(0o660);
      expect(statSync(path).gid).toBe(Number(gid));
      expect(statSync(join(path, "..")).mode & 0o777).toBe(0o750);
    } finally {
      process.umask(old);
    }
  });

  it("refuses to serve next to a live daemon and replaces a stale socket", async () => {
    const { path, server } = await startServer({ echo });
    const second = new ApiServer({
      path,
      access: { mode: 0o600 },
      methods: new Map(),
      logger: createSilentLogger(),
    });
    const refused = await second.listen().catch((e) => e);
    expect(isDaemonError(refused, "DAEMON_ERR_API_SOCKET")).toBe(true);
    expect(String(refused)).toContain("another daemon is serving");
    const client = await connect(path);
    expect(await client.call("echo", { text: "first still serves" })).toEqual({
      echoed: "first still serves",
    });

    // A daemon that died leaves its socket behind: bind one and close the listener without unlinking.
    await server.close();
    const zombie: Server = createServer();
    await new Promise<void>((r) => zombie.listen(path, r));
    const fd = (zombie as unknown as { _handle: { close(): void } })._handle;
    fd.close();
    await startServer({ echo }, { path });
    const again = await connect(path);
    expect(await again.call("echo", { text: "replaced" })).toEqual({ echoed: "replaced" });
  });

  it("refuses a path that is not a socket, and a loose existing directory", async () => {
    const path = socketPath();
    await mkdir(join(path, ".."), { recursive: true, mode: 0o700 });
    writeFileSync(path, "not a socket");
    const s1 = new ApiServer({
      path,
      access: { mode: 0o600 },
      methods: new Map(),
      logger: createSilentLogger(),
    });
    await expect(s1.listen()).rejects.toThrow(/is not a socket/);

    const loose = join(mkdtempSync(join(tmpdir(), "virtevent-api-")), "shared");
    await mkdir(loose, { mode: 0o755 });
    const s2 = new ApiServer({
      path: join(loose, "api.sock"),
      access: { mode: 0o600 },
      methods: new Map(),
      logger: createSilentLogger(),
    });
    await expect(s2.listen()).rejects.toThrow(/has mode 0755/);
  });

  it("tells a client when no daemon is running", async () => {
    const err = await ApiClient.connect(socketPath()).catch((e) => e);
    expect(err.code).toBe("DAEMON_ERR_NOT_RUNNING");
    expect(err.message).toMatch(/virteventd is not running/);
  });
});
