import { describe, expect, it } from "vitest";
import { HandleEvents } from "../loop/event-loop-impl.js";
import { createDuplexPair } from "./duplex-pair.js";
import { describeEventLoopConformance, manualLoopDriver } from "./loop-conformance.js";
import { ManualEventLoop } from "./manual-event-loop.js";

describe("ManualEventLoop", () => {
  describeEventLoopConformance("manual", manualLoopDriver());

  it("does nothing until the test turns it", () => {
    const loop = new ManualEventLoop();
    let fires = 0;
    loop.addTimeout(0, () => fires++);
    expect(fires).toBe(0);
    expect(loop.runOnce()).toBe(1);
    expect(fires).toBe(1);
  });

  it("fires periodic timers at each deadline of advance(), from the last add/update", () => {
    const loop = new ManualEventLoop();
    const at: number[] = [];
    const t = loop.addTimeout(100, () => at.push(loop.now()));
    loop.advance(250);
    expect(at).toEqual([100, 200]);
    loop.updateTimeout(t, 30);
    loop.advance(70);
    expect(at).toEqual([100, 200, 280, 310]);
    expect(loop.now()).toBe(320);
  });

  it("dispatches handles in watch-id order, then due timers by deadline and id", () => {
    const loop = new ManualEventLoop();
    const order: string[] = [];
    const [a, peerA] = createDuplexPair();
    const [b, peerB] = createDuplexPair();
    loop.addTimeout(10, () => order.push("t10"));
    loop.addTimeout(0, () => order.push("t0"));
    loop.addTimeout(5, () => order.push("t5"));
    loop.addHandle(b, HandleEvents.READABLE, (_w, s) => {
      s.read();
      order.push("b");
    });
    loop.addHandle(a, HandleEvents.READABLE, (_w, s) => {
      s.read();
      order.push("a");
    });
    peerA.write("x");
    peerB.write("y");
    loop.advance(0);
    expect(order).toEqual(["b", "a", "t0"]);
    order.length = 0;
    loop.advance(10);
    // advance turns at t=5 (t0 and t5 due) and at t=10 (t10, t0, t5 due: same deadline, by id).
    expect(order).toEqual(["t0", "t5", "t10", "t0", "t5"]);
  });

  it("makes written data readable on the peer synchronously", () => {
    const loop = new ManualEventLoop();
    const [ours, peer] = createDuplexPair();
    let got = "";
    loop.addHandle(ours, HandleEvents.READABLE, (_w, s) => {
      got += String(s.read());
    });
    peer.write("now");
    loop.runOnce();
    expect(got).toBe("now");
  });

  it("stops runUntilIdle when nothing fires, and bounds it when a 0 timer spins", () => {
    const loop = new ManualEventLoop();
    expect(loop.runUntilIdle()).toBe(0);
    loop.addTimeout(0, () => {});
    expect(loop.runUntilIdle(7)).toBe(7);
  });
});
