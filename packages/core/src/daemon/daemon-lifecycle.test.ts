import { injectable } from "tsyringe";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { toDisposable } from "../common/disposable.js";
import { defineDomainEvent } from "../events/domain-event-type.js";
import { LifecycleEvent } from "../events/lifecycle-event.js";
import { definePlugin } from "../plugin/plugin.js";
import { PluginValidationError } from "../plugin/plugin-errors.js";
import {
  defineProcessEvent,
  type ProcessEventHandler,
  type WorkerContext,
} from "../process/process-event.js";
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
