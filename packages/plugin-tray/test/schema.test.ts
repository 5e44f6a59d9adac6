import { afterEach, describe, expect, it } from "vitest";
import { attachFakeDomain, closeTrayFixtures, startTrayDaemon, waitFor } from "./harness.js";

const BAD_DATA: Array<[string, unknown]> = [
  ["id missing", { device: "", "tray-open": true }],
  ["id empty", { device: "", id: "", "tray-open": true }],
  ["id not a string", { device: "", id: 7, "tray-open": true }],
  ["tray-open missing", { device: "", id: "cd0" }],
  ["tray-open a string", { device: "", id: "cd0", "tray-open": "true" }],
  ["device missing", { id: "cd0", "tray-open": true }],
  ["data absent", undefined],
  ["data an array", [1, 2]],
  ["data a string", "cd0"],
];

describe("DEVICE_TRAY_MOVED schema (row 5)", () => {
  afterEach(closeTrayFixtures);

  it("drops each malformed event with a counter and still handles the next good one", async () => {
    const started = await startTrayDaemon();
    const daemon = started.daemon;
    const vm = await attachFakeDomain(daemon, "vm1", [{ alias: "cd0", open: false }]);
    for (const [, data] of BAD_DATA) vm.server.emitEvent("DEVICE_TRAY_MOVED", data);
    vm.server.emitEvent("DEVICE_TRAY_MOVED", { device: "", id: "cd0", "tray-open": true });

    await waitFor("the good event", () => started.seen.length === 1);
    expect(started.seen).toEqual([{ domain: "vm1", devAlias: "cd0", reason: "open" }]);
    const counters = vm.link.monitor?.counters;
    expect(counters?.dropped.get("event-schema")).toBe(BAD_DATA.length);
    expect(vm.link.status).toBe("connected");
    expect(daemon.plugins.stats().monitorCallbacks.tray).toEqual({ invoked: 1, errors: 0 });
    vm.server.verify();
  });
});
