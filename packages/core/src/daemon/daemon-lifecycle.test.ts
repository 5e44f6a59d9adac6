import { inject, injectable } from "tsyringe";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { toDisposable } from "../common/disposable.js";
import type { Logger } from "../common/logger.js";
import { TOKENS } from "../di/tokens.js";
import { isCoreError } from "../errors/core-error.js";
import { defineDomainEvent } from "../events/domain-event-type.js";
import { LifecycleEvent } from "../events/lifecycle-event.js";
import { EventLoopRegistry } from "../loop/event-loop-registry.js";
import { EventLoopLockedError } from "../loop/loop-errors.js";
import { definePlugin } from "../plugin/plugin.js";
import { PluginValidationError } from "../plugin/plugin-errors.js";
import {
  defineProcessEvent,
  type ProcessEventHandler,
  type WorkerContext,
} from "../process/process-event.js";
import { ManualEventLoop } from "../testing/manual-event-loop.js";
import { createDaemon } from "./create-daemon.js";
import { createTestDaemon, deferred, settle, TestMonitor } from "./daemon-kit.test.util.js";

const Job = defineProcessEvent<{ n: number }>("test/job");
const Done = defineDomainEvent("job-done", z.object({ n: z.number() }));

describe("createDaemon: start and close", () => {
  it("close() drains in-flight workers, flushes pending events, disposes plugins LIFO, then closes the loop", async () => {
    const order: string[] = [];
    const release = deferred();
    @injectable()
    class SlowWorker implements ProcessEventHandler<{ n: number }> {
      async handle(p: { n: number }, ctx: WorkerContext) {
        await release.promise;
        order.push("worker finished");
        ctx.emit(Done, p);
      }
    }
    const mk = (name: string, extra = {}) =>
      definePlugin({
        name,
        core: "*",
        ...extra,
        setup: (ctx) => void ctx.addDisposable(toDisposable(() => order.push(`${name} disposed`))),
      });
    const jobs = definePlugin({
      name: "jobs",
      core: "*",
      workers: [{ event: Job, handler: SlowWorker }],
      domainEvents: [Done],
      setup: (ctx) => void ctx.addDisposable(toDisposable(() => order.push("jobs disposed"))),
    });
    const { daemon, loop } = createTestDaemon({ plugins: [mk("first"), jobs, mk("last")] });
    const realClose = loop.close.bind(loop);
    loop.close = async () => {
      order.push("loop closed");
      await realClose();
    };
    await daemon.start();
    const vm = daemon.domains.define({ name: "vm1" });
    await new TestMonitor(daemon, vm.uuid).connect();
    daemon.events.registerAny({
      event: Done,
      callback: (_d, data) => order.push(`event ${data.n}`),
    });
    daemon.workers.submit(vm.uuid, Job, { n: 7 });
    await settle();
    expect(order).toEqual([]);

    const closed = daemon.close({ deadlineMs: 60_000 });
    expect(daemon.state).toBe("closing");
    release.resolve();
    const result = await closed;
    expect(order).toEqual([
      "worker finished",
      "event 7",
      "last disposed",
      "jobs disposed",
      "first disposed",
      "loop closed",
    ]);
    expect(result.drain).toEqual({ drained: true, abandoned: 0 });
    expect(result.flushedEvents).toBe(1);
    expect(daemon.state).toBe("closed");
    expect(loop.timeoutCount).toBe(0);
    await expect(daemon.close()).resolves.toBe(result);
  });

  it("close() abandons a worker that outlives the deadline and still completes", async () => {
    @injectable()
    class Hung implements ProcessEventHandler<{ n: number }> {
      handle(): Promise<void> {
        return new Promise(() => {});
      }
    }
    const { daemon, loop } = createTestDaemon({
      plugins: [
        definePlugin({ name: "hung", core: "*", workers: [{ event: Job, handler: Hung }] }),
      ],
    });
    await daemon.start();
    const vm = daemon.domains.define({ name: "vm1" });
    daemon.domains.markStarted(vm.uuid);
    daemon.workers.submit(vm.uuid, Job, { n: 1 });
    await settle();
    const closed = daemon.close({ deadlineMs: 500 });
    await settle();
    loop.advance(500);
    const result = await closed;
    expect(result.drain.drained).toBe(false);
    expect(result.drain.abandoned).toBe(1);
    expect(daemon.state).toBe("closed");
  });

  it("queues core's LIFECYCLE event for every domain transition", async () => {
    const { daemon, loop } = createTestDaemon();
    await daemon.start();
    const got: unknown[] = [];
    daemon.events.registerAny({
      event: LifecycleEvent,
      callback: (d, ev) => got.push([d.name, ev]),
    });
    const vm = daemon.domains.define({ name: "vm1" });
    daemon.domains.markStarted(vm.uuid);
    daemon.domains.markSuspended(vm.uuid);
    daemon.domains.markResumed(vm.uuid);
    daemon.domains.markStopped(vm.uuid, "shutdown");
    expect(got).toEqual([]);
    loop.runOnce();
    expect(got).toEqual([
      ["vm1", { event: "started", incarnation: 1 }],
      ["vm1", { event: "suspended", incarnation: 1 }],
      ["vm1", { event: "resumed", incarnation: 1 }],
      ["vm1", { event: "stopped", reason: "shutdown", incarnation: 1 }],
    ]);
    expect(daemon.events.getEventType("lifecycle")).toBe(LifecycleEvent);
    await daemon.close();
  });

  it("refuses an invalid plugin set at start with nothing set up, and closes", async () => {
    let ran = false;
    const { daemon, loop } = createTestDaemon({
      plugins: [
        definePlugin({
          name: "ok",
          core: "*",
          setup: () => {
            ran = true;
          },
        }),
        definePlugin({ name: "old", core: "^99.0.0" }),
      ],
    });
    const err = await daemon.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PluginValidationError);
    expect((err as PluginValidationError).message).toMatch(/plugin "old", field core/);
    expect(ran).toBe(false);
    expect(daemon.state).toBe("closed");
    expect(() => loop.addTimeout(-1, () => {})).toThrow(/closed/);
  });

  it("stops setting plugins up when closed during start, and start() then rejects", async () => {
    const gate = deferred();
    const ran: string[] = [];
    const { daemon } = createTestDaemon({
      plugins: [
        definePlugin({
          name: "slow",
          core: "*",
          setup: async () => {
            ran.push("slow");
            await gate.promise;
          },
        }),
        definePlugin({
          name: "next",
          core: "*",
          setup: () => {
            ran.push("next");
          },
        }),
      ],
    });
    const starting = daemon.start();
    await settle();
    const closed = daemon.close();
    gate.resolve();
    await expect(starting).rejects.toMatchObject({ code: "VIRTEVENT_ERR_DAEMON_STATE" });
    await closed;
    expect(ran).toEqual(["slow"]);
    expect(daemon.state).toBe("closed");
  });

  it("rejects start() with the original error when a core service cannot be built, and still closes", async () => {
    const { daemon, loop } = createTestDaemon({ workerPool: { maxConcurrency: 0 } });
    await expect(daemon.start()).rejects.toMatchObject({
      message: expect.stringMatching(/maxConcurrency/),
    });
    expect(daemon.state).toBe("closed");
    expect(() => loop.addTimeout(-1, () => {})).toThrow(/closed/);
  });

  it("refuses a second start with a typed error", async () => {
    const { daemon } = createTestDaemon();
    await daemon.start();
    await expect(daemon.start()).rejects.toMatchObject({ code: "VIRTEVENT_ERR_DAEMON_STATE" });
    await daemon.close();
    await expect(daemon.reload()).rejects.toMatchObject({ code: "VIRTEVENT_ERR_DAEMON_STATE" });
  });
});

describe("createDaemon: the loop (RELIABILITY row 16)", () => {
  it("may be re-selected before use, and refuses a swap after start with EventLoopLockedError", async () => {
    const registry = new EventLoopRegistry();
    const made: ManualEventLoop[] = [];
    registry.register("virtual", () => {
      const l = new ManualEventLoop();
      made.push(l);
      return l;
    });
    const daemon = createDaemon({ loop: "virtual", loopRegistry: registry });
    const chosen = new ManualEventLoop();
    expect(daemon.selectLoop(chosen)).toBe(chosen);
    await daemon.start();
    expect(daemon.loop).toBe(chosen);
    let caught: unknown;
    try {
      daemon.selectLoop("virtual");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(EventLoopLockedError);
    expect(isCoreError(caught, "VIRTEVENT_ERR_LOOP_LOCKED")).toBe(true);
    expect(() => daemon.selectLoop(new ManualEventLoop())).toThrow(EventLoopLockedError);
    expect(daemon.loop).toBe(chosen);
    // Registering a new implementation name after start changes nothing for this daemon.
    registry.register("later", () => new ManualEventLoop());
    expect(daemon.loop).toBe(chosen);
    await daemon.close();
  });

  it("locks the loop as soon as a service uses it, before start", async () => {
    const { daemon } = createTestDaemon();
    daemon.events.registerAny({ callback: () => {} });
    expect(() => daemon.selectLoop(new ManualEventLoop())).toThrow(EventLoopLockedError);
    await daemon.close();
  });

  it("runs on the node loop by default and closes it", async () => {
    const daemon = createDaemon();
    await daemon.start();
    expect(daemon.loop.name).toBe("node");
    await daemon.close();
    expect(() => daemon.loop.addTimeout(-1, () => {})).toThrow(/closed/);
  });
});

describe("createDaemon: isolation", () => {
  it("two daemons in one process share nothing (containers, services, registrations, events)", async () => {
    @injectable()
    class Recorder implements ProcessEventHandler<{ n: number }> {
      constructor(@inject(TOKENS.Logger) private readonly logger: Logger) {}
      handle(p: { n: number }, ctx: WorkerContext) {
        this.logger.info({ n: p.n }, "job");
        ctx.emit(Done, p);
      }
    }
    // The same plugin object in both daemons: its worker type, event id and monitor event
    // are registered once per daemon, without conflicts.
    const plugin = definePlugin({
      name: "shared",
      core: "*",
      workers: [{ event: Job, handler: Recorder }],
      domainEvents: [Done],
      qmpEvents: {
        JOB: {
          schema: z.object({ n: z.number() }),
          onEvent: (ctx, _d, data) => ctx.submit(Job, data),
        },
      },
    });
    const a = createTestDaemon({ plugins: [plugin] });
    const b = createTestDaemon({ plugins: [plugin] });
    await a.daemon.start();
    await b.daemon.start();
    expect(a.daemon.container).not.toBe(b.daemon.container);
    expect(a.daemon.events).not.toBe(b.daemon.events);
    expect(a.daemon.workers).not.toBe(b.daemon.workers);
    expect(a.daemon.domains).not.toBe(b.daemon.domains);
    expect(a.daemon.container.resolve(TOKENS.DomainEventState)).toBe(a.daemon.events);

    const vmA = a.daemon.domains.define({ name: "vm" });
    const vmB = b.daemon.domains.define({ name: "vm" });
    expect(vmA.uuid).not.toBe(vmB.uuid);
    const gotA: number[] = [];
    const gotB: number[] = [];
    a.daemon.events.registerAny({ event: Done, callback: (_d, x) => gotA.push(x.n) });
    b.daemon.events.registerAny({ event: Done, callback: (_d, x) => gotB.push(x.n) });
    const monA = new TestMonitor(a.daemon, vmA.uuid);
    await monA.connect();
    await new TestMonitor(b.daemon, vmB.uuid).connect();
    monA.event("JOB", { n: 1 });
    await settle();
    a.loop.runOnce();
    b.loop.runOnce();
    expect(gotA).toEqual([1]);
    expect(gotB).toEqual([]);
    expect(a.logs.some((l) => l.msg === "job")).toBe(true);
    expect(b.logs.some((l) => l.msg === "job")).toBe(false);

    await a.daemon.close();
    const monB = new TestMonitor(b.daemon, vmB.uuid);
    monB.event("JOB", { n: 2 });
    await settle();
    b.loop.runOnce();
    expect(gotB).toEqual([2]);
    await b.daemon.close();
  });
});
