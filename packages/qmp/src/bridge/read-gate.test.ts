import { ManualEventLoop } from "@virtevent/core/testing";
import { describe, expect, it } from "vitest";
import { READ_PRESSURE_HIGH, READ_PRESSURE_LOW, readGateOf } from "./read-gate.js";

function daemonWith(pending: number, queued: number) {
  return {
    loop: new ManualEventLoop(),
    events: { pendingCount: pending },
    workers: { queuedJobs: queued },
  };
}

describe("readGateOf (one read gate per daemon)", () => {
  it("is shared by every monitor of a daemon, and absent without the daemon's queues", () => {
    const daemon = daemonWith(0, 0);
    expect(readGateOf(daemon)).toBe(readGateOf(daemon));
    expect(readGateOf(daemonWith(0, 0))).not.toBe(readGateOf(daemon));
    expect(readGateOf({ loop: new ManualEventLoop() })).toBeUndefined();
  });

  it("pauses at the high mark of jobs + events and stays paused until under the low mark", () => {
    const daemon = daemonWith(0, 0);
    const gate = readGateOf(daemon);
    if (!gate) throw new Error("no gate");
    daemon.events.pendingCount = READ_PRESSURE_HIGH - 1;
    expect(gate.paused).toBe(false);
    daemon.workers.queuedJobs = 1;
    expect(gate.paused).toBe(true);

    const resumed: string[] = [];
    gate.onDidResume(() => resumed.push("a"));
    gate.onDidResume(() => resumed.push("b"));
    gate.onDidResume(() => resumed.push("gone")).dispose();
    // One check per turn for all waiting monitors.
    expect(daemon.loop.timeoutCount).toBe(1);

    daemon.events.pendingCount = READ_PRESSURE_LOW - 1;
    daemon.loop.runOnce();
    expect(resumed).toEqual([]);
    expect(gate.paused).toBe(true);

    daemon.workers.queuedJobs = 0;
    daemon.loop.runOnce();
    expect(resumed).toEqual(["a", "b"]);
    expect(gate.paused).toBe(false);
    expect(daemon.loop.timeoutCount).toBe(0);
  });

  it("stops checking when nobody waits any more, and keeps its state", () => {
    const daemon = daemonWith(READ_PRESSURE_HIGH, 0);
    const gate = readGateOf(daemon);
    if (!gate) throw new Error("no gate");
    expect(gate.paused).toBe(true);
    gate.onDidResume(() => {}).dispose();
    daemon.loop.runOnce();
    expect(daemon.loop.timeoutCount).toBe(0);
    daemon.events.pendingCount = READ_PRESSURE_LOW;
    expect(gate.paused).toBe(true);
  });
});
