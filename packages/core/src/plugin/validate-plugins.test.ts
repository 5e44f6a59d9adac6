import { describe, expect, it } from "vitest";
import { z } from "zod";
import { isCoreError } from "../errors/core-error.js";
import { defineDomainEvent } from "../events/domain-event-type.js";
import { defineProcessEvent, type ProcessEventHandler } from "../process/process-event.js";
import { type AnyPlugin, definePlugin } from "./plugin.js";
import { PluginValidationError } from "./plugin-errors.js";
import { CORE_VERSION, validatePlugins } from "./validate-plugins.js";

const ev = { schema: z.object({}), onEvent() {} };

class NoopWorker implements ProcessEventHandler<unknown> {
  handle(): void {}
}

/** Runs validation and returns the error it throws (the test fails if none). */
function failure(
  plugins: AnyPlugin[],
  pluginOptions?: Record<string, unknown>,
): PluginValidationError {
  try {
    validatePlugins(plugins, { pluginOptions });
  } catch (e) {
    if (e instanceof PluginValidationError) return e;
    throw e;
  }
  throw new Error("validatePlugins accepted an invalid plugin set");
}

describe("validatePlugins", () => {
  it("reads the installed core version", () => {
    expect(CORE_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("orders plugins dependencies first, otherwise as given, with parsed options", () => {
    const a = definePlugin({ name: "a", core: "*", dependsOn: ["c"] });
    const b = definePlugin({ name: "b", core: "*" });
    const c = definePlugin({
      name: "c",
      core: `^${CORE_VERSION}`,
      options: z.object({ mtu: z.number().default(1500) }),
    });
    const out = validatePlugins([a, b, c], { pluginOptions: { c: {} } });
    expect(out.map((v) => v.plugin.name)).toEqual(["c", "a", "b"]);
    expect(out[0]?.options).toEqual({ mtu: 1500 });
  });

  it("refuses two plugins with the same name", () => {
    const e = failure([
      definePlugin({ name: "tray", core: "*" }),
      definePlugin({ name: "tray", core: "*" }),
    ]);
    expect(e.code).toBe("VIRTEVENT_ERR_PLUGIN_DUPLICATE");
    expect(e.message).toMatch(/plugin "tray", field name/);
  });

  it("refuses a missing dependency, naming it", () => {
    const e = failure([definePlugin({ name: "nic", core: "*", dependsOn: ["host-net"] })]);
    expect(e.code).toBe("VIRTEVENT_ERR_PLUGIN_MISSING_DEPENDENCY");
    expect(e.message).toMatch(/plugin "nic", field dependsOn: .*"host-net"/);
  });

  it("refuses a dependency cycle, showing it", () => {
    const e = failure([
      definePlugin({ name: "x", core: "*", dependsOn: ["y"] }),
      definePlugin({ name: "y", core: "*", dependsOn: ["z"] }),
      definePlugin({ name: "z", core: "*", dependsOn: ["x"] }),
    ]);
    expect(e.code).toBe("VIRTEVENT_ERR_PLUGIN_DEPENDENCY_CYCLE");
    expect(e.message).toMatch(/plugin "x", field dependsOn: dependency cycle x → y → z → x/);
  });

  it("refuses a core range the installed core does not satisfy, and a malformed range", () => {
    const e = failure([definePlugin({ name: "future", core: "^99.0.0" })]);
    expect(e.code).toBe("VIRTEVENT_ERR_PLUGIN_CORE_RANGE");
    expect(e.message).toMatch(/plugin "future", field core: requires .*"\^99.0.0".*installed/);
    const bad = failure([definePlugin({ name: "typo", core: "not a range!" })]);
    expect(bad.code).toBe("VIRTEVENT_ERR_PLUGIN_DEFINITION");
    expect(bad.message).toMatch(/plugin "typo", field core/);
  });

  it("refuses two plugins claiming the same monitor event", () => {
    const e = failure([
      definePlugin({ name: "tray", core: "*", qmpEvents: { DEVICE_TRAY_MOVED: ev } }),
      definePlugin({ name: "tray2", core: "*", qmpEvents: { DEVICE_TRAY_MOVED: ev } }),
    ]);
    expect(isCoreError(e, "VIRTEVENT_ERR_PLUGIN_MONITOR_EVENT_TAKEN")).toBe(true);
    expect(e.message).toMatch(/plugin "tray2", field qmpEvents.DEVICE_TRAY_MOVED: .*"tray"/);
  });

  it("refuses a domain event id defined twice, or core's own lifecycle id", () => {
    const e = failure([
      definePlugin({
        name: "p1",
        core: "*",
        domainEvents: [defineDomainEvent("tray-change", z.object({}))],
      }),
      definePlugin({
        name: "p2",
        core: "*",
        domainEvents: [defineDomainEvent("tray-change", z.object({}))],
      }),
    ]);
    expect(e.code).toBe("VIRTEVENT_ERR_PLUGIN_DOMAIN_EVENT_TAKEN");
    expect(e.message).toMatch(/plugin "p2", field domainEvents\[0\]: .*"tray-change".*plugin "p1"/);
    const core = failure([
      definePlugin({
        name: "p3",
        core: "*",
        domainEvents: [defineDomainEvent("lifecycle", z.object({}))],
      }),
    ]);
    expect(core.message).toMatch(/plugin "p3", field domainEvents\[0\]: .*by core/);
  });

  it("refuses a second handler for one process event", () => {
    const Moved = defineProcessEvent<unknown>("moved");
    const e = failure([
      definePlugin({ name: "w1", core: "*", workers: [{ event: Moved, handler: NoopWorker }] }),
      definePlugin({ name: "w2", core: "*", workers: [{ event: Moved, handler: NoopWorker }] }),
    ]);
    expect(e.code).toBe("VIRTEVENT_ERR_PLUGIN_WORKER_TAKEN");
    expect(e.message).toMatch(/plugin "w2", field workers\[0\].event/);
  });

  it("refuses options failing the schema, naming the zod issue path", () => {
    const nic = definePlugin({
      name: "nic",
      core: "*",
      options: z.object({ nics: z.array(z.object({ alias: z.string(), trust: z.boolean() })) }),
    });
    const e = failure([nic], { nic: { nics: [{ alias: "net0", trust: "yes" }] } });
    expect(e.code).toBe("VIRTEVENT_ERR_PLUGIN_OPTIONS");
    expect(e.field).toBe("options.nics.0.trust");
    expect(e.message).toMatch(/plugin "nic", field options.nics.0.trust: /);
  });

  it("refuses options for a plugin that takes none or is not loaded", () => {
    const plain = definePlugin({ name: "plain", core: "*" });
    expect(failure([plain], { plain: { x: 1 } }).message).toMatch(
      /plugin "plain", field options: .*takes none/,
    );
    expect(failure([plain], { plian: {} }).message).toMatch(/plugin "plian", field pluginOptions/);
  });

  it("refuses a malformed definition: bad name, non-function callback", () => {
    expect(failure([definePlugin({ name: "Bad Name", core: "*" })]).field).toBe("name");
    const e = failure([
      {
        name: "odd",
        core: "*",
        qmpEvents: { X: { schema: z.object({}), onEvent: 3 } },
      } as unknown as AnyPlugin,
    ]);
    expect(e.code).toBe("VIRTEVENT_ERR_PLUGIN_DEFINITION");
    expect(e.message).toMatch(/plugin "odd", field qmpEvents.X.onEvent/);
  });

  it("runs no plugin code while validating", () => {
    let ran = false;
    const touch = () => {
      ran = true;
    };
    const e = failure([
      definePlugin({
        name: "ok",
        core: "*",
        setup: touch,
        qmpEvents: { E: { schema: z.object({}), onEvent: touch } },
      }),
      definePlugin({ name: "broken", core: "^99.0.0", setup: touch }),
    ]);
    expect(e.plugin).toBe("broken");
    expect(ran).toBe(false);
  });
});
