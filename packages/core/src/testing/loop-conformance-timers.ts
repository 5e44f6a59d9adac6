import { expect, it } from "vitest";
import { isCoreError } from "../errors/core-error.js";
import type { ConformanceContext } from "./loop-conformance-handles.js";

/** Timeout frequencies, removal during dispatch, free callbacks, close, argument checks. @internal */
export function timerConformanceCases({ driver, newLoop }: ConformanceContext): void {
  it("fires a timeout periodically and never after removal", async () => {
    const loop = newLoop();
    let fires = 0;
    const t = loop.addTimeout(10, () => fires++);
    await driver.until(loop, () => fires >= 2, "two periods");
    loop.removeTimeout(t);
    const seen = fires;
    await driver.advance(loop, 50);
    expect(fires).toBe(seen);
  });

  it("keeps a -1 timeout registered but silent until updated", async () => {
    const loop = newLoop();
    let fires = 0;
    const t = loop.addTimeout(-1, () => fires++);
    await driver.advance(loop, 30);
    expect(fires).toBe(0);
    expect(loop.updateTimeout(t, 0)).toBe(true);
    await driver.until(loop, () => fires > 0, "the enabled timeout to fire");
    loop.updateTimeout(t, -1);
    const seen = fires;
    await driver.advance(loop, 30);
    expect(fires).toBe(seen);
  });

  it("applies updateTimeout at once: a long period shortened fires soon", async () => {
    const loop = newLoop();
    let fires = 0;
    const t = loop.addTimeout(3_600_000, () => fires++);
    await driver.turn(loop);
    loop.updateTimeout(t, 5);
    await driver.until(loop, () => fires > 0, "the shortened timeout to fire");
    expect(loop.updateTimeout(999, 5)).toBe(false);
  });

  it("does not fire a due timer that an earlier timer of the same turn removed", async () => {
    const loop = newLoop();
    const order: string[] = [];
    let t2 = 0;
    let freed = 0;
    let inDispatch = false;
    let freedInside = false;
    loop.addTimeout(0, (t) => {
      inDispatch = true;
      order.push("t1");
      loop.removeTimeout(t2);
      loop.removeTimeout(t);
      inDispatch = false;
    });
    t2 = loop.addTimeout(
      0,
      () => order.push("t2"),
      () => {
        freed++;
        freedInside ||= inDispatch;
      },
    );
    await driver.until(loop, () => order.length > 0, "t1 to fire");
    await driver.turn(loop);
    expect(order).toEqual(["t1"]);
    expect(freed).toBe(1);
    expect(freedInside).toBe(false);
  });

  it("lets a timer remove itself: fired once, freed once", async () => {
    const loop = newLoop();
    let fires = 0;
    let frees = 0;
    loop.addTimeout(
      5,
      (t) => {
        fires++;
        loop.removeTimeout(t);
      },
      () => frees++,
    );
    await driver.until(loop, () => frees === 1, "the self-removed timer to be freed");
    await driver.advance(loop, 30);
    expect(fires).toBe(1);
    expect(frees).toBe(1);
  });

  it("runs every free callback exactly once, outside any dispatch, including at close", async () => {
    const loop = newLoop();
    const [ours] = await driver.pair();
    const frees: string[] = [];
    loop.addHandle(
      ours,
      0,
      () => {},
      () => frees.push("handle"),
    );
    loop.addTimeout(
      -1,
      () => {},
      () => frees.push("timer"),
    );
    await loop.close();
    expect(frees.sort()).toEqual(["handle", "timer"]);
    await loop.close();
    expect(frees).toHaveLength(2);
  });

  it("refuses new handles and timeouts after close with a typed error", async () => {
    const loop = newLoop();
    await loop.close();
    let caught: unknown;
    try {
      loop.addTimeout(0, () => {});
    } catch (e) {
      caught = e;
    }
    expect(isCoreError(caught, "VIRTEVENT_ERR_LOOP_CLOSED")).toBe(true);
  });

  it("rejects an out-of-range frequency or event mask with a typed error", () => {
    const loop = newLoop();
    expect(() => loop.addTimeout(-2, () => {})).toThrow(/frequency/);
    expect(() => loop.addTimeout(1.5, () => {})).toThrow(/frequency/);
    const t = loop.addTimeout(-1, () => {});
    expect(() => loop.updateTimeout(t, Number.NaN)).toThrow(/frequency/);
  });
}
