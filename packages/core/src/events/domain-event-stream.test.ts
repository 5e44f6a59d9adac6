import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { toDisposable } from "../common/disposable.js";
import { ManualEventLoop } from "../testing/manual-event-loop.js";
import type { DomainEventStreamItem } from "./domain-event-state.js";
import { DomainEventStateImpl } from "./domain-event-state-impl.js";
import { defineDomainEvent } from "./domain-event-type.js";

const Tick = defineDomainEvent("tick", z.object({ n: z.number() }));
const UUID = "33333333-3333-4333-8333-333333333333";

function setup() {
  const loop = new ManualEventLoop();
  const vm = { uuid: UUID, name: "vm" };
  const events = new DomainEventStateImpl(
    loop,
    {
      get: (k) => (k === UUID || k === "vm" ? vm : undefined),
      findByName: (n) => (n === "vm" ? vm : undefined),
      onDidDefineDomain: () => toDisposable(() => {}),
    },
    pino({ level: "silent" }),
  );
  return { loop, events };
}

function describeItem(item: DomainEventStreamItem<{ n: number }>): string {
  return item.kind === "gap" ? `gap:${item.dropped}` : `ev:${item.data.n}`;
}

describe("DomainEventState.stream", () => {
  it("keeps at most bufferSize events and reports the overflow with one gap marker", async () => {
    const { loop, events } = setup();
    const ac = new AbortController();
    const stream = events.stream({ event: Tick, signal: ac.signal, bufferSize: 3 });
    for (let n = 1; n <= 10; n++) events.queue(Tick, UUID, { n });
    loop.runOnce();
    const got: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await stream.next();
      if (!r.done) got.push(describeItem(r.value));
    }
    expect(got).toEqual(["ev:1", "ev:2", "ev:3", "gap:7"]);
    // Once drained, delivery resumes normally.
    events.queue(Tick, UUID, { n: 11 });
    loop.runOnce();
    const r = await stream.next();
    expect(r.done ? "done" : describeItem(r.value)).toBe("ev:11");
    ac.abort();
  });

  it("places the gap where the events were lost, before later events that fit", async () => {
    const { loop, events } = setup();
    const stream = events.stream({ event: Tick, bufferSize: 2 });
    for (let n = 1; n <= 4; n++) events.queue(Tick, UUID, { n });
    loop.runOnce();
    const first = await stream.next();
    expect(first.done ? "done" : describeItem(first.value)).toBe("ev:1");
    events.queue(Tick, UUID, { n: 5 });
    loop.runOnce();
    const rest: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await stream.next();
      if (!r.done) rest.push(describeItem(r.value));
    }
    expect(rest).toEqual(["ev:2", "gap:2", "ev:5"]);
    await stream.return?.();
    expect(events.registrationCount).toBe(0);
  });

  it("ends a waiting consumer when the signal aborts and deregisters", async () => {
    const { events } = setup();
    const ac = new AbortController();
    const stream = events.stream({ domain: "vm", signal: ac.signal });
    expect(events.registrationCount).toBe(1);
    const pending = stream.next();
    ac.abort();
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
    expect(events.registrationCount).toBe(0);
  });

  it("with an already aborted signal yields nothing and registers nothing", async () => {
    const { events } = setup();
    const stream = events.stream({ signal: AbortSignal.abort() });
    expect(events.registrationCount).toBe(0);
    expect((await stream.next()).done).toBe(true);
  });

  it("works with for-await; breaking out deregisters", async () => {
    const { loop, events } = setup();
    for (let n = 1; n <= 3; n++) events.queue(Tick, UUID, { n });
    const stream = events.stream({ event: Tick });
    for (let n = 1; n <= 3; n++) events.queue(Tick, UUID, { n });
    loop.runOnce();
    const got: string[] = [];
    for await (const item of stream) {
      got.push(describeItem(item));
      if (got.length === 2) break;
    }
    expect(got).toEqual(["ev:1", "ev:2"]);
    expect(events.registrationCount).toBe(0);
  });

  it("ends after its buffered events when the event state is disposed", async () => {
    const { loop, events } = setup();
    const stream = events.stream({ event: Tick, owner: "client" });
    events.queue(Tick, UUID, { n: 1 });
    loop.runOnce();
    events.dispose();
    const a = await stream.next();
    expect(a.done ? "done" : describeItem(a.value)).toBe("ev:1");
    expect((await stream.next()).done).toBe(true);
  });

  it("refuses a bufferSize outside its bounds", () => {
    const { events } = setup();
    expect(() => events.stream({ bufferSize: 0 })).toThrow(/bufferSize/);
    expect(() => events.stream({ bufferSize: 1.5 })).toThrow(/bufferSize/);
  });
});

describe("DomainEventState.stream with several pending next() calls", () => {
  it("resolves them in order, and all of them when the stream ends", async () => {
    const { loop, events } = setup();
    const ac = new AbortController();
    const stream = events.stream({ event: Tick, signal: ac.signal });
    const a = stream.next();
    const b = stream.next();
    const c = stream.next();
    events.queue(Tick, UUID, { n: 1 });
    events.queue(Tick, UUID, { n: 2 });
    loop.runOnce();
    const ra = await a;
    const rb = await b;
    expect([ra, rb].map((r) => (r.done ? "done" : describeItem(r.value)))).toEqual([
      "ev:1",
      "ev:2",
    ]);
    ac.abort();
    expect((await c).done).toBe(true);
  });
});
