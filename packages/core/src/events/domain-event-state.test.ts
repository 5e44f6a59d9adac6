import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { toDisposable } from "../common/disposable.js";
import { isCoreError } from "../errors/core-error.js";
import { ManualEventLoop } from "../testing/manual-event-loop.js";
import { MAX_QUEUED_DOMAIN_EVENTS } from "./domain-event-state.js";
import { DomainEventStateImpl } from "./domain-event-state-impl.js";
import { defineDomainEvent } from "./domain-event-type.js";
import type { DomainDirectory } from "./domain-filter.js";

const Ping = defineDomainEvent("ping", z.object({ n: z.number() }));
const Pong = defineDomainEvent("pong", z.object({ n: z.number() }));
const UUID1 = "11111111-1111-4111-8111-111111111111";
const UUID2 = "22222222-2222-4222-8222-222222222222";

/** A minimal domain directory: what the event state asks of the DomainRegistry. */
function directory() {
  const domains = new Map<string, { uuid: string; name: string }>();
  const listeners = new Set<(d: { uuid: string; name: string }) => void>();
  const dir: DomainDirectory & {
    define(uuid: string, name: string): void;
    remove(uuid: string): void;
  } = {
    get: (key) => domains.get(key) ?? [...domains.values()].find((d) => d.name === key),
    findByName: (name) => [...domains.values()].find((d) => d.name === name),
    onDidDefineDomain(listener) {
      listeners.add(listener);
      return toDisposable(() => listeners.delete(listener));
    },
    define(uuid, name) {
      const d = { uuid, name };
      domains.set(uuid, d);
      for (const l of [...listeners]) l(d);
    },
    remove(uuid) {
      domains.delete(uuid);
    },
  };
  return dir;
}

function setup() {
  const loop = new ManualEventLoop();
  const dir = directory();
  dir.define(UUID1, "vm1");
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "info" }, { write: (s: string) => logs.push(JSON.parse(s)) });
  const events = new DomainEventStateImpl(loop, dir, logger);
  return { loop, dir, events, logs };
}

describe("DomainEventState registration", () => {
  it("hands out monotonic callback ids that are never reused", () => {
    const { events } = setup();
    const cb = () => {};
    const a = events.registerAny({ callback: cb });
    const b = events.registerAny({ callback: cb });
    events.deregisterAny(b);
    const c = events.registerAny({ callback: cb });
    expect([a, b, c]).toEqual([1, 2, 3]);
    events.deregisterAny(a);
    events.deregisterAny(c);
    expect(events.registerAny({ callback: cb })).toBe(4);
  });

  it("calls one callback once per registration when registered twice", () => {
    const { loop, events } = setup();
    const seen: number[] = [];
    const cb = (_d: unknown, _data: unknown, meta: { callbackId: number }) =>
      seen.push(meta.callbackId);
    const a = events.registerAny({ event: Ping, callback: cb });
    const b = events.registerAny({ event: Ping, callback: cb });
    events.queue(Ping, UUID1, { n: 1 });
    loop.runOnce();
    expect(seen).toEqual([a, b]);
  });

  it("throws a typed error when deregistering an unknown or already removed id", () => {
    const { events } = setup();
    const id = events.registerAny({ callback: () => {} });
    events.deregisterAny(id);
    let caught: unknown;
    try {
      events.deregisterAny(id);
    } catch (e) {
      caught = e;
    }
    expect(isCoreError(caught, "VIRTEVENT_ERR_EVENT_CALLBACK_UNKNOWN")).toBe(true);
    expect(() => events.deregisterAny(999)).toThrow(/no domain event callback .* id 999/);
  });

  it("refuses a malformed registration with a typed error", () => {
    const { events } = setup();
    const bad = [
      { callback: "nope" },
      { event: "ping", callback: () => {} },
      { domain: 42, callback: () => {} },
      { callback: () => {}, free: 1 },
    ];
    for (const reg of bad) {
      expect(() => events.registerAny(reg as never)).toThrow(
        expect.objectContaining({ code: "VIRTEVENT_ERR_EVENT_ARGUMENT" }),
      );
    }
    expect(events.registrationCount).toBe(0);
  });

  it("filters by event type; a wildcard registration gets every type", () => {
    const { loop, events } = setup();
    const pings: unknown[] = [];
    const all: string[] = [];
    events.registerAny({ event: Ping, callback: (_d, data) => pings.push(data) });
    events.registerAny({ callback: (_d, _data, meta) => all.push(meta.event) });
    events.queue(Ping, UUID1, { n: 1 });
    events.queue(Pong, UUID1, { n: 2 });
    loop.runOnce();
    expect(pings).toEqual([{ n: 1 }]);
    expect(all).toEqual(["ping", "pong"]);
  });

  it("filters by domain uuid and passes the domain's uuid, name and the meta", () => {
    const { loop, dir, events } = setup();
    dir.define(UUID2, "vm2");
    const got: unknown[] = [];
    events.registerAny({ domain: UUID2, callback: (d, data, m) => got.push([d, data, m.event]) });
    events.queue(Ping, UUID1, { n: 1 });
    events.queue(Ping, UUID2, { n: 2 });
    loop.runOnce();
    expect(got).toEqual([[{ uuid: UUID2, name: "vm2" }, { n: 2 }, "ping"]]);
  });

  it("resolves a domain name to its uuid once: the filter stays on that uuid", () => {
    const { loop, dir, events } = setup();
    const got: string[] = [];
    events.registerAny({ domain: "vm1", callback: (d) => got.push(d.uuid) });
    // vm1 goes away and a different domain takes the name: libvirt filters by uuid.
    dir.remove(UUID1);
    dir.define(UUID2, "vm1");
    events.queue(Ping, UUID2, { n: 1 });
    events.queue(Ping, UUID1, { n: 2 });
    loop.runOnce();
    expect(got).toEqual([UUID1]);
  });

  it("binds a name no domain has yet to the first domain defined with it", () => {
    const { loop, dir, events } = setup();
    const got: string[] = [];
    events.registerAny({ domain: "later", callback: (d) => got.push(d.name) });
    events.queue(Ping, UUID1, { n: 1 });
    expect(events.stats.droppedNoListener).toBe(1);
    dir.define(UUID2, "later");
    events.queue(Ping, UUID2, { n: 2 });
    loop.runOnce();
    expect(got).toEqual(["later"]);
  });

  it("removes every registration of an owner at once", () => {
    const { loop, events } = setup();
    const client = { socket: 1 };
    const got: string[] = [];
    const freed: string[] = [];
    for (const tag of ["a", "b"]) {
      events.registerAny({
        owner: client,
        callback: () => got.push(tag),
        free: () => freed.push(tag),
      });
    }
    events.registerAny({ owner: "other", callback: () => got.push("c") });
    expect(events.deregisterOwner(client)).toBe(2);
    expect(freed).toEqual(["a", "b"]);
    events.queue(Ping, UUID1, { n: 1 });
    loop.runOnce();
    expect(got).toEqual(["c"]);
    expect(events.deregisterOwner(client)).toBe(0);
  });
});

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
