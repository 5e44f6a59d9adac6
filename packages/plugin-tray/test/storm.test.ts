// RELIABILITY.md row 11: a guest toggling the tray 10k times → coalesced per drive, bounded
// worker runs and queue, final state right, and a second domain unaffected.
import { LANE_QUEUE_LIMIT } from "@virtevent/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  attachFakeDomain,
  closeTrayFixtures,
  laneIdle,
  persisted,
  startTrayDaemon,
  trayMovedLine,
  waitFor,
} from "./harness.js";

const STORM_EVENTS = 10_000;
/** Worker runs allowed for the storm: coalescing must make it a small fraction of the events. */
const MAX_STORM_RUNS = STORM_EVENTS / 10;

describe("tray storm (row 11)", () => {
  afterEach(closeTrayFixtures);

  it("coalesces 10k moves per drive, ends in the last position, leaves vm2 alone", async () => {
    const started = await startTrayDaemon();
    const d = started.daemon;
    const vm1 = await attachFakeDomain(d, "vm1", [{ alias: "cd0", open: false }]);
    const vm2 = await attachFakeDomain(d, "vm2", [{ alias: "cd0", open: false }]);
    const before = d.workers.stats();

    // 10k toggles (open, close, ...) then a last "open": the storm ends with the tray open.
    let storm = "";
    for (let i = 0; i < STORM_EVENTS; i++) storm += trayMovedLine("cd0", i % 2 === 0);
    storm += trayMovedLine("cd0", true);
    vm1.server.writeRaw(storm);
    vm2.server.emitEvent("DEVICE_TRAY_MOVED", { device: "", id: "cd0", "tray-open": true });

    await waitFor("vm1's storm to be read", () => {
      return (vm1.link.monitor?.counters.eventsByName.get("DEVICE_TRAY_MOVED") ?? 0) > STORM_EVENTS;
    });
    await waitFor("both lanes to settle", () => laneIdle(d, vm1.uuid) && laneIdle(d, vm2.uuid));

    const after = d.workers.stats();
    const runs = after.plugins.tray.completed - before.plugins.tray.completed;
    const submitted = after.submitted - before.submitted;
    expect(submitted).toBe(STORM_EVENTS + 2);
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(runs).toBeLessThanOrEqual(MAX_STORM_RUNS);
    expect(after.coalesced - before.coalesced).toBe(submitted - runs);
    expect(after.overflowDrops).toBe(0);
    expect(after.plugins.tray.errors).toBe(0);

    // Final state: open everywhere, and the last TRAY_CHANGE vm1 saw says so.
    expect(persisted(d.stateStore, vm1.uuid, "cd0")).toEqual({ open: true });
    expect(d.domains.get("vm1")?.devices.get("cd0")).toEqual({ trayOpen: true });
    const vm1Events = started.seen.filter((e) => e.domain === "vm1");
    expect(vm1Events.length).toBeGreaterThan(0);
    expect(vm1Events.length).toBeLessThanOrEqual(runs);
    expect(vm1Events.at(-1)).toEqual({ domain: "vm1", devAlias: "cd0", reason: "open" });
    // Events alternate: only real changes are announced.
    for (let i = 1; i < vm1Events.length; i++) {
      expect(vm1Events[i].reason).not.toBe(vm1Events[i - 1].reason);
    }

    // vm2: its one move, announced once, whatever vm1 was doing.
    expect(started.seen.filter((e) => e.domain === "vm2")).toEqual([
      { domain: "vm2", devAlias: "cd0", reason: "open" },
    ]);
    expect(persisted(d.stateStore, vm2.uuid, "cd0")).toEqual({ open: true });
    // Without coalescing this storm would overflow the lane (and lose the final position).
    expect(LANE_QUEUE_LIMIT).toBeLessThan(STORM_EVENTS);
    vm1.server.verify();
    vm2.server.verify();
  });
});
