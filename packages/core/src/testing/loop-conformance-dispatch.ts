import type { Duplex } from "node:stream";
import { expect, it } from "vitest";
import { type HandleEventMask, HandleEvents, type WatchId } from "../loop/event-loop-impl.js";
import type { ConformanceContext } from "./loop-conformance-handles.js";

const { READABLE, HANGUP } = HandleEvents;

/** Reads everything buffered on `s` (paused mode). */
function drain(s: Duplex): string {
  let out = "";
  for (let chunk = s.read(); chunk !== null; chunk = s.read()) out += String(chunk);
  return out;
}

/**
 * Order and readiness within a turn, with idle handles around: watch-id order whatever order
 * handles became ready in, masks changed by an earlier callback of the same turn, level-triggered
 * re-dispatch, 0 timeouts in timer-id order after the handles. @internal
 */
export function dispatchConformanceCases({ driver, newLoop }: ConformanceContext): void {
  /** Adds a 0 timeout counting turns; it fires after every handle of a turn. */
  const countTurns = (loop: ReturnType<typeof newLoop>) => {
    const counter = { turn: 0 };
    loop.addTimeout(0, () => counter.turn++);
    return counter;
  };

  it("fires the handles ready in one turn in watch-id order, whatever order they became ready in", async () => {
    const loop = newLoop();
    const pairs = await Promise.all([0, 1, 2, 3, 4].map(() => driver.pair()));
    const fired: WatchId[] = [];
    const watches = pairs.map(([ours]) =>
      loop.addHandle(ours, 0, (w, s) => {
        fired.push(w);
        drain(s);
      }),
    );
    // Idle handles between them must not disturb the order (nor fire).
    const idle = await driver.pair();
    let idleCalls = 0;
    loop.addHandle(idle[0], READABLE, () => idleCalls++);
    for (const [, peer] of [...pairs].reverse()) peer.write("x");
    await driver.until(
      loop,
      () => pairs.every(([ours]) => ours.readableLength > 0),
      "data buffered on every stream",
    );
    for (const w of [watches[3], watches[0], watches[4], watches[1], watches[2]]) {
      loop.updateHandle(w, READABLE);
    }
    await driver.until(loop, () => fired.length === watches.length, "every handle to fire");
    await driver.turn(loop);
    expect(fired).toEqual(watches);
    expect(idleCalls).toBe(0);
  });

  it("applies a mask changed by an earlier callback to a later handle in the same turn", async () => {
    const loop = newLoop();
    const [a, peerA] = await driver.pair();
    const [b, peerB] = await driver.pair();
    const [c, peerC] = await driver.pair();
    const counter = countTurns(loop);
    const firedAt = new Map<string, number[]>();
    const record = (name: string) => (_w: WatchId, s: Duplex) => {
      drain(s);
      firedAt.set(name, [...(firedAt.get(name) ?? []), counter.turn]);
    };
    let wb = 0;
    let wc = 0;
    const wa = loop.addHandle(a, 0, (w, s) => {
      record("a")(w, s);
      loop.updateHandle(wb, READABLE);
      loop.updateHandle(wc, 0);
    });
    wb = loop.addHandle(b, 0, record("b"));
    wc = loop.addHandle(c, 0, record("c"));
    peerA.write("a");
    peerB.write("b");
    peerC.write("c");
    await driver.until(
      loop,
      () => a.readableLength > 0 && b.readableLength > 0 && c.readableLength > 0,
      "data buffered on every stream",
    );
    loop.updateHandle(wc, READABLE);
    loop.updateHandle(wa, READABLE);
    await driver.until(loop, () => firedAt.has("b"), "the handle enabled mid-turn to fire");
    await driver.turn(loop);
    await driver.turn(loop);
    expect(firedAt.get("a")).toHaveLength(1);
    expect(firedAt.get("b")).toEqual(firedAt.get("a"));
    expect(firedAt.has("c")).toBe(false);
  });

  it("fires a lower handle enabled by a later callback on a later turn, once", async () => {
    const loop = newLoop();
    const [low, peerLow] = await driver.pair();
    const [high, peerHigh] = await driver.pair();
    const counter = countTurns(loop);
    const lowAt: number[] = [];
    const highAt: number[] = [];
    const wLow = loop.addHandle(low, 0, (_w, s) => {
      drain(s);
      lowAt.push(counter.turn);
    });
    peerLow.write("low");
    await driver.until(loop, () => low.readableLength > 0, "data buffered on the low stream");
    loop.addHandle(high, READABLE, (_w, s) => {
      drain(s);
      highAt.push(counter.turn);
      loop.updateHandle(wLow, READABLE);
    });
    peerHigh.write("high");
    await driver.until(loop, () => lowAt.length > 0, "the low handle to fire");
    await driver.turn(loop);
    expect(highAt).toHaveLength(1);
    expect(lowAt).toHaveLength(1);
    expect(lowAt[0]).toBeGreaterThan(highAt[0]);
  });

  it("re-dispatches a handle every turn while data stays buffered, without new data", async () => {
    const loop = newLoop();
    const [ours, peer] = await driver.pair();
    const idle = await Promise.all([0, 1, 2].map(() => driver.pair()));
    let idleCalls = 0;
    for (const [s] of idle) loop.addHandle(s, READABLE, () => idleCalls++);
    const got: string[] = [];
    const events: HandleEventMask[] = [];
    loop.addHandle(ours, READABLE, (_w, s, ev) => {
      events.push(ev);
      const one = s.read(1);
      if (one !== null) got.push(String(one));
    });
    peer.write("abcd");
    await driver.until(loop, () => got.length === 4, "one byte per dispatch until drained");
    expect(got.join("")).toBe("abcd");
    expect(events.every((e) => e === READABLE)).toBe(true);
    expect(idleCalls).toBe(0);
  });

  it("reports a HANGUP that happened while the handle was disabled once it is enabled", async () => {
    const loop = newLoop();
    const [ours] = await driver.pair();
    const seen: HandleEventMask[] = [];
    const w = loop.addHandle(ours, 0, (watch, _s, events) => {
      seen.push(events);
      if (events & HANGUP) loop.removeHandle(watch);
    });
    let closed = false;
    ours.once("close", () => {
      closed = true;
    });
    ours.destroy();
    await driver.until(loop, () => closed, "the stream to close");
    await driver.turn(loop);
    await driver.turn(loop);
    expect(seen).toEqual([]);
    loop.updateHandle(w, READABLE);
    await driver.until(loop, () => seen.length > 0, "HANGUP to be reported");
    await driver.turn(loop);
    expect(seen).toHaveLength(1);
    expect(seen[0] & HANGUP).toBe(HANGUP);
  });

  it("fires the 0 timeouts after the ready handles, in timer-id order", async () => {
    const loop = newLoop();
    const [ours, peer] = await driver.pair();
    const order: string[] = [];
    const t1 = loop.addTimeout(-1, () => order.push("t1"));
    loop.addTimeout(0, () => order.push("t2"));
    const t3 = loop.addTimeout(-1, () => order.push("t3"));
    await driver.turn(loop);
    loop.updateTimeout(t3, 0);
    loop.updateTimeout(t1, 0);
    const w = loop.addHandle(ours, 0, (_w, s) => {
      drain(s);
      order.push("h");
    });
    peer.write("x");
    await driver.until(loop, () => ours.readableLength > 0, "data buffered");
    order.length = 0;
    loop.updateHandle(w, READABLE);
    await driver.until(loop, () => order.includes("h"), "the handle to fire");
    await driver.turn(loop);
    // Whole turns only: drop what came before the turn the handle fired in.
    const fromHandle = order.slice(order.indexOf("h"));
    expect(fromHandle.slice(0, 4)).toEqual(["h", "t1", "t2", "t3"]);
    expect(fromHandle.slice(4, 7)).toEqual(["t1", "t2", "t3"]);
  });
}
