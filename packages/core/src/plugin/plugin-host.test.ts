import { describe, expect, it } from "vitest";
import { z } from "zod";
import { toDisposable } from "../common/disposable.js";
import { defineProcessEvent } from "../process/process-event.js";
import { type AnyPlugin, definePlugin } from "./plugin.js";
import { PLUGIN_OPTIONS_TOKEN } from "./plugin-host.js";
import { Changed, MovedWorker, setup } from "./plugin-kit.test.util.js";

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
