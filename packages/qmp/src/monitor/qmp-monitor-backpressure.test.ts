import { type Disposable, toDisposable } from "@virtevent/core";
import { createDuplexPair, ManualEventLoop, type MemoryDuplex } from "@virtevent/core/testing";
import { describe, expect, it } from "vitest";
import type { QmpEvent } from "../protocol/messages.js";
import type { QmpReadGate } from "./monitor-options.js";
import { QmpMonitor } from "./qmp-monitor.js";

const GREETING =
  '{"QMP":{"version":{"qemu":{"micro":0,"minor":2,"major":7},"package":""},"capabilities":["oob"]}}\r\n';

function event(n: number): string {
  return `{"timestamp": {"seconds": 1, "microseconds": ${n}}, "event": "PROBE", "data": {"n": ${n}}}\r\n`;
}

/** The id of the newest command the monitor wrote to `peer`. */
function lastCommandId(peer: MemoryDuplex): string {
  let id = "";
  for (let c = peer.read(); c !== null; c = peer.read()) {
    for (const line of String(c).split("\n")) if (line.trim()) id = JSON.parse(line).id;
  }
  return id;
}

/** A gate the test closes and opens by hand. */
class TestGate implements QmpReadGate {
  paused = false;
  readonly waiting = new Set<() => void>();

  onDidResume(listener: () => void): Disposable {
    this.waiting.add(listener);
    return toDisposable(() => this.waiting.delete(listener));
  }

  open(): void {
    this.paused = false;
    for (const fn of [...this.waiting]) fn();
  }
}

async function readyMonitor(gate: QmpReadGate) {
  const loop = new ManualEventLoop();
  const [ours, peer] = createDuplexPair();
  const seen: number[] = [];
  const monitor = new QmpMonitor(ours, {
    loop,
    onEvent: (e: QmpEvent) => seen.push((e.data as { n: number }).n),
    readGate: gate,
  });
  peer.write(GREETING);
  loop.runOnce();
  loop.runOnce();
  peer.write(`{"return": {}, "id": ${JSON.stringify(lastCommandId(peer))}}\r\n`);
  loop.runOnce();
  await monitor.ready;
  return { loop, peer, monitor, seen };
}

describe("QmpMonitor read backpressure (readGate)", () => {
  it("stops reading while the gate is paused and resumes when it reopens, losing nothing", async () => {
    const gate = new TestGate();
    const { loop, peer, seen } = await readyMonitor(gate);
    peer.write(event(1));
    loop.runOnce();
    expect(seen).toEqual([1]);

    gate.paused = true;
    peer.write(event(2) + event(3));
    loop.runUntilIdle(5);
    expect(seen).toEqual([1]);
    // One wait for the gate, not one check per turn.
    expect(gate.waiting.size).toBe(1);
    expect(loop.timeoutCount).toBe(0);

    gate.open();
    loop.runUntilIdle(5);
    expect(seen).toEqual([1, 2, 3]);
    expect(gate.waiting.size).toBe(0);
  });

  it("keeps reading while a command is in flight, so its reply arrives under pressure", async () => {
    const gate = new TestGate();
    const { loop, peer, monitor, seen } = await readyMonitor(gate);
    gate.paused = true;
    peer.write(event(1));
    loop.runUntilIdle(5);
    expect(seen).toEqual([]);

    const reply = monitor.execute("query-status");
    loop.runUntilIdle(5);
    peer.write(`{"return": {"running": true}, "id": ${JSON.stringify(lastCommandId(peer))}}\r\n`);
    loop.runUntilIdle(5);
    await expect(reply).resolves.toEqual({ running: true });
    // The event that was waiting in the stream came through with the reply.
    expect(seen).toEqual([1]);
  });

  it("stops waiting for the gate once closed", async () => {
    const gate = new TestGate();
    const { loop, peer, monitor } = await readyMonitor(gate);
    gate.paused = true;
    peer.write(event(1));
    loop.runUntilIdle(5);
    expect(gate.waiting.size).toBe(1);
    monitor.close();
    expect(gate.waiting.size).toBe(0);
  });
});
