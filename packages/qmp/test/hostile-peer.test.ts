// RELIABILITY rows 3 (a line over the cap) and 19 (hostile peer: __proto__ keys, deep nesting,
// huge numbers), against the FakeQmpServer on both loops.
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineQmpEvent, isQmpError, MAX_LINE_BYTES } from "../src/index.js";
import { type Rig, startRig } from "./harness.js";
import { harnesses } from "./loops.js";

describe.each(harnesses)("hostile peer on the $name loop", (harness) => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  it("row 3: a line over the 10 MiB default closes the monitor with a typed error", async () => {
    rig = await startRig(harness);
    const { server, monitor } = rig;
    const e = server.expect("query-status");
    const pending = monitor.execute("query-status").catch((err: unknown) => err);
    await rig.run(e.received);
    const heapBefore = process.memoryUsage().arrayBuffers;
    // cap + 1 bytes and no newline, in 1 MiB writes.
    const mib = Buffer.alloc(1024 * 1024, 0x61);
    for (let sent = 0; sent <= MAX_LINE_BYTES; sent += mib.length) server.writeRaw(mib);
    const reason = await rig.run(monitor.closed);
    expect(reason.kind).toBe("error");
    expect(reason.kind === "error" && isQmpError(reason.error, "QMP_ERR_LINE_TOO_LONG")).toBe(true);
    const err = await pending;
    expect(isQmpError(err, "QMP_ERR_MONITOR_CLOSED")).toBe(true);
    expect((err as Error).cause).toBe(reason.kind === "error" ? reason.error : undefined);
    expect(monitor.counters.protocolErrors).toBe(1);
    // Bounded: nothing near several copies of the stream was retained (generous: 3× cap).
    expect(process.memoryUsage().arrayBuffers - heapBefore).toBeLessThan(3 * MAX_LINE_BYTES);
  });

  it("row 3: a reply that arrives in the same chunk as an oversized line is still delivered", async () => {
    rig = await startRig(harness, {}, { maxLineBytes: 1024 });
    const { server, monitor } = rig;
    const slow = server.expect("slow");
    const pendingSlow = monitor.execute("slow").catch((err: unknown) => err);
    await rig.run(slow.received);
    server.expect("fast", { raw: `{"return": "fast", "id": %ID%}\r\n${"b".repeat(2000)}` });
    await expect(rig.run(monitor.execute("fast"))).resolves.toBe("fast");
    expect(isQmpError(await rig.run(pendingSlow), "QMP_ERR_MONITOR_CLOSED")).toBe(true);
    const reason = await rig.run(monitor.closed);
    expect(reason.kind === "error" && reason.error).toMatchObject({ limitBytes: 1024 });
  });

  it("row 19: __proto__ / constructor keys never pollute, even through a loose schema", async () => {
    rig = await startRig(harness);
    const { server, monitor } = rig;
    const got: unknown[] = [];
    monitor.events.set(
      "X",
      defineQmpEvent(z.looseObject({ a: z.number() }), (d) => got.push(d)),
    );
    server.writeRaw(
      '{"event": "X", "data": {"a": 1, "__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}, "timestamp": {"seconds": 1, "microseconds": 0}}\r\n',
    );
    server.expect("q", {
      raw: '{"return": {"__proto__": {"isAdmin": true}, "ok": 1}, "id": %ID%}',
    });
    const reply = (await rig.run(monitor.execute("q"))) as Record<string, unknown>;
    await rig.until(() => got.length === 1);
    expect(got).toEqual([{ a: 1 }]);
    expect(Object.getPrototypeOf(got[0])).toBe(Object.prototype);
    expect(reply).toEqual({ ok: 1 });
    expect(reply.isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(monitor.counters.dropped.get("forbidden-key")).toBe(3);
  });

  it("row 19: deep nesting is refused and huge numbers are tolerated", async () => {
    rig = await startRig(harness);
    const { server, monitor } = rig;
    const deep = `{"event": "DEEP", "data": ${"[".repeat(50_000)}${"]".repeat(50_000)}}\r\n`;
    server.writeRaw(deep);
    server.expect("big", {
      raw: '{"return": {"n": 123456789012345678901234567890, "inf": 1e999, "neg": -1e999}, "id": %ID%}',
    });
    const reply = await rig.run(monitor.execute("big"));
    expect(reply).toEqual({
      n: 1.2345678901234568e29,
      inf: Number.POSITIVE_INFINITY,
      neg: Number.NEGATIVE_INFINITY,
    });
    expect(monitor.counters.dropped.get("malformed")).toBe(1);
    expect(monitor.counters.eventsByName.get("DEEP")).toBeUndefined();
    expect(monitor.state).toBe("ready");
  });
});
