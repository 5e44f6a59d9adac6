import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { MAX_QUEUED_DOMAIN_EVENTS } from "./domain-event-state.js";
import { defineDomainEvent } from "./domain-event-type.js";
import { Ping, Pong, setup, UUID1 } from "./events-kit.test.util.js";

describe("DomainEventState queue and flush", () => {
  it("never delivers inside the producer: queued events arrive on a later loop turn", () => {
    const { loop, events } = setup();
    const got: number[] = [];
    events.registerAny({
      event: Ping,
      callback: (_d, data) => {
        got.push(data.n);
        // A callback producing an event: it must wait for the next turn too.
        if (data.n === 1) {
          events.queue(Ping, UUID1, { n: 2 });
          expect(got).toEqual([1]);
        }
      },
    });
    events.queue(Ping, UUID1, { n: 1 });
    expect(got).toEqual([]);
    expect(events.pendingCount).toBe(1);
    loop.runOnce();
    expect(got).toEqual([1]);
    loop.runOnce();
    expect(got).toEqual([1, 2]);
  });

  it("drops an event at once, counted, when no registration matches it", () => {
    const { loop, events } = setup();
    events.queue(Ping, UUID1, { n: 1 });
    expect(events.stats.droppedNoListener).toBe(1);
    const got: unknown[] = [];
    events.registerAny({ event: Pong, callback: (_d, data) => got.push(data) });
    events.queue(Ping, UUID1, { n: 2 });
    expect(events.pendingCount).toBe(0);
    expect(events.stats.droppedNoListener).toBe(2);
    loop.runOnce();
    expect(got).toEqual([]);
  });

  it("creates the flush timer with the first registration: -1, 0 when non-empty, -1 when flushed, removed with the last", () => {
    const { loop, events } = setup();
    const add = vi.spyOn(loop, "addTimeout");
    const update = vi.spyOn(loop, "updateTimeout");
    const remove = vi.spyOn(loop, "removeTimeout");
    expect(loop.timeoutCount).toBe(0);
    const a = events.registerAny({ callback: () => {} });
    const b = events.registerAny({ callback: () => {} });
    expect(add).toHaveBeenCalledTimes(1);
    expect(add.mock.calls[0]?.[0]).toBe(-1);
    const timer = add.mock.results[0]?.value as number;
    expect(loop.runOnce()).toBe(0);
    events.queue(Ping, UUID1, { n: 1 });
    events.queue(Ping, UUID1, { n: 2 });
    expect(update.mock.calls).toEqual([[timer, 0]]);
    expect(loop.runOnce()).toBe(1);
    expect(update.mock.calls).toEqual([
      [timer, 0],
      [timer, -1],
    ]);
    expect(loop.runOnce()).toBe(0);
    events.deregisterAny(a);
    expect(remove).not.toHaveBeenCalled();
    events.deregisterAny(b);
    expect(remove.mock.calls).toEqual([[timer]]);
    expect(loop.timeoutCount).toBe(0);
  });

  it("bounds the queue, dropping the oldest events with a counter and one warning", () => {
    const { loop, events, logs } = setup();
    const got: number[] = [];
    events.registerAny({ event: Ping, callback: (_d, data) => got.push(data.n) });
    for (let n = 0; n < MAX_QUEUED_DOMAIN_EVENTS + 5; n++) events.queue(Ping, UUID1, { n });
    expect(events.pendingCount).toBe(MAX_QUEUED_DOMAIN_EVENTS);
    expect(events.stats.droppedOverflow).toBe(5);
    expect(logs.filter((l) => /queue full/.test(String(l.msg)))).toHaveLength(1);
    loop.runOnce();
    expect(got[0]).toBe(5);
    expect(got).toHaveLength(MAX_QUEUED_DOMAIN_EVENTS);
  });

  it("contains a throwing callback: logged, counted, the others still get the event", () => {
    const { loop, events, logs } = setup();
    const got: string[] = [];
    events.registerAny({ callback: () => got.push("before") });
    events.registerAny({
      callback: () => {
        throw new Error("subscriber bug");
      },
    });
    events.registerAny({ callback: () => got.push("after") });
    events.queue(Ping, UUID1, { n: 1 });
    events.queue(Ping, UUID1, { n: 2 });
    loop.runOnce();
    expect(got).toEqual(["before", "after", "before", "after"]);
    expect(events.stats.callbackErrors).toBe(2);
    const errs = logs.filter((l) => l.level === 50);
    expect(errs).toHaveLength(2);
    expect(errs[0]).toMatchObject({ event: "ping", domain: UUID1, callbackId: 2 });
  });
});

describe("DomainEventState re-entrancy during dispatch (RELIABILITY row 15, dispatch part)", () => {
  it("never calls again a registration removed during the dispatch, by itself or another", () => {
    const { loop, events } = setup();
    const got: string[] = [];
    let other = 0;
    const self: number = events.registerAny({
      callback: (_d, data) => {
        got.push(`self${(data as { n: number }).n}`);
        events.deregisterAny(self);
        events.deregisterAny(other);
      },
    });
    other = events.registerAny({ callback: () => got.push("other") });
    const keep = events.registerAny({
      callback: (_d, data) => got.push(`keep${(data as { n: number }).n}`),
    });
    events.queue(Ping, UUID1, { n: 1 });
    events.queue(Ping, UUID1, { n: 2 });
    loop.runOnce();
    expect(got).toEqual(["self1", "keep1", "keep2"]);
    expect(events.registrationCount).toBe(1);
    events.deregisterAny(keep);
  });

  it("runs free callbacks after the dispatch, not inside the callback that deregistered", () => {
    const { loop, events } = setup();
    const order: string[] = [];
    let victim = 0;
    events.registerAny({
      callback: () => {
        order.push("remover");
        if (victim !== 0) events.deregisterAny(victim);
        victim = 0;
        order.push("remover done");
      },
    });
    victim = events.registerAny({
      callback: () => order.push("victim"),
      free: () => order.push("free"),
    });
    events.registerAny({ callback: () => order.push("last") });
    events.queue(Ping, UUID1, { n: 1 });
    events.queue(Ping, UUID1, { n: 2 });
    loop.runOnce();
    expect(order).toEqual([
      "remover",
      "remover done",
      "last",
      "remover",
      "remover done",
      "last",
      "free",
    ]);
  });

  it("starts a registration added during a dispatch with the next event", () => {
    const { loop, events } = setup();
    const got: string[] = [];
    let added = false;
    events.registerAny({
      callback: (_d, _data, meta) => {
        got.push(`first:${meta.event}`);
        if (!added) {
          added = true;
          events.registerAny({ callback: (_d2, _x, m) => got.push(`new:${m.event}`) });
        }
      },
    });
    events.queue(Ping, UUID1, { n: 1 });
    events.queue(Pong, UUID1, { n: 2 });
    loop.runOnce();
    expect(got).toEqual(["first:ping", "first:pong", "new:pong"]);
  });
});

describe("DomainEventState flush and dispose", () => {
  it("flush() delivers what is queued now; dispose() frees registrations and the timer", () => {
    const { loop, events } = setup();
    const got: number[] = [];
    const freed: number[] = [];
    events.registerAny({
      event: Ping,
      callback: (_d, d) => got.push(d.n),
      free: () => freed.push(1),
    });
    events.queue(Ping, UUID1, { n: 7 });
    events.flush();
    expect(got).toEqual([7]);
    events.dispose();
    expect(freed).toEqual([1]);
    expect(loop.timeoutCount).toBe(0);
    expect(() => events.registerAny({ callback: () => {} })).toThrow(/closed/);
    events.queue(Ping, UUID1, { n: 8 });
    expect(events.pendingCount).toBe(0);
  });

  it("knows event types by id and refuses a second type with the same id", () => {
    const { events } = setup();
    const d = events.addEventType(Ping);
    expect(events.getEventType("ping")).toBe(Ping);
    expect(() => events.addEventType(defineDomainEvent("ping", z.object({})))).toThrow(
      /already defined/,
    );
    d.dispose();
    expect(events.getEventType("ping")).toBeUndefined();
  });
});
