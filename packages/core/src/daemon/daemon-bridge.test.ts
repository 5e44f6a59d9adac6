import { injectable } from "tsyringe";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineDomainEvent } from "../events/domain-event-type.js";
import { LifecycleEvent } from "../events/lifecycle-event.js";
import { definePlugin } from "../plugin/plugin.js";
import {
  defineProcessEvent,
  type ProcessEventHandler,
  type WorkerContext,
} from "../process/process-event.js";
import { createTestDaemon, settle, TestMonitor } from "./daemon-kit.test.util.js";

const TrayMoved = defineProcessEvent<{ alias: string; open: boolean }>("tray/moved");
const TrayChange = defineDomainEvent(
  "tray-change",
  z.object({ devAlias: z.string(), reason: z.enum(["open", "close"]) }),
);

@injectable()
class TrayWorker implements ProcessEventHandler<{ alias: string; open: boolean }> {
  async handle(p: { alias: string; open: boolean }, ctx: WorkerContext) {
    await ctx.channel().execute("query-block", {}, { signal: ctx.signal });
    if (!ctx.isCurrent()) return;
    ctx.emit(TrayChange, { devAlias: p.alias, reason: p.open ? "open" : "close" });
  }
}

const resyncs: Array<{ plugin: string; reconnect: boolean }> = [];

/** A plugin shaped like the tray plugin, driven by an in-test monitor. */
const tray = definePlugin({
  name: "tray",
  core: "*",
  qmpEvents: {
    DEVICE_TRAY_MOVED: {
      schema: z.object({ id: z.string(), "tray-open": z.boolean() }),
      onEvent(ctx, _domain, data) {
        ctx.updateDevice(data.id, { trayOpen: data["tray-open"] });
        ctx.submit(
          TrayMoved,
          { alias: data.id, open: data["tray-open"] },
          { coalesceKey: data.id },
        );
      },
    },
  },
  workers: [{ event: TrayMoved, handler: TrayWorker }],
  domainEvents: [TrayChange],
  setup(ctx) {
    ctx.onDomainConnected(async (wctx, info) => {
      resyncs.push({ plugin: wctx.plugin, reconnect: info.reconnect });
      await wctx.channel().execute("query-block", {}, { signal: wctx.signal });
    });
  },
});

const Boom = defineProcessEvent<{ mode: "sync" | "async" }>("broken/boom");

@injectable()
class BrokenWorker implements ProcessEventHandler<{ mode: "sync" | "async" }> {
  handle(p: { mode: "sync" | "async" }): Promise<void> | void {
    if (p.mode === "sync") throw new Error("sync worker bug");
    return Promise.reject(new Error("async worker bug"));
  }
}

/** A plugin whose monitor callback and worker both throw. */
const broken = definePlugin({
  name: "broken",
  core: "*",
  qmpEvents: {
    BROKEN_EVENT: {
      schema: z.object({ mode: z.enum(["callback", "sync", "async"]) }),
      onEvent(ctx, _domain, data) {
        if (data.mode === "callback") throw new Error("callback bug");
        ctx.submit(Boom, { mode: data.mode });
      },
    },
  },
  workers: [{ event: Boom, handler: BrokenWorker }],
});

async function started() {
  resyncs.length = 0;
  const kit = createTestDaemon({ plugins: [broken, tray] });
  await kit.daemon.start();
  const vm = kit.daemon.domains.define({ name: "vm1" });
  const monitor = new TestMonitor(kit.daemon, vm.uuid);
  const events: unknown[] = [];
  kit.daemon.events.registerAny({ callback: (d, data, m) => events.push([m.event, d.name, data]) });
  return { ...kit, vm, monitor, events };
}

describe("the monitor bridge", () => {
  it("lists every plugin's monitor events with their schema", async () => {
    const { daemon } = await started();
    const entries = daemon.bridge.monitorEvents().map((e) => [e.plugin, e.eventName]);
    expect(entries).toEqual([
      ["broken", "BROKEN_EVENT"],
      ["tray", "DEVICE_TRAY_MOVED"],
    ]);
    const entry = daemon.bridge.findMonitorEvent("DEVICE_TRAY_MOVED");
    expect(entry?.schema.safeParse({ id: "cd0" }).success).toBe(false);
    await daemon.close();
  });

  it("domainConnected starts the domain, attaches the channel and runs the resync hooks in its lane", async () => {
    const { daemon, loop, vm, monitor, events } = await started();
    await monitor.connect(false);
    expect(daemon.domains.findByUuid(vm.uuid)?.state).toBe("running");
    expect(resyncs).toEqual([{ plugin: "tray", reconnect: false }]);
    expect(monitor.commands.map((c) => c.command)).toEqual(["query-block"]);
    // A reconnect to a running domain: same incarnation, hooks told it is a reconnect.
    daemon.bridge.domainDisconnected(vm.uuid, { channel: monitor });
    expect(daemon.domains.findByUuid(vm.uuid)?.state).toBe("running");
    await monitor.connect(true);
    expect(daemon.domains.findByUuid(vm.uuid)?.incarnation).toBe(1);
    expect(resyncs).toEqual([
      { plugin: "tray", reconnect: false },
      { plugin: "tray", reconnect: true },
    ]);
    loop.runOnce();
    expect(events).toEqual([["lifecycle", "vm1", { event: "started", incarnation: 1 }]]);
    await daemon.close();
  });

  it("carries a monitor event through callback, coalesced worker and public event", async () => {
    const { daemon, loop, vm, monitor, events } = await started();
    await monitor.connect();
    loop.runOnce();
    events.length = 0;
    expect(monitor.event("DEVICE_TRAY_MOVED", { id: "cd0", "tray-open": true })).toBe(true);
    expect(monitor.event("DEVICE_TRAY_MOVED", { id: "cd0", "tray-open": false })).toBe(true);
    expect(monitor.event("DEVICE_TRAY_MOVED", { id: 5 })).toBe(false);
    expect(daemon.domains.findByUuid(vm.uuid)?.devices.get("cd0")).toEqual({ trayOpen: false });
    await settle();
    loop.runOnce();
    await settle();
    loop.runOnce();
    const trayEvents = events.filter((e) => (e as unknown[])[0] === "tray-change");
    expect(trayEvents.at(-1)).toEqual(["tray-change", "vm1", { devAlias: "cd0", reason: "close" }]);
    expect(monitor.dropped).toEqual(["DEVICE_TRAY_MOVED"]);
    await daemon.close();
  });

  it("domainDisconnected with a reason stops the domain once and queues LIFECYCLE stopped", async () => {
    const { daemon, loop, vm, monitor, events } = await started();
    await monitor.connect();
    daemon.bridge.domainDisconnected(vm.uuid, { reason: "shutdown" });
    daemon.bridge.domainDisconnected(vm.uuid, { reason: "crashed" });
    daemon.bridge.domainDisconnected("00000000-0000-4000-8000-000000000000", { reason: "crashed" });
    loop.runOnce();
    expect(events).toEqual([
      ["lifecycle", "vm1", { event: "started", incarnation: 1 }],
      ["lifecycle", "vm1", { event: "stopped", reason: "shutdown", incarnation: 1 }],
    ]);
    expect(daemon.domains.findByUuid(vm.uuid)?.stopReason).toBe("shutdown");
    await daemon.close();
  });

  it("rejects domainConnected for an unknown domain and drops monitor events once closed", async () => {
    const { daemon, monitor } = await started();
    await expect(
      daemon.bridge.domainConnected("00000000-0000-4000-8000-000000000000", monitor, {
        reconnect: false,
      }),
    ).rejects.toMatchObject({ code: "VIRTEVENT_ERR_DOMAIN_NOT_FOUND" });
    await monitor.connect();
    await daemon.close();
    expect(monitor.event("DEVICE_TRAY_MOVED", { id: "cd0", "tray-open": true })).toBe(false);
  });
});

describe("plugin errors through the daemon (RELIABILITY row 13)", () => {
  it("a throwing monitor callback and throwing workers (sync and async) are caught, logged with the plugin, counted; the healthy plugin is unaffected", async () => {
    const { daemon, loop, vm, monitor, events, logs } = await started();
    await monitor.connect();
    loop.runOnce();
    events.length = 0;
    expect(monitor.event("BROKEN_EVENT", { mode: "callback" })).toBe(false);
    expect(monitor.event("BROKEN_EVENT", { mode: "sync" })).toBe(true);
    expect(monitor.event("BROKEN_EVENT", { mode: "async" })).toBe(true);
    expect(monitor.event("DEVICE_TRAY_MOVED", { id: "cd0", "tray-open": true })).toBe(true);
    await settle();
    loop.runOnce();
    await settle();
    loop.runOnce();
    expect(events).toEqual([["tray-change", "vm1", { devAlias: "cd0", reason: "open" }]]);
    expect(daemon.plugins.stats().monitorCallbacks.broken).toEqual({ invoked: 3, errors: 1 });
    expect(daemon.plugins.stats().monitorCallbacks.tray).toEqual({ invoked: 1, errors: 0 });
    const workerStats = daemon.workers.stats().plugins;
    expect(workerStats.broken?.errors).toBe(2);
    expect(workerStats.tray?.errors ?? 0).toBe(0);
    const errorLines = logs.filter((l) => (l.level as number) >= 50);
    expect(errorLines.length).toBeGreaterThanOrEqual(3);
    expect(errorLines.every((l) => l.plugin === "broken")).toBe(true);
    // Later events of the broken plugin still reach it.
    expect(monitor.event("BROKEN_EVENT", { mode: "callback" })).toBe(false);
    expect(daemon.plugins.stats().monitorCallbacks.broken).toEqual({ invoked: 4, errors: 2 });
    expect(vm.state).toBe("running");
    await daemon.close();
  });
});

describe("the daemon's event listeners", () => {
  it("delivers to a subscriber registered by domain name before the domain exists", async () => {
    const kit = createTestDaemon({ plugins: [tray] });
    await kit.daemon.start();
    const got: unknown[] = [];
    kit.daemon.events.registerAny({
      event: LifecycleEvent,
      domain: "future",
      callback: (d, ev) => got.push([d.name, ev.event]),
    });
    const other = kit.daemon.domains.define({ name: "other" });
    kit.daemon.domains.markStarted(other.uuid);
    const future = kit.daemon.domains.define({ name: "future" });
    kit.daemon.domains.markStarted(future.uuid);
    kit.loop.runOnce();
    expect(got).toEqual([["future", "started"]]);
    await kit.daemon.close();
  });
});
