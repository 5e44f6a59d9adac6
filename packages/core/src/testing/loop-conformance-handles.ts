import type { Duplex } from "node:stream";
import { expect, it } from "vitest";
import {
  type EventLoopImpl,
  type HandleEventMask,
  HandleEvents,
  type WatchId,
} from "../loop/event-loop-impl.js";
import type { EventLoopDriver } from "./loop-driver.js";

const { READABLE, WRITABLE, ERROR, HANGUP } = HandleEvents;

/** What each group of conformance cases gets from the suite. @internal */
export interface ConformanceContext {
  driver: EventLoopDriver;
  /** A loop from the driver, closed after the test. */
  newLoop(): EventLoopImpl;
}

interface Fired {
  watch: WatchId;
  events: HandleEventMask;
  error?: Error;
}

/** Reads everything buffered on `s` (paused mode). */
function drain(s: Duplex): string {
  let out = "";
  for (let chunk = s.read(); chunk !== null; chunk = s.read()) out += String(chunk);
  return out;
}

/** Ids, handle readiness, removal during dispatch, masks, HANGUP/ERROR, 0 timeouts beside I/O. @internal */
export function handleConformanceCases({ driver, newLoop }: ConformanceContext): void {
  it("numbers watches and timers from 1 with separate counters, never reusing an id", () => {
    const loop = newLoop();
    const noop = () => {};
    const t1 = loop.addTimeout(-1, noop);
    const t2 = loop.addTimeout(-1, noop);
    expect([t1, t2]).toEqual([1, 2]);
    expect(loop.removeTimeout(t2)).toBe(true);
    expect(loop.removeTimeout(t2)).toBe(false);
    expect(loop.addTimeout(-1, noop)).toBe(3);
  });

  it("reports read readiness to the owner, who reads the data itself", async () => {
    const loop = newLoop();
    const [ours, peer] = await driver.pair();
    const fired: Fired[] = [];
    let data = "";
    const w = loop.addHandle(ours, READABLE, (watch, source, events) => {
      fired.push({ watch, events });
      expect(source).toBe(ours);
      data += drain(source);
    });
    expect(w).toBe(1);
    await driver.turn(loop);
    expect(fired).toEqual([]);
    peer.write("hello\n");
    await driver.until(loop, () => data === "hello\n", "the handle to read hello");
    expect(fired.every((f) => f.watch === w && f.events === READABLE)).toBe(true);
  });

  it("never fires a handle removed before the loop runs, and frees it once", async () => {
    const loop = newLoop();
    const [ours, peer] = await driver.pair();
    let calls = 0;
    let frees = 0;
    peer.write("x");
    const w = loop.addHandle(
      ours,
      READABLE,
      () => calls++,
      () => frees++,
    );
    expect(loop.removeHandle(w)).toBe(true);
    await driver.turn(loop);
    await driver.turn(loop);
    expect(calls).toBe(0);
    expect(frees).toBe(1);
  });

  it("never fires a handle removed while the loop waits", async () => {
    const loop = newLoop();
    const [ours, peer] = await driver.pair();
    let calls = 0;
    const w = loop.addHandle(ours, READABLE, () => calls++);
    await driver.turn(loop);
    loop.removeHandle(w);
    peer.write("late");
    await driver.turn(loop);
    await driver.turn(loop);
    expect(calls).toBe(0);
  });

  it("does not fire a ready handle that an earlier callback of the same turn removed", async () => {
    const loop = newLoop();
    const [a, peerA] = await driver.pair();
    const [b, peerB] = await driver.pair();
    const order: string[] = [];
    let inDispatch = false;
    let freedInsideDispatch = false;
    let bFrees = 0;
    let wb = 0;
    // Both start disabled so that both become ready in the same turn once enabled together.
    const wa = loop.addHandle(a, 0, (_w, s) => {
      inDispatch = true;
      order.push("a");
      drain(s);
      loop.removeHandle(wb);
      inDispatch = false;
    });
    wb = loop.addHandle(
      b,
      0,
      () => order.push("b"),
      () => {
        bFrees++;
        freedInsideDispatch ||= inDispatch;
      },
    );
    expect(wb).toBe(wa + 1);
    peerA.write("a");
    peerB.write("b");
    await driver.until(
      loop,
      () => a.readableLength > 0 && b.readableLength > 0,
      "data buffered on both streams",
    );
    loop.updateHandle(wa, READABLE);
    loop.updateHandle(wb, READABLE);
    await driver.until(loop, () => order.length > 0, "handle a to fire");
    await driver.turn(loop);
    expect(order).toEqual(["a"]);
    expect(bFrees).toBe(1);
    expect(freedInsideDispatch).toBe(false);
  });

  it("lets a callback remove itself: no second call, free after the callback returns", async () => {
    const loop = newLoop();
    const [ours, peer] = await driver.pair();
    let calls = 0;
    let returned = false;
    let freedBeforeReturn = false;
    let frees = 0;
    loop.addHandle(
      ours,
      READABLE,
      (w, s) => {
        calls++;
        drain(s);
        loop.removeHandle(w);
        returned = true;
      },
      () => {
        frees++;
        freedBeforeReturn ||= !returned;
      },
    );
    peer.write("one");
    await driver.until(loop, () => frees === 1, "the self-removed handle to be freed");
    peer.write("two");
    await driver.turn(loop);
    await driver.turn(loop);
    expect(calls).toBe(1);
    expect(frees).toBe(1);
    expect(freedBeforeReturn).toBe(false);
  });

  it("delivers only the matching events when one stream is watched twice", async () => {
    const loop = newLoop();
    const [ours, peer] = await driver.pair();
    const readEvents: HandleEventMask[] = [];
    const writeEvents: HandleEventMask[] = [];
    const wr = loop.addHandle(ours, READABLE, (_w, s, ev) => {
      readEvents.push(ev);
      drain(s);
    });
    const ww = loop.addHandle(ours, WRITABLE, (_w, _s, ev) => {
      writeEvents.push(ev);
      loop.updateHandle(ww, 0);
    });
    expect(ww).toBe(wr + 1);
    await driver.until(loop, () => writeEvents.length === 1, "the writable handle to fire");
    expect(readEvents).toEqual([]);
    peer.write("data");
    await driver.until(loop, () => readEvents.length > 0, "the readable handle to fire");
    await driver.turn(loop);
    expect(readEvents.every((e) => e === READABLE)).toBe(true);
    expect(writeEvents).toEqual([WRITABLE]);
  });

  it("reports HANGUP when the peer closes", async () => {
    const loop = newLoop();
    const [ours, peer] = await driver.pair();
    const seen: HandleEventMask[] = [];
    loop.addHandle(ours, READABLE, (w, s, ev) => {
      seen.push(ev);
      drain(s);
      if (ev & HANGUP) loop.removeHandle(w);
    });
    peer.end("bye");
    await driver.until(loop, () => seen.some((e) => e & HANGUP), "HANGUP to be reported");
    expect(seen[0] & READABLE).toBe(READABLE);
  });

  it("reports ERROR with the stream's error, even when only READABLE is watched", async () => {
    const loop = newLoop();
    const [ours] = await driver.pair();
    const seen: Fired[] = [];
    loop.addHandle(ours, READABLE, (watch, _s, events, error) => {
      seen.push({ watch, events, error });
      loop.removeHandle(watch);
    });
    const boom = new Error("connection reset");
    ours.destroy(boom);
    await driver.until(loop, () => seen.length > 0, "ERROR to be reported");
    expect(seen[0].events & ERROR).toBe(ERROR);
    expect(seen[0].error).toBe(boom);
  });

  it("changes a handle's mask at once with updateHandle (0 disables it)", async () => {
    const loop = newLoop();
    const [ours, peer] = await driver.pair();
    let calls = 0;
    const w = loop.addHandle(ours, READABLE, (_w, s) => {
      calls++;
      drain(s);
    });
    expect(loop.updateHandle(w, 0)).toBe(true);
    peer.write("pending");
    await driver.turn(loop);
    await driver.turn(loop);
    expect(calls).toBe(0);
    loop.updateHandle(w, READABLE);
    await driver.until(loop, () => calls === 1, "the re-enabled handle to fire");
    expect(loop.updateHandle(999, READABLE)).toBe(false);
  });

  it("fires a 0 timeout every turn while I/O still flows", async () => {
    const loop = newLoop();
    const [ours, peer] = await driver.pair();
    let turns = 0;
    let received = "";
    const t = loop.addTimeout(0, () => turns++);
    loop.addHandle(ours, READABLE, (_w, s) => {
      received += drain(s);
    });
    const expected: string[] = [];
    for (let i = 0; i < 20; i++) {
      const msg = `m${i};`;
      expected.push(msg);
      peer.write(msg);
      const before = turns;
      await driver.until(loop, () => received.endsWith(msg), `message ${i} to arrive`);
      await driver.until(loop, () => turns > before, "the 0 timeout to keep firing");
    }
    expect(received).toBe(expected.join(""));
    loop.removeTimeout(t);
  });

  it("starts a handle added during a dispatch with a later turn", async () => {
    const loop = newLoop();
    const [a, peerA] = await driver.pair();
    const [b, peerB] = await driver.pair();
    let turn = 0;
    loop.addTimeout(0, () => turn++);
    let addedAt = -1;
    let firedAt = -1;
    peerB.write("ready before it is watched");
    loop.addHandle(a, READABLE, (w, s) => {
      drain(s);
      loop.removeHandle(w);
      addedAt = turn;
      loop.addHandle(b, READABLE, (w2, s2) => {
        drain(s2);
        firedAt = turn;
        loop.removeHandle(w2);
      });
    });
    peerA.write("go");
    await driver.until(loop, () => firedAt >= 0, "the handle added in a dispatch to fire");
    expect(firedAt).toBeGreaterThan(addedAt);
    void peerB;
  });
}
