import { pino } from "pino";
import type { DependencyContainer } from "tsyringe";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { toDisposable } from "../common/disposable.js";
import type { Logger } from "../common/logger.js";
import { createDaemonContainer } from "../di/container.js";
import { TOKENS } from "../di/tokens.js";
import type { CommandChannel } from "../domain/command-channel.js";
import { DomainRegistryImpl } from "../domain/domain-registry-impl.js";
import { DomainEventStateImpl } from "../events/domain-event-state-impl.js";
import { defineDomainEvent } from "../events/domain-event-type.js";
import {
  defineProcessEvent,
  type ProcessEventHandler,
  type WorkerContext,
} from "../process/process-event.js";
import type { JobOutcome, WorkerPool } from "../process/worker-pool.js";
import { ManualEventLoop } from "../testing/manual-event-loop.js";
import { type AnyPlugin, definePlugin, type MonitorCallbackContext } from "./plugin.js";
import { PLUGIN_OPTIONS_TOKEN } from "./plugin-host.js";
import { PluginHostImpl } from "./plugin-host-impl.js";

const Moved = defineProcessEvent<{ alias: string }>("test/moved");
const Changed = defineDomainEvent("test-changed", z.object({ alias: z.string() }));

class MovedWorker implements ProcessEventHandler<{ alias: string }> {
  handle(): void {}
}

/** Records what the host asks of the pool; runs lane functions at once with a bare context. */
class RecordingPool {
  readonly log: string[] = [];
  readonly submits: unknown[] = [];
  registerHandler(type: { name: string }, _h: unknown, o: { plugin: string }) {
    this.log.push(`register:${o.plugin}:${type.name}`);
    return toDisposable(() => this.log.push(`unregister:${o.plugin}:${type.name}`));
  }
  submit(uuid: string, type: { name: string }, payload: unknown, options?: unknown) {
    this.submits.push([uuid, type.name, payload, options]);
  }
  async runInLane(
    uuid: string,
    owner: { plugin: string; label: string },
    fn: (ctx: WorkerContext) => Promise<void> | void,
  ): Promise<JobOutcome> {
    this.log.push(`lane:${uuid}:${owner.plugin}:${owner.label}`);
    await fn({ plugin: owner.plugin } as WorkerContext);
    return "done";
  }
}

function setup() {
  const logs: Array<Record<string, unknown>> = [];
  const logger: Logger = pino(
    { level: "info" },
    { write: (s: string) => logs.push(JSON.parse(s)) },
  );
  const loop = new ManualEventLoop();
  const container: DependencyContainer = createDaemonContainer();
  const domains = new DomainRegistryImpl(logger);
  const pool = new RecordingPool();
  const events = new DomainEventStateImpl(loop, domains, logger);
  container.register(TOKENS.Logger, { useValue: logger });
  container.register(TOKENS.DomainRegistry, { useValue: domains });
  container.register(TOKENS.WorkerPool, { useValue: pool as unknown as WorkerPool });
  container.register(TOKENS.DomainEventState, { useValue: events });
  const host = new PluginHostImpl(
    container,
    domains,
    pool as unknown as WorkerPool,
    events,
    logger,
  );
  const vm = domains.define({ name: "vm1" });
  domains.markStarted(vm.uuid);
  return { logs, loop, container, domains, pool, events, host, vm };
}

describe("PluginHost setup and disposal", () => {
  it("sets plugins up in dependency order, each with its own container and parsed options", async () => {
    const { host, container } = setup();
    const seen: unknown[] = [];
    const base = definePlugin({
      name: "base",
      core: "*",
      options: z.object({ level: z.number().default(3) }),
      setup(ctx) {
        expect(ctx.container).not.toBe(container);
        seen.push(["base", ctx.options, ctx.container.resolve(PLUGIN_OPTIONS_TOKEN)]);
      },
    });
    const top = definePlugin({
      name: "top",
      core: "*",
      dependsOn: ["base"],
      setup: (ctx) => {
        seen.push(["top", ctx.options]);
      },
    });
    await host.start([top, base], { base: {} });
    expect(seen).toEqual([
      ["base", { level: 3 }, { level: 3 }],
      ["top", undefined],
    ]);
    expect(host.pluginNames).toEqual(["base", "top"]);
  });

  it("disposes everything the plugins registered in reverse order, across plugins too", async () => {
    const { host, pool, events } = setup();
    const order = pool.log;
    const mk = (name: string, dependsOn: string[] = []): AnyPlugin =>
      definePlugin({
        name,
        core: "*",
        dependsOn,
        workers: [{ event: defineProcessEvent(`${name}/w`), handler: MovedWorker }],
        setup(ctx) {
          ctx.addDisposable(toDisposable(() => order.push(`${name}:first`)));
          ctx.onDomainConnected(async () => {});
          ctx.addDisposable(toDisposable(() => order.push(`${name}:second`)));
        },
      });
    await host.start([
      mk("a"),
      mk("b", ["a"]),
      definePlugin({ name: "c", core: "*", domainEvents: [Changed] }),
    ]);
    expect(events.getEventType("test-changed")).toBe(Changed);
    order.length = 0;
    await host.close();
    expect(order).toEqual([
      "b:second",
      "b:first",
      "unregister:b:b/w",
      "a:second",
      "a:first",
      "unregister:a:a/w",
    ]);
    expect(events.getEventType("test-changed")).toBeUndefined();
    expect(host.monitorEvents()).toEqual([]);
  });

  it("unloads the plugins already set up when a setup fails, and runs no later setup", async () => {
    const { host, pool } = setup();
    const ran: string[] = [];
    const ok = definePlugin({
      name: "ok",
      core: "*",
      setup(ctx) {
        ran.push("ok");
        ctx.addDisposable(toDisposable(() => pool.log.push("ok:disposed")));
      },
    });
    const bad = definePlugin({
      name: "bad",
      core: "*",
      setup: async () => {
        throw new Error("no host network");
      },
    });
    const never = definePlugin({ name: "never", core: "*", setup: () => void ran.push("never") });
    await expect(host.start([ok, bad, never])).rejects.toMatchObject({
      code: "VIRTEVENT_ERR_PLUGIN_SETUP",
      plugin: "bad",
      message: expect.stringMatching(/plugin "bad" failed in setup: no host network/),
    });
    expect(ran).toEqual(["ok"]);
    expect(pool.log).toContain("ok:disposed");
  });

  it("runs onDomainConnected hooks in the domain's lane, in setup order, with the reconnect flag", async () => {
    const { host, pool, vm } = setup();
    const calls: unknown[] = [];
    const p = definePlugin({
      name: "resync",
      core: "*",
      setup(ctx) {
        ctx.onDomainConnected(async (wctx, info) => void calls.push(["first", wctx.plugin, info]));
        const d = ctx.onDomainConnected(async () => void calls.push(["removed"]));
        d.dispose();
      },
    });
    await host.start([p]);
    await host.runDomainConnectedHooks(vm.uuid, { reconnect: true });
    expect(calls).toEqual([["first", "resync", { reconnect: true }]]);
    expect(pool.log).toContain(`lane:${vm.uuid}:resync:onDomainConnected`);
  });
});

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
