import { describe, expect, it } from "vitest";
import { isCoreError } from "../errors/core-error.js";
import { Ping, Pong, setup, UUID1, UUID2 } from "./events-kit.test.util.js";

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

  it("names the domain as it was at queue time, with one frozen object per domain record", () => {
    const { loop, dir, events } = setup();
    const got: Array<{ uuid: string; name: string }> = [];
    events.registerAny({ callback: (d) => got.push(d) });
    events.queue(Ping, UUID1, { n: 1 });
    events.queue(Pong, UUID1, { n: 2 });
    dir.remove(UUID1);
    events.queue(Ping, UUID1, { n: 3 }); // unknown now: named by its uuid
    dir.define(UUID1, "renamed"); // a new record with the same uuid
    events.queue(Ping, UUID1, { n: 4 });
    loop.runOnce();
    expect(got).toEqual([
      { uuid: UUID1, name: "vm1" },
      { uuid: UUID1, name: "vm1" },
      { uuid: UUID1, name: UUID1 },
      { uuid: UUID1, name: "renamed" },
    ]);
    expect(got[1]).toBe(got[0]);
    expect(got.every((d) => Object.isFrozen(d))).toBe(true);
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
