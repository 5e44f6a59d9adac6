// RELIABILITY row 21: greeting and negotiation faults, against the FakeQmpServer.
import { createConnection } from "node:net";
import { NodeEventLoop } from "@virtevent/core";
import { ManualEventLoop } from "@virtevent/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { connectQmp, isQmpError, type QmpErrorCode, QmpMonitor } from "../src/index.js";
import {
  DEFAULT_GREETING,
  FakeQmpServer,
  type FakeQmpServerOptions,
} from "../src/testing/index.js";
import { startRig } from "./harness.js";
import { nodeHarness } from "./loops.js";

describe("greeting and negotiation faults", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  const faults: Array<[string, FakeQmpServerOptions, QmpErrorCode]> = [
    ["a malformed greeting", { greeting: "malformed" }, "QMP_ERR_BAD_GREETING"],
    ["a greeting without capabilities", { greeting: "no-capabilities" }, "QMP_ERR_BAD_GREETING"],
    [
      "a reply instead of a greeting",
      { greeting: { raw: '{"return": {}}\r\n' } },
      "QMP_ERR_BAD_GREETING",
    ],
    [
      "qmp_capabilities failing",
      { capabilities: { error: { class: "GenericError", desc: "no" } } },
      "QMP_ERR_NEGOTIATION",
    ],
    ["no greeting at all", { greeting: "none" }, "QMP_ERR_CONNECT_TIMEOUT"],
    ["qmp_capabilities never answered", { capabilities: "stall" }, "QMP_ERR_CONNECT_TIMEOUT"],
  ];

  it.each(faults)(
    "%s: ready rejects with %s and the socket is closed",
    async (_what, opts, code) => {
      // Short only where the timeout is the point, so a loaded machine cannot change the outcome.
      const connectTimeoutMs = code === "QMP_ERR_CONNECT_TIMEOUT" ? 200 : 10_000;
      const rig = await startRig(nodeHarness, opts, { ready: false, connectTimeoutMs });
      cleanups.push(() => rig.dispose());
      const disconnected = rig.server.waitForDisconnect();
      const err = await rig.monitor.ready.catch((e: unknown) => e);
      expect(isQmpError(err, code)).toBe(true);
      if (code === "QMP_ERR_NEGOTIATION") {
        expect(isQmpError((err as Error).cause, "QMP_ERR_COMMAND")).toBe(true);
      }
      await expect(rig.monitor.closed).resolves.toEqual({ kind: "error", error: err });
      await disconnected;
      expect(rig.monitor.state).toBe("closed");
      expect(rig.server.commands.filter((c) => c.command !== "qmp_capabilities")).toEqual([]);
    },
  );

  it("skips an event sent before the greeting, counted, and connects", async () => {
    const greeting = `{"event": "EARLY", "timestamp": {"seconds": 1, "microseconds": 0}}\r\n${JSON.stringify(DEFAULT_GREETING)}\r\n`;
    const rig = await startRig(nodeHarness, { greeting: { raw: greeting } });
    cleanups.push(() => rig.dispose());
    expect(rig.monitor.state).toBe("ready");
    expect(rig.monitor.counters.dropped.get("before-greeting")).toBe(1);
    expect(rig.monitor.counters.eventsByName.get("EARLY")).toBeUndefined();
  });

  it("EOF before the greeting rejects ready with a closed error", async () => {
    const server = await FakeQmpServer.start({ greeting: "none" });
    const loop = new NodeEventLoop();
    cleanups.push(async () => {
      await server.stop();
      await loop.close();
    });
    const monitor = new QmpMonitor(createConnection(server.path), { loop });
    await server.waitForConnection();
    server.close();
    const err = await monitor.ready.catch((e: unknown) => e);
    expect(isQmpError(err, "QMP_ERR_MONITOR_CLOSED")).toBe(true);
    await expect(monitor.closed).resolves.toEqual({ kind: "eof" });
  });

  it("connects over TCP as well as over a unix socket", async () => {
    const server = await FakeQmpServer.start({ transport: "tcp" });
    const loop = new NodeEventLoop();
    cleanups.push(async () => {
      await server.stop();
      await loop.close();
    });
    expect(server.target).toMatchObject({ host: "127.0.0.1" });
    server.expect("query-status", { return: { running: true } });
    const monitor = await connectQmp(server.target, { loop });
    await expect(monitor.execute("query-status")).resolves.toEqual({ running: true });
    monitor.close();
    server.verify();
  });

  it("a socket nobody listens on fails with QMP_ERR_IO", async () => {
    const loop = new NodeEventLoop();
    cleanups.push(() => loop.close());
    const err = await connectQmp({ path: "/nonexistent/virtevent/qmp.sock" }, { loop }).catch(
      (e: unknown) => e,
    );
    expect(isQmpError(err, "QMP_ERR_IO")).toBe(true);
    expect((err as Error).cause).toMatchObject({ code: "ENOENT" });
  });

  it("the connect timeout runs in virtual time on ManualEventLoop", async () => {
    const server = await FakeQmpServer.start({ greeting: "none" });
    const loop = new ManualEventLoop();
    cleanups.push(async () => {
      await server.stop();
      await loop.close();
    });
    const monitor = new QmpMonitor(createConnection(server.path), {
      loop,
      connectTimeoutMs: 60_000,
    });
    await server.waitForConnection();
    loop.advance(59_999);
    expect(monitor.state).toBe("greeting");
    loop.advance(1);
    const err = await monitor.ready.catch((e: unknown) => e);
    expect(isQmpError(err, "QMP_ERR_CONNECT_TIMEOUT")).toBe(true);
  });
});
