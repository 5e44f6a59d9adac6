// RELIABILITY rows 6 (out of order / duplicate replies), 7 (unknown id, id-less error) and
// 8 (EOF with commands pending), against the FakeQmpServer on both loops.
import { afterEach, describe, expect, it } from "vitest";
import { isQmpError, type QmpCloseReason, type QmpProtocolError } from "../src/index.js";
import { type Rig, startRig } from "./harness.js";
import { harnesses } from "./loops.js";

/** Lets every promise reaction queued so far run. */
const flushMicrotasks = () => new Promise<void>((resolve) => setImmediate(resolve));

describe.each(harnesses)("replies and close on the $name loop", (harness) => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  it("row 6: matches replies by id in any order and drops a duplicate with a counter", async () => {
    rig = await startRig(harness);
    const { server, monitor } = rig;
    const a = server.expect("cmd-a");
    const b = server.expect("cmd-b");
    const pa = monitor.execute("cmd-a");
    const pb = monitor.execute("cmd-b");
    await rig.run(Promise.all([a.received, b.received]));
    b.respond({ return: "B" });
    await expect(rig.run(pb)).resolves.toBe("B");
    a.respond({ return: "A" });
    a.respond({ return: "A again" });
    await expect(rig.run(pa)).resolves.toBe("A");
    await rig.until(() => monitor.counters.dropped.get("duplicate-reply") === 1);
    expect(monitor.counters.commands.succeeded).toBe(3); // qmp_capabilities, A, B
    server.verify();
  });

  it("row 7: drops a reply with an unknown id, surfaces an id-less error, keeps serving", async () => {
    rig = await startRig(harness);
    const { server, monitor } = rig;
    const surfaced: QmpProtocolError[] = [];
    monitor.onProtocolError((e) => surfaced.push(e));
    const status = server.expect("query-status");
    const pending = monitor.execute("query-status");
    await rig.run(status.received);
    server.writeRaw('{"return": {}, "id": "no-such-id"}\r\n');
    server.writeRaw('{"return": {}, "id": 42}\r\n');
    server.writeRaw('{"error": {"class": "GenericError", "desc": "JSON parse error"}}\r\n');
    status.respond({ return: { running: false } });
    await expect(rig.run(pending)).resolves.toEqual({ running: false });
    await rig.until(() => surfaced.length === 1);
    expect(monitor.counters.dropped.get("unknown-id")).toBe(2);
    expect(monitor.counters.dropped.get("error-without-id")).toBe(1);
    expect(surfaced[0].detail).toContain("error without id");
    expect(monitor.state).toBe("ready");
  });

  it("row 7: a QEMU error reply rejects with a typed QmpCommandError", async () => {
    rig = await startRig(harness);
    rig.server.expect("eject", {
      error: { class: "DeviceNotFound", desc: "Device 'x' not found" },
    });
    const err = await rig.run(rig.monitor.execute("eject", { id: "x" }).catch((e: unknown) => e));
    expect(isQmpError(err, "QMP_ERR_COMMAND")).toBe(true);
    expect(err).toMatchObject({ command: "eject", errorClass: "DeviceNotFound" });
  });

  it("row 8: EOF rejects every pending command (sent and queued) in the same turn; new ones fail fast", async () => {
    rig = await startRig(harness);
    const { server, monitor } = rig;
    const expectations = Array.from({ length: 8 }, () => server.expect("slow"));
    const outcomes = Array.from({ length: 10 }, () =>
      monitor.execute("slow").then(
        () => "resolved",
        (e: unknown) => e,
      ),
    );
    await rig.run(Promise.all(expectations.map((e) => e.received)));
    expect(monitor.inFlightCount).toBe(8);
    expect(monitor.queuedCount).toBe(2);
    let settledAtClose = -1;
    let done = 0;
    for (const o of outcomes) void o.then(() => done++);
    const reasons: QmpCloseReason[] = [];
    monitor.onClose((r) => {
      reasons.push(r);
      void flushMicrotasks().then(() => {
        settledAtClose = done;
      });
    });
    server.close();
    await rig.run(monitor.closed);
    await flushMicrotasks();
    await flushMicrotasks();
    expect(settledAtClose).toBe(10);
    expect(reasons).toEqual([{ kind: "eof" }]);
    for (const err of await Promise.all(outcomes)) {
      expect(isQmpError(err, "QMP_ERR_MONITOR_CLOSED")).toBe(true);
      expect(err).toMatchObject({ reason: { kind: "eof" } });
    }
    await expect(monitor.execute("after")).rejects.toSatisfy((e) =>
      isQmpError(e, "QMP_ERR_MONITOR_CLOSED"),
    );
    expect(monitor.counters.commands.closed).toBe(11);
  });

  it("row 8: a crash mid-message closes with EOF and drops the partial line", async () => {
    rig = await startRig(harness);
    const { server, monitor } = rig;
    const e = server.expect("query-status");
    const pending = monitor.execute("query-status").catch((err: unknown) => err);
    await rig.run(e.received);
    server.crash('{"return": {"status": "run');
    const err = await rig.run(pending);
    expect(isQmpError(err, "QMP_ERR_MONITOR_CLOSED")).toBe(true);
    await expect(rig.run(monitor.closed)).resolves.toEqual({ kind: "eof" });
  });

  it("aborting a sent command rejects it at once and drops its late reply", async () => {
    rig = await startRig(harness);
    const { server, monitor } = rig;
    const e = server.expect("slow");
    const ac = new AbortController();
    const pending = monitor
      .execute("slow", undefined, { signal: ac.signal })
      .catch((err: unknown) => err);
    await rig.run(e.received);
    ac.abort();
    expect(isQmpError(await pending, "QMP_ERR_ABORTED")).toBe(true);
    e.respond({ return: {} });
    await rig.until(() => monitor.counters.dropped.get("late-reply") === 1);
    expect(monitor.counters.commands.aborted).toBe(1);
  });
});
