import { describe, expect, it } from "vitest";
import { RTT_BUCKET_BOUNDS_MS, RTT_RESERVOIR_SIZE } from "../limits.js";
import { bump, createCounters, recordRoundTrip, snapshotCounters } from "./counters.js";

describe("counters", () => {
  it("summarises round-trip times in count/sum/max and histogram buckets", () => {
    const c = createCounters();
    for (const ms of [0.5, 1, 3, 20_000]) recordRoundTrip(c.roundTrip, ms);
    expect(c.roundTrip).toMatchObject({ count: 4, sumMs: 20_004.5, maxMs: 20_000 });
    expect(c.roundTrip.bucketCounts[0]).toBe(2); // <= 1 ms
    expect(c.roundTrip.bucketCounts[2]).toBe(1); // <= 5 ms
    expect(c.roundTrip.bucketCounts[RTT_BUCKET_BOUNDS_MS.length]).toBe(1); // beyond the last bound
  });

  it("keeps the reservoir bounded however many samples come", () => {
    const c = createCounters();
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 10_000; i++) recordRoundTrip(c.roundTrip, i, random);
    expect(c.roundTrip.reservoir).toHaveLength(RTT_RESERVOIR_SIZE);
    expect(c.roundTrip.count).toBe(10_000);
    // A uniform sample of 0..9999 is not stuck on the first values.
    expect(Math.max(...c.roundTrip.reservoir)).toBeGreaterThan(RTT_RESERVOIR_SIZE);
  });

  it("snapshots are independent of later counting", () => {
    const c = createCounters();
    bump(c.eventsByName, "STOP");
    const snap = snapshotCounters(c);
    bump(c.eventsByName, "STOP");
    recordRoundTrip(c.roundTrip, 1);
    c.commands.sent++;
    expect(snap.eventsByName.get("STOP")).toBe(1);
    expect(snap.roundTrip.count).toBe(0);
    expect(snap.commands.sent).toBe(0);
  });
});
