import { injectable } from "tsyringe";
import { describe, expect, it, vi } from "vitest";
import { createSilentLogger } from "../common/logger.js";
import type { EventLoopImpl } from "../loop/event-loop-impl.js";
import type { ManualEventLoop } from "../testing/manual-event-loop.js";
import { createPoolKit, flush } from "./pool-kit.test.util.js";
import {
  defineProcessEvent,
  type ProcessEventHandler,
  type WorkerContext,
} from "./process-event.js";
import { HandlerTimeoutError } from "./worker-errors.js";
import { WorkerPoolImpl } from "./worker-pool-impl.js";

const Wait = defineProcessEvent<string>("test/wait");
const Quick = defineProcessEvent<number>("test/quick");

/** Runs until its signal aborts, recording when (in the loop's virtual time). */
function abortRecorder(loop: ManualEventLoop) {
  const aborted: Array<[string, number]> = [];
  @injectable()
  class Waiter implements ProcessEventHandler<string> {
    handle(id: string, ctx: WorkerContext): Promise<void> {
      return new Promise((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => {
          aborted.push([id, loop.now()]);
          reject(ctx.signal.reason);
        });
      });
    }
  }
  return { aborted, Waiter };
}

/** A loop that forwards to a ManualEventLoop but has no clock (like a third-party wrapper). */
function clocklessLoop(inner: ManualEventLoop): EventLoopImpl {
  return {
    name: "clockless",
    addHandle: (...args) => inner.addHandle(...args),
    updateHandle: (...args) => inner.updateHandle(...args),
    removeHandle: (...args) => inner.removeHandle(...args),
    addTimeout: (...args) => inner.addTimeout(...args),
    updateTimeout: (...args) => inner.updateTimeout(...args),
    removeTimeout: (...args) => inner.removeTimeout(...args),
    close: () => inner.close(),
  };
}

describe("WorkerPoolImpl deadlines", () => {
  it("serves every running job with one loop timeout; each times out at its own deadline", async () => {
    const kit = createPoolKit({ handlerTimeoutMs: 100 });
    const [a, b, c] = ["a", "b", "c"].map((n) => kit.start(n));
    const { aborted, Waiter } = abortRecorder(kit.loop);
    kit.pool.registerHandler(Wait, Waiter, { plugin: "p" });
    kit.pool.submit(a, Wait, "a");
    await flush();
    kit.loop.advance(30);
    kit.pool.submit(b, Wait, "b");
    await flush();
    kit.loop.advance(30);
    kit.pool.submit(c, Wait, "c");
    await flush();
    expect(kit.pool.stats().running).toBe(3);
    expect(kit.loop.timeoutCount).toBe(1);

    kit.loop.advance(39); // t = 99
    expect(aborted).toEqual([]);
    kit.loop.advance(1);
    expect(aborted).toEqual([["a", 100]]);
    kit.loop.advance(60);
    expect(aborted).toEqual([
      ["a", 100],
      ["b", 130],
      ["c", 160],
    ]);
    await flush();
    expect(kit.pool.stats().plugins.p).toMatchObject({ timeouts: 3, stuck: 0 });
    // Settling does not touch the timeout (lazy); when it next fires and finds nothing
    // running, it goes away.
    expect(kit.loop.timeoutCount).toBe(1);
    kit.loop.advance(1_000);
    expect(kit.loop.timeoutCount).toBe(0);
  });

  it("re-arms earlier for a job whose registration has a shorter timeout", async () => {
    const kit = createPoolKit({ handlerTimeoutMs: 1_000 });
    const { aborted, Waiter } = abortRecorder(kit.loop);
    @injectable()
    class Short extends Waiter {}
    const ShortWait = defineProcessEvent<string>("test/short-wait");
    kit.pool.registerHandler(Wait, Waiter, { plugin: "p" });
    kit.pool.registerHandler(ShortWait, Short, { plugin: "p", timeoutMs: 20 });
    kit.pool.submit(kit.start("a"), Wait, "long");
    await flush();
    kit.loop.advance(5);
    kit.pool.submit(kit.start("b"), ShortWait, "short");
    await flush();
    kit.loop.advance(20);
    expect(aborted).toEqual([["short", 25]]);
    kit.loop.advance(975);
    expect(aborted).toEqual([
      ["short", 25],
      ["long", 1_000],
    ]);
  });

  it("arms nothing for handlers that complete synchronously", async () => {
    const kit = createPoolKit();
    const ran: number[] = [];
    @injectable()
    class Sync implements ProcessEventHandler<number> {
      handle(n: number): void {
        ran.push(n);
      }
    }
    kit.pool.registerHandler(Quick, Sync, { plugin: "p" });
    const addTimeout = vi.spyOn(kit.loop, "addTimeout");
    const vm = kit.start("vm1");
    for (let n = 0; n < 100; n++) kit.pool.submit(vm, Quick, n);
    await flush();
    expect(ran).toHaveLength(100);
    expect(addTimeout).not.toHaveBeenCalled();
    expect(kit.pool.stats().plugins.p.completed).toBe(100);
  });

  it("times out, declares stuck and lets the lane resume across one timeout", async () => {
    const kit = createPoolKit({ handlerTimeoutMs: 100, abortGraceMs: 50 });
    const vm = kit.start("vm1");
    const other = kit.start("vm2");
    let release: () => void = () => {};
    const ran: string[] = [];
    @injectable()
    class Deaf implements ProcessEventHandler<string> {
      handle(id: string): Promise<void> | void {
        ran.push(id);
        if (id === "deaf") return new Promise<void>((resolve) => (release = resolve));
      }
    }
    kit.pool.registerHandler(Wait, Deaf, { plugin: "p" });
    kit.pool.submit(vm, Wait, "deaf");
    kit.pool.submit(vm, Wait, "next");
    const { aborted, Waiter } = abortRecorder(kit.loop);
    const OtherWait = defineProcessEvent<string>("test/other-wait");
    kit.pool.registerHandler(OtherWait, Waiter, { plugin: "q" });
    await flush();
    kit.loop.advance(120);
    kit.pool.submit(other, OtherWait, "late"); // started at t = 120, due at 220
    await flush();
    kit.loop.advance(30); // t = 150: the deaf job is stuck
    expect(kit.pool.stats().stuckLanes).toBe(1);
    expect(aborted).toEqual([]);
    kit.loop.advance(70);
    expect(aborted).toEqual([["late", 220]]);
    release();
    await flush();
    expect(ran).toEqual(["deaf", "next"]);
    expect(kit.pool.stats()).toMatchObject({ stuckLanes: 0, lateSettles: 1 });
  });

  it("gives each deadline its own timeout on a loop without a clock", async () => {
    const kit = createPoolKit();
    const loop = clocklessLoop(kit.loop);
    const pool = new WorkerPoolImpl(loop, createSilentLogger(), kit.registry, kit.container, {
      handlerTimeoutMs: 100,
    });
    const { aborted, Waiter } = abortRecorder(kit.loop);
    pool.registerHandler(Wait, Waiter, { plugin: "p" });
    pool.submit(kit.start("a"), Wait, "a");
    await flush();
    kit.loop.advance(40);
    pool.submit(kit.start("b"), Wait, "b");
    await flush();
    expect(kit.loop.timeoutCount).toBe(2);
    kit.loop.advance(60);
    expect(aborted).toEqual([["a", 100]]);
    kit.loop.advance(40);
    expect(aborted).toEqual([
      ["a", 100],
      ["b", 140],
    ]);
    await flush();
    expect(kit.loop.timeoutCount).toBe(0);
    expect(pool.stats().plugins.p.timeouts).toBe(2);
  });

  it("leaves no timeout on the loop once drained", async () => {
    const kit = createPoolKit();
    let finish: () => void = () => {};
    const done = kit.pool.runInLane(kit.start("vm1"), { plugin: "p", label: "slow" }, () => {
      return new Promise<void>((resolve) => (finish = resolve));
    });
    await flush();
    expect(kit.loop.timeoutCount).toBe(1);
    const drained = kit.pool.drain(5_000);
    finish();
    expect(await done).toBe("done");
    expect(await drained).toEqual({ drained: true, abandoned: 0 });
    expect(kit.loop.timeoutCount).toBe(0);
  });

  it("aborts with HandlerTimeoutError naming the handler's own timeout", async () => {
    const kit = createPoolKit({ handlerTimeoutMs: 50 });
    let reason: unknown;
    const outcome = kit.pool.runInLane(
      kit.start("vm1"),
      { plugin: "p", label: "own", timeoutMs: 10 },
      (ctx) =>
        new Promise<void>((_resolve, reject) =>
          ctx.signal.addEventListener("abort", () => {
            reason = ctx.signal.reason;
            reject(reason);
          }),
        ),
    );
    await flush();
    kit.loop.advance(10);
    expect(await outcome).toBe("timed-out");
    expect(reason).toBeInstanceOf(HandlerTimeoutError);
    expect((reason as HandlerTimeoutError).timeoutMs).toBe(10);
  });
});
