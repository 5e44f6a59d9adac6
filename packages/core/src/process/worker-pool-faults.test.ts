import { injectable } from "tsyringe";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { CommandChannel } from "../domain/command-channel.js";
import { DomainStaleError } from "../domain/domain-errors.js";
import { defineDomainEvent } from "../events/domain-event-type.js";
import { createPoolKit, deferred, flush } from "./pool-kit.test.util.js";
import {
  defineProcessEvent,
  type ProcessEventHandler,
  type WorkerContext,
} from "./process-event.js";
import { HandlerTimeoutError, WorkerPoolClosedError } from "./worker-errors.js";

const TrayMoved = defineProcessEvent<{ alias: string; open: boolean }>("test/tray-moved");
const TrayChange = defineDomainEvent("test-tray-change", z.object({ open: z.boolean() }));

describe("WorkerPoolImpl under faults (RELIABILITY.md)", () => {
  it("row 10: a worker whose domain restarts while it awaits does nothing more; the new incarnation is untouched", async () => {
    const kit = createPoolKit();
    const vm = kit.start("vm1");
    const reply = deferred<unknown>();
    const commands: string[] = [];
    const channelFor = (label: string): CommandChannel => ({
      async execute(command) {
        commands.push(`${label}:${command}`);
        return command === "query-block" && label === "old" ? reply.promise : {};
      },
    });
    kit.registry.attachChannel(vm, channelFor("old"));
    const seen: Array<{ incarnation: number; aborted: boolean; current: boolean }> = [];
    @injectable()
    class TrayWorker implements ProcessEventHandler<{ alias: string; open: boolean }> {
      async handle(p: { alias: string; open: boolean }, ctx: WorkerContext): Promise<void> {
        await ctx.channel().execute("query-block", {}, { signal: ctx.signal });
        seen.push({
          incarnation: ctx.domain.incarnation,
          aborted: ctx.signal.aborted,
          current: ctx.isCurrent(),
        });
        if (!ctx.isCurrent()) return;
        await ctx.channel().execute("eject", { id: p.alias });
        ctx.emit(TrayChange, { open: p.open });
      }
    }
    kit.pool.registerHandler(TrayMoved, TrayWorker, { plugin: "tray" });
    kit.pool.submit(vm, TrayMoved, { alias: "cd0", open: true });
    kit.pool.submit(vm, TrayMoved, { alias: "cd0", open: false }); // queued behind, same incarnation
    await flush();
    expect(commands).toEqual(["old:query-block"]);

    kit.registry.markStopped(vm, "crashed");
    kit.registry.markStarted(vm);
    kit.registry.attachChannel(vm, channelFor("new"));
    kit.pool.submit(vm, TrayMoved, { alias: "cd1", open: true });
    reply.resolve({}); // the old monitor's reply arrives late
    await flush();

    expect(seen[0]).toEqual({ incarnation: 1, aborted: true, current: false });
    expect(seen[1]).toEqual({ incarnation: 2, aborted: false, current: true });
    expect(seen).toHaveLength(2); // the queued event of incarnation 1 never ran
    expect(commands).toEqual(["old:query-block", "new:query-block", "new:eject"]);
    expect(kit.sink.queued).toEqual([
      { event: "test-tray-change", domainUuid: vm, data: { open: true } },
    ]);
    expect(kit.pool.stats().staleDrops).toBe(1);
  });

  it("row 10: a stale context refuses channel(), emit() and throwIfStale()", async () => {
    const kit = createPoolKit();
    const vm = kit.start("vm1");
    const hold = deferred();
    const results: string[] = [];
    const done = kit.pool.runInLane(vm, { plugin: "p", label: "held" }, async (ctx) => {
      await hold.promise;
      ctx.emit(TrayChange, { open: true });
      results.push(ctx.signal.reason instanceof DomainStaleError ? "stale-reason" : "other");
      try {
        ctx.channel();
      } catch (e) {
        results.push((e as Error).name);
      }
      ctx.throwIfStale();
      results.push("not reached");
    });
    await flush();
    kit.registry.remove(vm);
    hold.resolve();
    expect(await done).toBe("cancelled");
    expect(results).toEqual(["stale-reason", "DomainStaleError"]);
    expect(kit.sink.queued).toEqual([]);
    expect(kit.pool.stats()).toMatchObject({ staleEmits: 1 });
    expect(kit.pool.stats().plugins.p).toMatchObject({ cancelled: 1, errors: 0 });
  });

  it("row 11: a 10k storm coalesced per device runs a bounded number of times and ends on the last payload", async () => {
    const kit = createPoolKit();
    const stormy = kit.start("stormy");
    const calm = kit.start("calm");
    const runs: Array<{ domain: string; alias: string; open: boolean }> = [];
    const hold = deferred();
    @injectable()
    class TrayWorker implements ProcessEventHandler<{ alias: string; open: boolean }> {
      async handle(p: { alias: string; open: boolean }, ctx: WorkerContext): Promise<void> {
        runs.push({ domain: ctx.domain.name, ...p });
        if (ctx.domain.name === "stormy" && runs.length === 1) await hold.promise;
      }
    }
    kit.pool.registerHandler(TrayMoved, TrayWorker, { plugin: "tray" });
    kit.pool.submit(stormy, TrayMoved, { alias: "cd0", open: true }, { coalesceKey: "cd0" });
    await flush(); // the first one is running, held
    let maxQueued = 0;
    for (let i = 0; i < 10_000; i++) {
      kit.pool.submit(
        stormy,
        TrayMoved,
        { alias: "cd0", open: i % 2 === 0 },
        { coalesceKey: "cd0" },
      );
      kit.pool.submit(
        stormy,
        TrayMoved,
        { alias: "cd1", open: i % 3 === 0 },
        { coalesceKey: "cd1" },
      );
      if (i === 5_000) kit.pool.submit(calm, TrayMoved, { alias: "cd9", open: true });
      maxQueued = Math.max(maxQueued, kit.pool.stats().queued);
    }
    await flush();
    // The calm domain ran while the stormy one was busy.
    expect(runs.filter((r) => r.domain === "calm")).toEqual([
      { domain: "calm", alias: "cd9", open: true },
    ]);
    hold.resolve();
    await flush();
    const stormyRuns = runs.filter((r) => r.domain === "stormy");
    expect(stormyRuns).toEqual([
      { domain: "stormy", alias: "cd0", open: true },
      { domain: "stormy", alias: "cd0", open: false }, // i = 9999 is odd
      { domain: "stormy", alias: "cd1", open: true }, // 9999 % 3 === 0
    ]);
    expect(maxQueued).toBeLessThanOrEqual(3);
    expect(kit.pool.stats()).toMatchObject({ coalesced: 19_998, overflowDrops: 0, queued: 0 });
  });

  it("a full lane drops new events, counted and logged when the episode starts and ends", async () => {
    const kit = createPoolKit({ laneQueueLimit: 3 });
    const vm = kit.start("vm1");
    const other = kit.start("vm2");
    const ran: number[] = [];
    const Num = defineProcessEvent<number>("test/num");
    @injectable()
    class NumWorker implements ProcessEventHandler<number> {
      handle(n: number): void {
        ran.push(n);
      }
    }
    kit.pool.registerHandler(Num, NumWorker, { plugin: "num" });
    for (let n = 1; n <= 10; n++) kit.pool.submit(vm, Num, n);
    kit.pool.submit(other, Num, 100);
    await flush();
    expect(ran).toEqual([1, 100, 2, 3]);
    expect(kit.pool.stats().overflowDrops).toBe(7);
    const warns = kit.logs.filter((l) => l.level === 40);
    expect(warns.map((l) => [l.msg, l.dropped ?? l.limit])).toEqual([
      ["domain lane full: new events are dropped until it has room", 3],
      ["domain lane has room again; events were dropped while it was full", 7],
    ]);
  });

  it("row 13: sync throws and async rejections are caught, logged with the plugin and counted; a healthy plugin is unaffected", async () => {
    const kit = createPoolKit();
    const vm = kit.start("vm1");
    const Bad = defineProcessEvent<"sync" | "async">("test/bad");
    const Good = defineProcessEvent<number>("test/good");
    const good: number[] = [];
    @injectable()
    class BadWorker implements ProcessEventHandler<"sync" | "async"> {
      handle(how: "sync" | "async"): Promise<void> | void {
        if (how === "sync") throw new Error("sync boom");
        return Promise.reject(new Error("async boom"));
      }
    }
    @injectable()
    class GoodWorker implements ProcessEventHandler<number> {
      handle(n: number): void {
        good.push(n);
      }
    }
    kit.pool.registerHandler(Bad, BadWorker, { plugin: "bad" });
    kit.pool.registerHandler(Good, GoodWorker, { plugin: "good" });
    kit.pool.submit(vm, Good, 1);
    kit.pool.submit(vm, Bad, "sync");
    kit.pool.submit(vm, Good, 2);
    kit.pool.submit(vm, Bad, "async");
    kit.pool.submit(vm, Good, 3);
    await flush();
    expect(good).toEqual([1, 2, 3]);
    const { plugins } = kit.pool.stats();
    expect(plugins.bad).toMatchObject({ errors: 2, completed: 0 });
    expect(plugins.good).toMatchObject({ errors: 0, completed: 3 });
    const errors = kit.logs.filter((l) => l.level === 50);
    expect(errors.map((l) => [l.plugin, l.event, (l.err as { message: string }).message])).toEqual([
      ["bad", "test/bad", "sync boom"],
      ["bad", "test/bad", "async boom"],
    ]);
  });

  it("row 14: a hanging handler times out, is reported stuck, and other domains keep flowing", async () => {
    const kit = createPoolKit({ maxConcurrency: 1, handlerTimeoutMs: 100, abortGraceMs: 50 });
    const hung = kit.start("hung");
    const healthy = kit.start("healthy");
    const Job = defineProcessEvent<string>("test/job");
    const ran: string[] = [];
    const release = deferred();
    let hungSignal: AbortSignal | undefined;
    @injectable()
    class Worker implements ProcessEventHandler<string> {
      async handle(what: string, ctx: WorkerContext): Promise<void> {
        ran.push(`${ctx.domain.name}:${what}`);
        if (what === "hang") {
          hungSignal = ctx.signal;
          await release.promise; // ignores its signal
        }
      }
    }
    kit.pool.registerHandler(Job, Worker, { plugin: "sticky" });
    kit.pool.submit(hung, Job, "hang");
    kit.pool.submit(hung, Job, "after");
    kit.pool.submit(healthy, Job, "one");
    await flush();
    expect(ran).toEqual(["hung:hang"]); // the single slot is taken

    kit.loop.advance(100);
    expect(hungSignal?.aborted).toBe(true);
    expect(hungSignal?.reason).toBeInstanceOf(HandlerTimeoutError);
    kit.loop.advance(50);
    await flush();
    expect(ran).toEqual(["hung:hang", "healthy:one"]);
    kit.pool.submit(healthy, Job, "two");
    await flush();
    expect(ran).toEqual(["hung:hang", "healthy:one", "healthy:two"]);
    const stats = kit.pool.stats();
    expect(stats.stuckLanes).toBe(1);
    expect(stats.lanes).toEqual([
      {
        domainUuid: hung,
        queued: 1,
        running: true,
        overflowDrops: 0,
        stuck: { plugin: "sticky", event: "test/job" },
      },
    ]);
    expect(stats.plugins.sticky).toMatchObject({ timeouts: 1, stuck: 1, completed: 2 });
    expect(
      kit.logs.some((l) => l.level === 50 && l.plugin === "sticky" && l.domain === "hung"),
    ).toBe(true);

    release.resolve(); // it finally settles: the lane resumes in order
    await flush();
    expect(ran.at(-1)).toBe("hung:after");
    expect(kit.pool.stats()).toMatchObject({ stuckLanes: 0, lateSettles: 1, lanes: [] });
  });

  it("drain waits for queued and running jobs, then aborts what is left at the deadline", async () => {
    const kit = createPoolKit();
    const vm = kit.start("vm1");
    const quick = deferred();
    const quickDone = kit.pool.runInLane(vm, { plugin: "p", label: "quick" }, () => quick.promise);
    let abortReason: unknown;
    const stuck = kit.pool.runInLane(vm, { plugin: "p", label: "stuck" }, (ctx) => {
      ctx.signal.addEventListener("abort", () => {
        abortReason = ctx.signal.reason;
      });
      return new Promise<void>(() => {});
    });
    const queued = kit.pool.runInLane(kit.start("vm2"), { plugin: "p", label: "q" }, () => {});
    await flush();
    const drained = kit.pool.drain(1_000);
    quick.resolve();
    await flush();
    expect(await quickDone).toBe("done");
    expect(await queued).toBe("done");
    kit.loop.advance(1_000);
    expect(await drained).toEqual({ drained: false, abandoned: 1 });
    expect(await stuck).toBe("closed");
    expect(abortReason).toBeInstanceOf(WorkerPoolClosedError);
    expect(await kit.pool.runInLane(vm, { plugin: "p", label: "late" }, () => {})).toBe("closed");
  });
});
