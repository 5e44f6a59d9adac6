import { inject, injectable } from "tsyringe";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Logger } from "../common/logger.js";
import { TOKENS } from "../di/tokens.js";
import { isCoreError } from "../errors/core-error.js";
import { defineDomainEvent } from "../events/domain-event-type.js";
import { EventLoopRegistry } from "../loop/event-loop-registry.js";
import { EventLoopLockedError } from "../loop/loop-errors.js";
import { definePlugin } from "../plugin/plugin.js";
import {
  defineProcessEvent,
  type ProcessEventHandler,
  type WorkerContext,
} from "../process/process-event.js";
import { ManualEventLoop } from "../testing/manual-event-loop.js";
import { createDaemon } from "./create-daemon.js";
import { createTestDaemon, settle, TestMonitor } from "./daemon-kit.test.util.js";

const Job = defineProcessEvent<{ n: number }>("test/job");
const Done = defineDomainEvent("job-done", z.object({ n: z.number() }));

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
