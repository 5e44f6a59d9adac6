import { createDuplexPair, ManualEventLoop, type MemoryDuplex } from "@virtevent/core/testing";
import { describe, expect, it } from "vitest";
import type { QmpEvent } from "../protocol/messages.js";
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

async function readyMonitor(shouldPause: () => boolean) {
  const loop = new ManualEventLoop();
  const [ours, peer] = createDuplexPair();
  const seen: number[] = [];
  const monitor = new QmpMonitor(ours, {
    loop,
    onEvent: (e: QmpEvent) => seen.push((e.data as { n: number }).n),
    shouldPauseReading: () => shouldPause(),
  });
  peer.write(GREETING);
  loop.runOnce();
  loop.runOnce();
  peer.write(`{"return": {}, "id": ${JSON.stringify(lastCommandId(peer))}}\r\n`);
  loop.runOnce();
  await monitor.ready;
  return { loop, peer, monitor, seen };
}

describe("QmpMonitor read backpressure (shouldPauseReading)", () => {
  it("stops reading while told to and resumes on a later turn, losing nothing", async () => {
    let pressure = false;
    const { loop, peer, seen } = await readyMonitor(() => pressure);
    peer.write(event(1));
    loop.runOnce();
    expect(seen).toEqual([1]);

    pressure = true;
    peer.write(event(2) + event(3));
    loop.runUntilIdle(5);
    expect(seen).toEqual([1]);

    pressure = false;
    loop.runUntilIdle(5);
    expect(seen).toEqual([1, 2, 3]);
  });

  it("keeps reading while a command is in flight, so its reply arrives under pressure", async () => {
    let pressure = false;
    const { loop, peer, monitor, seen } = await readyMonitor(() => pressure);
    pressure = true;
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
});
