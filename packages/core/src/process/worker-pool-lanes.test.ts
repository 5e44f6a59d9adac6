import { inject, injectable } from "tsyringe";
import { describe, expect, it } from "vitest";
import { createToken } from "../di/tokens.js";
import { isCoreError } from "../errors/core-error.js";
import { createPoolKit, type Deferred, deferred, flush } from "./pool-kit.test.util.js";
import {
  defineProcessEvent,
  type ProcessEventHandler,
  type WorkerContext,
} from "./process-event.js";

const Step = defineProcessEvent<{ n: number }>("test/step");

/** Records starts and ends; each run waits on a deferred the test resolves. */
function gatedHandler() {
  const log: string[] = [];
  const gates = new Map<string, Deferred>();
  const gate = (id: string): Deferred => {
    let d = gates.get(id);
    if (d === undefined) {
      d = deferred();
      gates.set(id, d);
    }
    return d;
  };
  @injectable()
  class Gated implements ProcessEventHandler<{ n: number }> {
    async handle(p: { n: number }, ctx: WorkerContext): Promise<void> {
      const id = `${ctx.domain.name}#${p.n}`;
      log.push(`start ${id}`);
      await gate(id).promise;
      log.push(`end ${id}`);
    }
  }
  return { log, gate, Gated };
}

describe("WorkerPoolImpl lanes", () => {
  it("runs one domain's events in order and different domains in parallel", async () => {
    const kit = createPoolKit();
    const a = kit.start("a");
    const b = kit.start("b");
    const { log, gate, Gated } = gatedHandler();
    kit.pool.registerHandler(Step, Gated, { plugin: "p" });
    for (const n of [1, 2, 3]) kit.pool.submit(a, Step, { n });
    for (const n of [1, 2]) kit.pool.submit(b, Step, { n });
    expect(log).toEqual([]); // nothing runs inside submit()
    await flush();
    expect(log).toEqual(["start a#1", "start b#1"]);
    gate("b#1").resolve();
    await flush();
    expect(log.slice(2)).toEqual(["end b#1", "start b#2"]); // b moves on while a#1 still runs
    gate("a#2").resolve(); // opening a later gate early changes nothing: FIFO
    gate("a#1").resolve();
    await flush();
    gate("a#3").resolve();
    gate("b#2").resolve();
    await flush();
    const ofA = log.filter((l) => l.includes(" a#"));
    expect(ofA).toEqual(["start a#1", "end a#1", "start a#2", "end a#2", "start a#3", "end a#3"]);
    expect(kit.pool.stats()).toMatchObject({ running: 0, queued: 0, lanes: [] });
    expect(kit.pool.stats().plugins.p.completed).toBe(5);
  });

  it("never runs more than maxConcurrency handlers, giving free slots to lanes in turn", async () => {
    const kit = createPoolKit({ maxConcurrency: 2 });
    const [a, b, c] = ["a", "b", "c"].map((n) => kit.start(n));
    const { log, gate, Gated } = gatedHandler();
    kit.pool.registerHandler(Step, Gated, { plugin: "p" });
    kit.pool.submit(a, Step, { n: 1 });
    kit.pool.submit(a, Step, { n: 2 });
    kit.pool.submit(b, Step, { n: 1 });
    kit.pool.submit(c, Step, { n: 1 });
    await flush();
    expect(log).toEqual(["start a#1", "start b#1"]);
    expect(kit.pool.stats().running).toBe(2);
    gate("a#1").resolve();
    await flush();
    // c waited longer than a's second event: it gets the slot.
    expect(log.slice(2)).toEqual(["end a#1", "start c#1"]);
    gate("b#1").resolve();
    await flush();
    expect(log.slice(4)).toEqual(["end b#1", "start a#2"]);
  });

  it("runs synchronous handlers back to back, FIFO per domain, lanes taking turns, never inside submit()", async () => {
    const kit = createPoolKit({ maxConcurrency: 1 });
    const [a, b] = ["a", "b"].map((n) => kit.start(n));
    const ran: string[] = [];
    @injectable()
    class Sync implements ProcessEventHandler<{ n: number }> {
      handle(p: { n: number }, ctx: WorkerContext): void {
        ran.push(`${ctx.domain.name}#${p.n}`);
        if (p.n === 1) kit.pool.submit(ctx.domain.uuid, Step, { n: 9 }); // queued behind
      }
    }
    kit.pool.registerHandler(Step, Sync, { plugin: "p" });
    for (const n of [1, 2, 3]) kit.pool.submit(a, Step, { n });
    for (const n of [1, 2]) kit.pool.submit(b, Step, { n });
    expect(ran).toEqual([]);
    await Promise.resolve(); // one microtask: the whole backlog ran in one pump
    expect(ran).toEqual(["a#1", "b#1", "a#2", "b#2", "a#3", "b#9", "a#9"]);
    expect(kit.pool.stats()).toMatchObject({ running: 0, queued: 0, lanes: [] });
    expect(kit.pool.stats().plugins.p.completed).toBe(7);
  });

  it("resolves handlers from the given container with their injected services", async () => {
    const kit = createPoolKit();
    const Greeting = createToken<string>("test", "Greeting");
    const seen: string[] = [];
    @injectable()
    class Greeter implements ProcessEventHandler<{ n: number }> {
      constructor(@inject(Greeting) private readonly greeting: string) {}
      handle(p: { n: number }, ctx: WorkerContext): void {
        seen.push(`${this.greeting} ${ctx.domain.name} ${p.n} ${ctx.plugin}`);
      }
    }
    const pluginContainer = kit.container.createChildContainer();
    pluginContainer.register(Greeting, { useValue: "hello" });
    kit.pool.registerHandler(Step, Greeter, { plugin: "greeter", container: pluginContainer });
    kit.pool.submit(kit.start("vm1"), Step, { n: 7 });
    await flush();
    expect(seen).toEqual(["hello vm1 7 greeter"]);
  });

  it("one handler per type; disposing the registration frees the type", () => {
    const kit = createPoolKit();
    const { Gated } = gatedHandler();
    const reg = kit.pool.registerHandler(Step, Gated, { plugin: "first" });
    let code: string | undefined;
    try {
      kit.pool.registerHandler(Step, Gated, { plugin: "second" });
    } catch (e) {
      code = isCoreError(e) ? e.code : "other";
    }
    expect(code).toBe("VIRTEVENT_ERR_HANDLER_EXISTS");
    reg.dispose();
    expect(() => kit.pool.registerHandler(Step, Gated, { plugin: "second" })).not.toThrow();
  });

  it("submit never throws: unknown domains, types without handler and a closed pool are counted", async () => {
    const kit = createPoolKit();
    const vm = kit.start("vm1");
    expect(() => kit.pool.submit(vm, Step, { n: 1 })).not.toThrow(); // no handler yet
    const { Gated } = gatedHandler();
    kit.pool.registerHandler(Step, Gated, { plugin: "p" });
    expect(() => kit.pool.submit("no-such-domain", Step, { n: 1 })).not.toThrow();
    expect(await kit.pool.drain(10)).toEqual({ drained: true, abandoned: 0 });
    expect(() => kit.pool.submit(vm, Step, { n: 2 })).not.toThrow();
    expect(kit.pool.stats().rejected).toBe(3);
    const warnings = kit.logs.filter((l) => l.level === 40).map((l) => l.msg);
    expect(warnings).toEqual([
      "process event refused: no handler is registered",
      "process event refused: unknown domain",
      "process event refused: the pool is closed",
    ]);
  });

  it("runInLane queues behind the lane's events and resolves to its outcome", async () => {
    const kit = createPoolKit();
    const vm = kit.start("vm1");
    const { log, gate, Gated } = gatedHandler();
    kit.pool.registerHandler(Step, Gated, { plugin: "p" });
    kit.pool.submit(vm, Step, { n: 1 });
    const resync = kit.pool.runInLane(vm, { plugin: "p", label: "resync" }, (ctx) => {
      log.push(`resync ${ctx.domain.name} current=${ctx.isCurrent()}`);
    });
    const failing = kit.pool.runInLane(vm, { plugin: "p", label: "bad" }, async () => {
      throw new Error("resync failed");
    });
    await flush();
    expect(log).toEqual(["start vm1#1"]);
    gate("vm1#1").resolve();
    expect(await resync).toBe("done");
    expect(await failing).toBe("failed");
    expect(log).toEqual(["start vm1#1", "end vm1#1", "resync vm1 current=true"]);
    expect(await kit.pool.runInLane("ghost", { plugin: "p", label: "x" }, () => {})).toBe(
      "rejected",
    );
  });

  it("emits public events through the daemon's DomainEventState", async () => {
    const kit = createPoolKit();
    const vm = kit.start("vm1");
    const Change = { id: "test-change", schema: undefined as never };
    kit.pool.runInLane(vm, { plugin: "p", label: "emit" }, (ctx) => ctx.emit(Change, { x: 1 }));
    await flush();
    expect(kit.sink.queued).toEqual([{ event: "test-change", domainUuid: vm, data: { x: 1 } }]);
  });

  it("drops queued work of an incarnation that ends before its turn, and refuses stopped domains", async () => {
    const kit = createPoolKit();
    const vm = kit.start("vm1");
    const { gate, Gated } = gatedHandler();
    kit.pool.registerHandler(Step, Gated, { plugin: "p" });
    kit.pool.submit(vm, Step, { n: 1 });
    const queued = kit.pool.runInLane(vm, { plugin: "p", label: "resync" }, () => {});
    await flush();
    kit.registry.markStopped(vm, "shutdown");
    expect(await queued).toBe("stale"); // at once, not when the running one finishes
    expect(await kit.pool.runInLane(vm, { plugin: "p", label: "late" }, () => {})).toBe("stale");
    gate("vm1#1").resolve();
    await flush();
    expect(kit.pool.stats()).toMatchObject({ staleDrops: 2, lanes: [] });
  });

  it("counts a handler whose dependencies cannot be resolved as that plugin's error", async () => {
    const kit = createPoolKit();
    const Missing = createToken<string>("test", "Missing");
    @injectable()
    class Needy implements ProcessEventHandler<{ n: number }> {
      constructor(@inject(Missing) readonly value: string) {}
      handle(): void {}
    }
    kit.pool.registerHandler(Step, Needy, { plugin: "needy" });
    kit.pool.submit(kit.start("vm1"), Step, { n: 1 });
    await flush();
    expect(kit.pool.stats().plugins.needy).toMatchObject({ errors: 1, completed: 0 });
  });

  it("validates its options and honours a registration's own timeout", async () => {
    expect(() => createPoolKit({ maxConcurrency: 0 })).toThrow(
      /maxConcurrency must be a positive integer/,
    );
    expect(() => createPoolKit({ handlerTimeoutMs: 1.5 })).toThrow(/handlerTimeoutMs/);
    const kit = createPoolKit({ handlerTimeoutMs: 1_000 });
    const vm = kit.start("vm1");
    let reason: unknown;
    @injectable()
    class Slow implements ProcessEventHandler<{ n: number }> {
      handle(_p: { n: number }, ctx: WorkerContext): Promise<void> {
        return new Promise((_resolve, reject) => {
          ctx.signal.addEventListener("abort", () => {
            reason = ctx.signal.reason;
            reject(ctx.signal.reason);
          });
        });
      }
    }
    kit.pool.registerHandler(Step, Slow, { plugin: "slow", timeoutMs: 20 });
    kit.pool.submit(vm, Step, { n: 1 });
    await flush();
    kit.loop.advance(19);
    expect(reason).toBeUndefined();
    kit.loop.advance(1);
    expect((reason as { code?: string }).code).toBe("VIRTEVENT_ERR_HANDLER_TIMEOUT");
    await flush();
    // It honoured its signal: a timeout, not a stuck lane and not an error.
    expect(kit.pool.stats().plugins.slow).toMatchObject({ timeouts: 1, stuck: 0, errors: 0 });
    expect(kit.pool.stats().lanes).toEqual([]);
  });
});
