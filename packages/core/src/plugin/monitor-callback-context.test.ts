import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { CommandChannel } from "../domain/command-channel.js";
import { definePlugin, type MonitorCallbackContext } from "./plugin.js";
import { Changed, Moved, setup } from "./plugin-kit.test.util.js";

describe("MonitorCallbackContext", () => {
  it("has exactly submit, emit, domain, updateDevice and logger: no command path, by type or at runtime", async () => {
    const { host, domains, vm } = setup();
    const channel: CommandChannel = { execute: async () => ({}) };
    domains.attachChannel(vm.uuid, channel);
    let captured: MonitorCallbackContext | undefined;
    await host.start([
      definePlugin({
        name: "spy",
        core: "*",
        qmpEvents: {
          EV: {
            schema: z.object({}),
            onEvent: (ctx) => {
              captured = ctx;
            },
          },
        },
      }),
    ]);
    const entry = host.findMonitorEvent("EV");
    if (!entry) throw new Error("EV not registered");
    expect(host.invokeMonitorEvent(entry, vm.uuid, {})).toBe(true);
    const ctx = captured as MonitorCallbackContext;
    expect(Object.keys(ctx).sort()).toEqual(["domain", "emit", "logger", "submit", "updateDevice"]);
    expect(Object.isFrozen(ctx)).toBe(true);
    expect("execute" in ctx).toBe(false);
    expect("channel" in ctx).toBe(false);
    expect("channel" in ctx.domain).toBe(false);
    expect(Object.keys(ctx.domain).sort()).toEqual([
      "devices",
      "incarnation",
      "name",
      "state",
      "stopReason",
      "uuid",
    ]);
    // @ts-expect-error a monitor callback context has no channel
    expect(ctx.channel).toBeUndefined();
    // @ts-expect-error nor an execute method
    expect(ctx.execute).toBeUndefined();
    expect(() => {
      (ctx as unknown as Record<string, unknown>).execute = channel.execute;
    }).toThrow(TypeError);
  });

  it("submits process events, queues public events and updates device state", async () => {
    const { host, pool, events, loop, domains, vm } = setup();
    const delivered: unknown[] = [];
    events.registerAny({
      event: Changed,
      callback: (dom, data) => delivered.push([dom.name, data]),
    });
    await host.start([
      definePlugin({
        name: "tray",
        core: "*",
        qmpEvents: {
          MOVED: {
            schema: z.object({ id: z.string(), open: z.boolean() }),
            onEvent(ctx, domain, data) {
              ctx.submit(Moved, { alias: data.id }, { coalesceKey: data.id });
              ctx.emit(Changed, { alias: data.id });
              ctx.updateDevice(data.id, { open: data.open });
              ctx.logger.info({ incarnation: domain.incarnation }, "moved");
            },
          },
        },
      }),
    ]);
    const entry = host.findMonitorEvent("MOVED");
    if (!entry) throw new Error("MOVED not registered");
    host.invokeMonitorEvent(entry, vm.uuid, { id: "cd0", open: true });
    expect(pool.submits).toEqual([
      [vm.uuid, "test/moved", { alias: "cd0" }, { coalesceKey: "cd0" }],
    ]);
    expect(domains.findByUuid(vm.uuid)?.devices.get("cd0")).toEqual({ open: true });
    expect(delivered).toEqual([]);
    loop.runOnce();
    expect(delivered).toEqual([["vm1", { alias: "cd0" }]]);
  });
});

describe("monitor callback errors (RELIABILITY row 13)", () => {
  it("contains a throwing callback: logged with the plugin name, counted; other plugins and later events unaffected", async () => {
    const { host, logs, vm } = setup();
    const healthy: number[] = [];
    let calls = 0;
    await host.start([
      definePlugin({
        name: "broken",
        core: "*",
        qmpEvents: {
          BOOM: {
            schema: z.object({ n: z.number() }),
            onEvent(_ctx, _d, data) {
              calls++;
              if (data.n === 1) throw new Error("plugin bug");
            },
          },
        },
      }),
      definePlugin({
        name: "healthy",
        core: "*",
        qmpEvents: {
          OK: {
            schema: z.object({ n: z.number() }),
            onEvent: (_c, _d, data) => void healthy.push(data.n),
          },
        },
      }),
    ]);
    const boom = host.findMonitorEvent("BOOM");
    const ok = host.findMonitorEvent("OK");
    if (!boom || !ok) throw new Error("entries missing");
    expect(host.invokeMonitorEvent(boom, vm.uuid, { n: 1 })).toBe(false);
    expect(host.invokeMonitorEvent(ok, vm.uuid, { n: 2 })).toBe(true);
    expect(host.invokeMonitorEvent(boom, vm.uuid, { n: 3 })).toBe(true);
    expect(healthy).toEqual([2]);
    expect(calls).toBe(2);
    expect(host.stats().monitorCallbacks).toEqual({
      broken: { invoked: 2, errors: 1 },
      healthy: { invoked: 1, errors: 0 },
    });
    const errors = logs.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ plugin: "broken", event: "BOOM", domain: "vm1" });
  });

  it("drops and counts a monitor event for an unknown domain", async () => {
    const { host } = setup();
    await host.start([
      definePlugin({
        name: "p",
        core: "*",
        qmpEvents: { E: { schema: z.object({}), onEvent() {} } },
      }),
    ]);
    const e = host.findMonitorEvent("E");
    if (!e) throw new Error("E missing");
    expect(host.invokeMonitorEvent(e, "00000000-0000-4000-8000-000000000000", {})).toBe(false);
    expect(host.stats().unknownDomain).toBe(1);
  });
});

describe("monitor callback error storms", () => {
  it("counts every failure but logs only the first ones and then one in a thousand", async () => {
    const { host, logs, vm } = setup();
    await host.start([
      definePlugin({
        name: "storm",
        core: "*",
        qmpEvents: {
          E: {
            schema: z.object({}),
            onEvent() {
              throw new Error("always");
            },
          },
        },
      }),
    ]);
    const e = host.findMonitorEvent("E");
    if (!e) throw new Error("E missing");
    for (let i = 0; i < 2_500; i++) host.invokeMonitorEvent(e, vm.uuid, {});
    expect(host.stats().monitorCallbacks.storm).toEqual({ invoked: 2_500, errors: 2_500 });
    const errorLines = logs.filter((l) => l.level === 50);
    expect(errorLines.map((l) => l.errors)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1_000, 2_000]);
  });
});
