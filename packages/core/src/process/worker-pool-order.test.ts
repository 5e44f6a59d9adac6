import fc from "fast-check";
import { injectable } from "tsyringe";
import { describe, expect, it } from "vitest";
import { createSilentLogger } from "../common/logger.js";
import { NodeEventLoop } from "../loop/node-event-loop.js";
import { createPoolKit, type Deferred, deferred, flush } from "./pool-kit.test.util.js";
import {
  defineProcessEvent,
  type ProcessEventHandler,
  type WorkerContext,
} from "./process-event.js";
import { WorkerPoolImpl } from "./worker-pool-impl.js";

const Seq = defineProcessEvent<number>("test/seq");

describe("WorkerPoolImpl ordering (property)", () => {
  it("keeps per-domain FIFO and the global bound whatever the submit and completion order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 80 }),
        async (maxConcurrency, submits, picks) => {
          const kit = createPoolKit({ maxConcurrency });
          const uuids = ["d0", "d1", "d2", "d3"].map((n) => kit.start(n));
          const started: Array<[string, number]> = [];
          const running = new Map<string, Deferred>();
          let peak = 0;
          @injectable()
          class Recorder implements ProcessEventHandler<number> {
            async handle(n: number, ctx: WorkerContext): Promise<void> {
              expect(running.has(ctx.domain.uuid)).toBe(false); // one at a time per lane
              const gate = deferred();
              running.set(ctx.domain.uuid, gate);
              peak = Math.max(peak, running.size);
              started.push([ctx.domain.uuid, n]);
              await gate.promise;
              running.delete(ctx.domain.uuid);
            }
          }
          kit.pool.registerHandler(Seq, Recorder, { plugin: "p" });
          for (const [n, d] of submits.entries()) kit.pool.submit(uuids[d], Seq, n);
          await flush();
          // Complete running handlers in an order chosen by the property.
          for (const pick of picks) {
            if (running.size === 0) break;
            const keys = [...running.keys()];
            running.get(keys[pick % keys.length])?.resolve();
            await flush();
          }
          while (running.size > 0) {
            for (const gate of running.values()) gate.resolve();
            await flush();
          }
          expect(peak).toBeLessThanOrEqual(maxConcurrency);
          expect(started).toHaveLength(submits.length);
          for (const [d, uuid] of uuids.entries()) {
            const expected = submits.flatMap((sd, n) => (sd === d ? [n] : []));
            expect(started.filter(([u]) => u === uuid).map(([, n]) => n)).toEqual(expected);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("times handlers out on the real NodeEventLoop too", async () => {
    const kit = createPoolKit();
    const loop = new NodeEventLoop();
    const pool = new WorkerPoolImpl(loop, createSilentLogger(), kit.registry, kit.container, {
      handlerTimeoutMs: 5,
    });
    const vm = kit.start("vm1");
    const outcome = await pool.runInLane(vm, { plugin: "p", label: "hang" }, (ctx) => {
      return new Promise<void>((_resolve, reject) =>
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)),
      );
    });
    expect(outcome).toBe("timed-out");
    await loop.close();
  });
});
