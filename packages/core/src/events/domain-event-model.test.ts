import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Ping, Pong, setup, UUID1, UUID2 } from "./events-kit.test.util.js";

type Op =
  | { kind: "register"; event: "ping" | "pong" | undefined; domain: string | undefined }
  | { kind: "deregister"; pick: number }
  | { kind: "queue"; event: "ping" | "pong"; domain: string }
  | { kind: "turn" };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("register" as const),
    event: fc.constantFrom("ping" as const, "pong" as const, undefined),
    domain: fc.constantFrom(UUID1, UUID2, "vm1", undefined),
  }),
  fc.record({ kind: fc.constant("deregister" as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant("queue" as const),
    event: fc.constantFrom("ping" as const, "pong" as const),
    domain: fc.constantFrom(UUID1, UUID2),
  }),
  fc.record({ kind: fc.constant("turn" as const) }),
);

interface ModelReg {
  id: number;
  event: string | undefined;
  domain: string | undefined;
}

describe("DomainEventState against a model (random register / deregister / queue / turn)", () => {
  it("delivers each event to exactly the matching registrations live at flush time, with monotonic ids and counted drops", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const { loop, dir, events } = setup();
        dir.define(UUID2, "vm2");
        const delivered: string[] = [];
        const expected: string[] = [];
        const live: ModelReg[] = [];
        let pending: Array<{ event: string; domain: string; seq: number }> = [];
        let lastId = 0;
        let dropped = 0;
        let seq = 0;
        const matches = (r: ModelReg, event: string, domain: string) =>
          (r.event === undefined || r.event === event) &&
          (r.domain === undefined || r.domain === domain);
        for (const o of ops) {
          if (o.kind === "register") {
            const domain = o.domain === "vm1" ? UUID1 : o.domain;
            const type = o.event === "ping" ? Ping : o.event === "pong" ? Pong : undefined;
            const id = events.registerAny({
              event: type,
              domain: o.domain,
              callback: (d, data, meta) =>
                delivered.push(
                  `${meta.callbackId}:${meta.event}:${d.uuid}:${(data as { n: number }).n}`,
                ),
            });
            expect(id).toBeGreaterThan(lastId);
            lastId = id;
            live.push({ id, event: o.event, domain });
          } else if (o.kind === "deregister") {
            if (live.length === 0) continue;
            const [r] = live.splice(o.pick % live.length, 1);
            if (r) events.deregisterAny(r.id);
            // With no registration left, the queue is dropped with the flush timer.
            if (live.length === 0) {
              dropped += pending.length;
              pending = [];
            }
          } else if (o.kind === "queue") {
            const n = seq++;
            events.queue(o.event === "ping" ? Ping : Pong, o.domain, { n });
            if (live.some((r) => matches(r, o.event, o.domain))) {
              pending.push({ event: o.event, domain: o.domain, seq: n });
            } else dropped++;
          } else {
            loop.runOnce();
            for (const ev of pending) {
              for (const r of live) {
                if (matches(r, ev.event, ev.domain)) {
                  expected.push(`${r.id}:${ev.event}:${ev.domain}:${ev.seq}`);
                }
              }
            }
            pending = [];
          }
          expect(events.pendingCount).toBe(pending.length);
        }
        expect(delivered).toEqual(expected);
        expect(events.stats.droppedNoListener).toBe(dropped);
        expect(events.registrationCount).toBe(live.length);
        expect(loop.timeoutCount).toBe(live.length > 0 ? 1 : 0);
      }),
      { numRuns: 300 },
    );
  });
});
