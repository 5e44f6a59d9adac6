import type { Duplex } from "node:stream";
import type { HandleCallback, HandleEventMask } from "@virtevent/core";
import { createDuplexPair, ManualEventLoop, type MemoryDuplex } from "@virtevent/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { isQmpError } from "../errors/qmp-error.js";
import { defineQmpEvent, type QmpEventTable } from "./event-table.js";
import { QmpMonitor } from "./qmp-monitor.js";

const GREETING =
  '{"QMP":{"version":{"qemu":{"micro":0,"minor":2,"major":7},"package":""},"capabilities":["oob"]}}\r\n';

/** Reads every line the monitor wrote to `peer`, parsed. */
function written(peer: MemoryDuplex): Array<{ execute: string; id: string; arguments?: unknown }> {
  const out: Array<{ execute: string; id: string }> = [];
  for (let c = peer.read(); c !== null; c = peer.read()) {
    for (const line of String(c).split("\n")) if (line.trim()) out.push(JSON.parse(line));
  }
  return out;
}

/** A ManualEventLoop that records every handle mask it is given. */
class MaskRecordingLoop extends ManualEventLoop {
  readonly masks: HandleEventMask[] = [];
  override addHandle(source: Duplex, events: HandleEventMask, cb: HandleCallback): number {
    this.masks.push(events);
    return super.addHandle(source, events, cb);
  }
  override updateHandle(watch: number, events: HandleEventMask): boolean {
    this.masks.push(events);
    return super.updateHandle(watch, events);
  }
}

describe("QmpMonitor on ManualEventLoop", () => {
  let loop: ManualEventLoop;
  let ours: MemoryDuplex;
  let peer: MemoryDuplex;
  let monitor: QmpMonitor;
  let table: QmpEventTable;

  function attach(
    options: Partial<ConstructorParameters<typeof QmpMonitor>[1]> = {},
    useLoop: ManualEventLoop = new ManualEventLoop(),
  ) {
    loop = useLoop;
    [ours, peer] = createDuplexPair();
    table = new Map();
    monitor = new QmpMonitor(ours, { loop, events: table, ...options });
  }

  async function negotiate() {
    peer.write(GREETING);
    loop.runOnce(); // read greeting, queue qmp_capabilities
    loop.runOnce(); // write it
    const [caps] = written(peer);
    expect(caps.execute).toBe("qmp_capabilities");
    peer.write(`{"return": {}, "id": ${JSON.stringify(caps.id)}}\r\n`);
    loop.runOnce();
    await expect(monitor.ready).resolves.toMatchObject({ capabilities: ["oob"] });
  }

  afterEach(async () => {
    monitor?.close();
    await loop?.close();
  });

  it("writes nothing before the greeting, then negotiates and becomes ready", async () => {
    attach();
    const pending = monitor.execute("query-status");
    loop.runOnce();
    loop.advance(1000);
    expect(written(peer)).toEqual([]);
    expect(monitor.state).toBe("greeting");
    await negotiate();
    expect(monitor.state).toBe("ready");
    loop.runOnce();
    const [cmd] = written(peer);
    expect(cmd).toEqual({ execute: "query-status", id: "virtevent-2" });
    peer.write(`{"return": {"status": "prelaunch", "running": false}, "id": "virtevent-2"}\n`);
    loop.runOnce();
    await expect(pending).resolves.toEqual({ status: "prelaunch", running: false });
    // Nothing left on the loop but the handle: no connect timer, no command timer.
    expect([loop.handleCount, loop.timeoutCount]).toEqual([1, 0]);
  });

  it("keeps at most maxInFlight commands on the wire and sends the rest as replies come", async () => {
    attach({ maxInFlight: 2 });
    await negotiate();
    const results = [1, 2, 3, 4].map((n) => monitor.execute("cmd", { n }));
    loop.runOnce();
    const first = written(peer);
    expect(first.map((c) => c.arguments)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(monitor.queuedCount).toBe(2);
    peer.write(`{"return": 2, "id": "${first[1].id}"}\n`);
    loop.runOnce();
    loop.runOnce();
    const next = written(peer);
    expect(next.map((c) => c.arguments)).toEqual([{ n: 3 }]);
    peer.write(`{"return": 1, "id": "${first[0].id}"}\n{"return": 3, "id": "${next[0].id}"}\n`);
    loop.runOnce();
    loop.runOnce();
    const last = written(peer);
    peer.write(`{"return": 4, "id": "${last[0].id}"}\n`);
    loop.runOnce();
    await expect(Promise.all(results)).resolves.toEqual([1, 2, 3, 4]);
  });

  it("times out a command in virtual time and drops its late reply with a counter", async () => {
    attach({ commandTimeoutMs: 500 });
    await negotiate();
    const p = monitor.execute("slow");
    const outcome = p.then(
      () => "resolved",
      (e) => e,
    );
    loop.runOnce();
    const [cmd] = written(peer);
    loop.advance(499);
    loop.advance(1);
    const err = await outcome;
    expect(isQmpError(err, "QMP_ERR_TIMEOUT")).toBe(true);
    expect(monitor.counters.commands.timedOut).toBe(1);
    peer.write(`{"return": {}, "id": "${cmd.id}"}\n`);
    loop.runOnce();
    expect(monitor.counters.dropped.get("late-reply")).toBe(1);
  });

  it("fails negotiation with a connect timeout when no greeting comes, and closes", async () => {
    attach({ connectTimeoutMs: 2000 });
    let closeReason: string | undefined;
    monitor.onClose((r) => {
      closeReason = r.kind;
    });
    loop.advance(2000);
    await expect(monitor.ready).rejects.toSatisfy((e) => isQmpError(e, "QMP_ERR_CONNECT_TIMEOUT"));
    expect(closeReason).toBe("error");
    expect(ours.destroyed).toBe(true);
  });

  it("aborts a queued command through its signal without sending it", async () => {
    attach();
    const ac = new AbortController();
    const p = monitor.execute("never-sent", undefined, { signal: ac.signal });
    ac.abort(new Error("user gave up"));
    await expect(p).rejects.toSatisfy((e) => isQmpError(e, "QMP_ERR_ABORTED"));
    await negotiate();
    loop.runOnce();
    expect(written(peer)).toEqual([]);
  });

  it("gives table entries schema-parsed data and wildcards the raw envelope", async () => {
    attach();
    const seen: unknown[] = [];
    table.set(
      "DEVICE_TRAY_MOVED",
      defineQmpEvent(
        z.object({ device: z.string(), id: z.string(), "tray-open": z.boolean() }),
        (data, ev) => seen.push(["entry", data.id, data["tray-open"], ev.timestamp?.seconds]),
      ),
    );
    monitor.onEvent((ev) => seen.push(["any", ev.name]));
    await negotiate();
    peer.write(
      '{"timestamp": {"seconds": 7, "microseconds": 1}, "event": "DEVICE_TRAY_MOVED", "data": {"device": "", "tray-open": true, "id": "cd0"}}\r\n',
    );
    loop.runOnce();
    expect(seen).toEqual([
      ["any", "DEVICE_TRAY_MOVED"],
      ["entry", "cd0", true, 7],
    ]);
  });

  it("watches WRITABLE only while output is pending", async () => {
    const recording = new MaskRecordingLoop();
    attach({}, recording);
    await negotiate();
    const p = monitor.execute("query-status");
    loop.runOnce();
    written(peer);
    peer.write('{"return": {}, "id": "virtevent-2"}\n');
    loop.runOnce();
    await p;
    const base = 1 | 4 | 8; // READABLE | ERROR | HANGUP
    const withWritable = base | 2;
    // One add, then WRITABLE on and off around qmp_capabilities and around query-status.
    expect(recording.masks).toEqual([base, withWritable, base, withWritable, base]);
  });

  it("measures round-trip times on the loop's virtual clock", async () => {
    attach();
    await negotiate();
    const p = monitor.execute("query-status");
    loop.runOnce();
    const [cmd] = written(peer);
    loop.advance(40);
    peer.write(`{"return": {}, "id": "${cmd.id}"}\n`);
    loop.runOnce();
    await p;
    expect(monitor.counters.roundTrip.count).toBe(2);
    expect(monitor.counters.roundTrip.maxMs).toBe(40);
  });

  it("refuses commands past the queue limit and bad arguments with typed errors", async () => {
    attach({ maxQueuedCommands: 2 });
    const queued = [monitor.execute("a"), monitor.execute("b")];
    for (const q of queued) q.catch(() => {});
    await expect(monitor.execute("c")).rejects.toSatisfy((e) =>
      isQmpError(e, "QMP_ERR_QUEUE_FULL"),
    );
    await expect(monitor.execute("")).rejects.toSatisfy((e) =>
      isQmpError(e, "QMP_ERR_INVALID_ARGUMENT"),
    );
    await expect(monitor.execute("x", [] as unknown as Record<string, unknown>)).rejects.toSatisfy(
      (e) => isQmpError(e, "QMP_ERR_INVALID_ARGUMENT"),
    );
    await expect(monitor.execute("x", undefined, { timeoutMs: 0 })).rejects.toSatisfy((e) =>
      isQmpError(e, "QMP_ERR_INVALID_ARGUMENT"),
    );
    // qmp_capabilities still goes out with the queue full.
    await negotiate();
  });

  it("closing locally rejects pending commands and ends the stream for the peer", async () => {
    attach();
    await negotiate();
    let ended = false;
    peer.on("end", () => {
      ended = true;
    });
    peer.resume();
    const p = monitor.execute("query-status").catch((e: unknown) => e);
    monitor.close();
    expect(isQmpError(await p, "QMP_ERR_MONITOR_CLOSED")).toBe(true);
    await expect(monitor.closed).resolves.toEqual({ kind: "local" });
    await loop.settle();
    await loop.settle();
    expect(ended).toBe(true);
    expect([loop.handleCount, loop.timeoutCount]).toEqual([0, 0]);
    expect(monitor.state).toBe("closed");
  });
});
