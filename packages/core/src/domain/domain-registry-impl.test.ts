import { describe, expect, it } from "vitest";
import { createSilentLogger } from "../common/logger.js";
import { isCoreError } from "../errors/core-error.js";
import type { CommandChannel } from "./command-channel.js";
import type { Domain, LifecycleChange } from "./domain.js";
import { DomainStaleError } from "./domain-errors.js";
import { DomainRegistryImpl } from "./domain-registry-impl.js";

const channel = (label: string): CommandChannel => ({
  execute: async (command) => ({ label, command }),
});

function setup() {
  const registry = new DomainRegistryImpl(createSilentLogger());
  const changes: Array<[string, LifecycleChange]> = [];
  registry.onDidChangeLifecycle((d, c) => changes.push([d.name, c]));
  return { registry, changes };
}

describe("DomainRegistryImpl", () => {
  it("defines domains with generated or given uuids and finds them by uuid or name", () => {
    const { registry } = setup();
    const a = registry.define({ name: "vm1" });
    const b = registry.define({ name: "vm2", uuid: "AAAAAAAA-1111-4222-8333-444444444444" });
    expect(a.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.uuid).toBe("aaaaaaaa-1111-4222-8333-444444444444");
    expect(registry.get("vm2")).toBe(b);
    expect(registry.get(b.uuid.toUpperCase())).toBe(b);
    expect(registry.findByName(a.uuid)).toBeUndefined();
    expect(registry.list().map((d) => d.name)).toEqual(["vm1", "vm2"]);
    expect(a).toMatchObject({ state: "defined", incarnation: 0 });
  });

  it("refuses duplicates and malformed input with typed errors", () => {
    const { registry } = setup();
    const a = registry.define({ name: "vm1" });
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return isCoreError(e) ? e.code : "not a CoreError";
      }
      return "no error";
    };
    expect(codeOf(() => registry.define({ name: "vm1" }))).toBe("VIRTEVENT_ERR_DOMAIN_EXISTS");
    expect(codeOf(() => registry.define({ name: "x", uuid: a.uuid }))).toBe(
      "VIRTEVENT_ERR_DOMAIN_EXISTS",
    );
    expect(codeOf(() => registry.define({ name: "" }))).toBe("VIRTEVENT_ERR_DOMAIN_ARGUMENT");
    expect(codeOf(() => registry.define({ name: "y", uuid: "nope" }))).toBe(
      "VIRTEVENT_ERR_DOMAIN_ARGUMENT",
    );
    expect(codeOf(() => registry.define({ name: a.uuid }))).toBe("VIRTEVENT_ERR_DOMAIN_ARGUMENT");
    expect(codeOf(() => registry.markResumed(a.uuid))).toBe("VIRTEVENT_ERR_DOMAIN_STATE");
    expect(codeOf(() => registry.ref("ghost"))).toBe("VIRTEVENT_ERR_DOMAIN_NOT_FOUND");
  });

  it("walks the lifecycle, bumping the incarnation at each start and reporting each change", () => {
    const { registry, changes } = setup();
    const vm = registry.define({ name: "vm1" });
    registry.markStarted(vm.uuid);
    registry.markSuspended(vm.uuid);
    registry.markResumed(vm.uuid);
    expect(registry.markStopped(vm.uuid, "shutdown")).toBe(true);
    // The monitor's EOF after a SHUTDOWN must not stop it twice.
    expect(registry.markStopped(vm.uuid, "crashed")).toBe(false);
    expect(vm).toMatchObject({ state: "stopped", stopReason: "shutdown", incarnation: 1 });
    registry.markStarted(vm.uuid);
    expect(vm).toMatchObject({ state: "running", incarnation: 2, stopReason: undefined });
    expect(() => registry.markStarted(vm.uuid)).toThrow(/cannot be started while running/);
    expect(
      changes.map(([, c]) => `${c.event}:${c.state}:${c.incarnation}:${c.reason ?? ""}`),
    ).toEqual([
      "started:running:1:",
      "suspended:paused:1:",
      "resumed:running:1:",
      "stopped:stopped:1:shutdown",
      "started:running:2:",
    ]);
  });

  it("a DomainRef goes stale for good when its incarnation stops, even if the domain restarts", () => {
    const { registry } = setup();
    const vm = registry.define({ name: "vm1" });
    registry.markStarted(vm.uuid);
    const ref1 = registry.ref("vm1");
    registry.attachChannel(vm.uuid, channel("first"));
    expect(ref1.isCurrent()).toBe(true);
    expect(ref1.channel()).toBeDefined();
    registry.markStopped(vm.uuid, "crashed");
    expect(ref1.signal.aborted).toBe(true);
    expect(ref1.signal.reason).toBeInstanceOf(DomainStaleError);
    registry.markStarted(vm.uuid);
    registry.attachChannel(vm.uuid, channel("second"));
    const ref2 = registry.ref(vm.uuid);
    expect(ref1.isCurrent()).toBe(false);
    expect(() => ref1.throwIfStale()).toThrow(DomainStaleError);
    expect(() => ref1.channel()).toThrow(/has no command channel/);
    expect(ref2).toMatchObject({ incarnation: 2, name: "vm1" });
    expect(ref2.isCurrent()).toBe(true);
    expect(ref2.signal.aborted).toBe(false);
    expect(() => ref2.throwIfStale()).not.toThrow();
  });

  it("removal aborts the live lease; a new domain with the same name is a different one", () => {
    const { registry } = setup();
    const removed: Domain[] = [];
    registry.onDidRemoveDomain((d) => removed.push(d));
    const vm = registry.define({ name: "vm1" });
    registry.markStarted(vm.uuid);
    const ref = registry.ref(vm.uuid);
    expect(registry.remove(vm.uuid)).toBe(true);
    expect(registry.remove(vm.uuid)).toBe(false);
    expect(removed).toEqual([vm]);
    expect(ref.signal.aborted).toBe(true);
    expect((ref.signal.reason as DomainStaleError).why).toBe("removed");
    const again = registry.define({ name: "vm1", uuid: vm.uuid });
    registry.markStarted(again.uuid);
    expect(registry.ref("vm1").incarnation).toBe(1);
    expect(ref.isCurrent()).toBe(false);
  });

  it("channels: missing, attached, detached only by their owner, dropped at stop", () => {
    const { registry } = setup();
    const vm = registry.define({ name: "vm1" });
    registry.markStarted(vm.uuid);
    const ref = registry.ref(vm.uuid);
    expect(() => ref.channel()).toThrow(/no monitor is connected/);
    const first = channel("a");
    const second = channel("b");
    registry.attachChannel(vm.uuid, first);
    registry.attachChannel(vm.uuid, second);
    registry.detachChannel(vm.uuid, first); // a stale monitor's EOF leaves the new one alone
    expect(ref.channel()).toBe(second);
    registry.markStopped(vm.uuid, "destroyed");
    expect(() => registry.ref(vm.uuid).channel()).toThrow(/has no command channel/);
  });

  it("patches device state and isolates listener failures", () => {
    const { registry } = setup();
    registry.onDidDefineDomain(() => {
      throw new Error("listener bug");
    });
    const seen: string[] = [];
    registry.onDidDefineDomain((d) => seen.push(d.name));
    const vm = registry.define({ name: "vm1", devices: { cd0: { tray: "closed" } } });
    expect(seen).toEqual(["vm1"]);
    registry.updateDevice(vm.uuid, "cd0", { tray: "open", locked: true });
    registry.updateDevice(vm.uuid, "cd0", { locked: undefined });
    registry.updateDevice(vm.uuid, "net0", { mac: "52:54:00:00:00:01" });
    expect(Object.fromEntries(vm.devices)).toEqual({
      cd0: { tray: "open" },
      net0: { mac: "52:54:00:00:00:01" },
    });
    expect(Object.isFrozen(vm.devices.get("cd0"))).toBe(true);
    expect(registry.removeDevice(vm.uuid, "net0")).toBe(true);
    expect(vm.devices.has("net0")).toBe(false);
  });

  it("shares one frozen ref per incarnation (and lease), by uuid in any case or by name", () => {
    const { registry } = setup();
    const vm = registry.define({ name: "vm1" });
    registry.markStarted(vm.uuid);
    const ref = registry.ref(vm.uuid);
    expect(registry.ref("vm1")).toBe(ref);
    expect(registry.ref(vm.uuid.toUpperCase())).toBe(ref);
    expect(Object.isFrozen(ref)).toBe(true);
    registry.markStopped(vm.uuid, "shutdown");
    const stopped = registry.ref(vm.uuid); // same incarnation and (aborted) lease
    expect(stopped).toBe(ref);
    expect(stopped.isCurrent()).toBe(false);
    registry.markStarted(vm.uuid);
    const next = registry.ref(vm.uuid);
    expect(next).not.toBe(ref);
    expect(next).toMatchObject({ incarnation: 2 });
    expect(next.isCurrent()).toBe(true);
    expect(ref.isCurrent()).toBe(false);
  });

  it("keeps a device's record when a patch changes nothing, and copies it when one does", () => {
    const { registry } = setup();
    const vm = registry.define({ name: "vm1", devices: { cd0: { trayOpen: false } } });
    const before = vm.devices.get("cd0");
    expect(registry.updateDevice(vm.uuid, "cd0", { trayOpen: false })).toBe(before);
    expect(registry.updateDevice(vm.uuid, "cd0", { locked: undefined })).toBe(before);
    expect(registry.updateDevice(vm.uuid, "cd0", {})).toBe(before);
    const after = registry.updateDevice(vm.uuid, "cd0", { trayOpen: true });
    expect(after).not.toBe(before);
    expect(after).toEqual({ trayOpen: true });
    expect(before).toEqual({ trayOpen: false });
    const added = registry.updateDevice(vm.uuid, "net0", {});
    expect(added).toEqual({});
    expect(vm.devices.get("net0")).toBe(added);
    expect(Object.isFrozen(added)).toBe(true);
  });

  it("a ref leased before the first start is stale once the domain starts", () => {
    const { registry } = setup();
    const vm = registry.define({ name: "vm1" });
    const ref0 = registry.ref(vm.uuid);
    expect(ref0.isCurrent()).toBe(true);
    registry.markStarted(vm.uuid);
    expect(ref0.isCurrent()).toBe(false);
    expect((ref0.signal.reason as DomainStaleError).why).toBe("started");
  });

  it("a ref leased while the domain is stopped is stale from the start", () => {
    const { registry } = setup();
    const vm = registry.define({ name: "vm1" });
    registry.markStarted(vm.uuid);
    registry.markStopped(vm.uuid, "destroyed");
    const ref = registry.ref(vm.uuid);
    expect(ref.isCurrent()).toBe(false);
    expect(ref.signal.aborted).toBe(true);
    expect((ref.signal.reason as DomainStaleError).why).toBe("stopped");
  });
});
