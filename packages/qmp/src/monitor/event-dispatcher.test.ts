import { createSilentLogger } from "@virtevent/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MAX_EVENT_NAMES_COUNTED, OTHER_EVENTS_COUNTER } from "../limits.js";
import type { QmpEvent } from "../protocol/messages.js";
import { createCounters } from "./counters.js";
import { EventDispatcher } from "./event-dispatcher.js";
import { defineQmpEvent, type QmpEventTable } from "./event-table.js";

const ev = (name: string, data?: unknown): QmpEvent => ({ name, data, timestamp: undefined });

function setup(table: QmpEventTable = new Map()) {
  const counters = createCounters();
  return { counters, dispatcher: new EventDispatcher(table, counters, createSilentLogger()) };
}

describe("EventDispatcher", () => {
  it("a wildcard removed during a dispatch still sees that event; one added does not", () => {
    const { dispatcher } = setup();
    const seen: string[] = [];
    let removeB = () => {};
    dispatcher.addWildcard((e) => {
      seen.push(`a:${e.name}`);
      removeB();
      dispatcher.addWildcard((e2) => seen.push(`late:${e2.name}`));
    });
    removeB = dispatcher.addWildcard((e) => seen.push(`b:${e.name}`));
    dispatcher.dispatch(ev("ONE"));
    expect(seen).toEqual(["a:ONE", "b:ONE"]);
    seen.length = 0;
    removeB = () => {};
    dispatcher.dispatch(ev("TWO"));
    expect(seen).toEqual(["a:TWO", "late:TWO"]);
  });

  it("the same function added twice is two listeners, each removed on its own", () => {
    const { dispatcher } = setup();
    let calls = 0;
    const fn = () => calls++;
    const first = dispatcher.addWildcard(fn);
    dispatcher.addWildcard(fn);
    dispatcher.dispatch(ev("X"));
    expect(calls).toBe(2);
    first();
    first();
    dispatcher.dispatch(ev("X"));
    expect(calls).toBe(3);
  });

  it("counts events by name, known or not, beyond the names it keeps as keys", () => {
    const table: QmpEventTable = new Map();
    const got: unknown[] = [];
    table.set(
      "KNOWN",
      defineQmpEvent(z.object({ n: z.number() }), (d) => got.push(d)),
    );
    const { dispatcher, counters } = setup(table);
    // Names arrive as new strings every time, as JSON.parse makes them.
    const fresh = (s: string) => JSON.parse(JSON.stringify(s)) as string;
    for (let i = 0; i < 100; i++) dispatcher.dispatch(ev(fresh(`NAME_${i}`)));
    for (let i = 0; i < 3; i++) dispatcher.dispatch(ev(fresh("KNOWN"), { n: i }));
    for (let i = 0; i < 2; i++) dispatcher.dispatch(ev(fresh("NAME_99")));
    expect(counters.eventsByName.get("KNOWN")).toBe(3);
    expect(counters.eventsByName.get("NAME_0")).toBe(1);
    expect(counters.eventsByName.get("NAME_99")).toBe(3);
    expect(counters.eventsByName.size).toBe(101);
    expect(counters.unknownEvents).toBe(102);
    expect(got).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
  });

  it("counts names beyond the first 256 distinct ones together, so invented names stay bounded", () => {
    const { dispatcher, counters } = setup(new Map());
    for (let i = 0; i < 1000; i++) dispatcher.dispatch(ev(`INVENTED_${i}`));
    dispatcher.dispatch(ev("INVENTED_0"));
    expect(counters.eventsByName.size).toBe(MAX_EVENT_NAMES_COUNTED + 1);
    expect(counters.eventsByName.get("INVENTED_0")).toBe(2);
    expect(counters.eventsByName.get(OTHER_EVENTS_COUNTER)).toBe(1000 - MAX_EVENT_NAMES_COUNTED);
    expect(counters.unknownEvents).toBe(1001);
  });

  it("sees a table entry replaced or removed after events were dispatched", () => {
    const table: QmpEventTable = new Map();
    const seen: string[] = [];
    table.set(
      "E",
      defineQmpEvent(z.unknown(), () => seen.push("first")),
    );
    const { dispatcher, counters } = setup(table);
    dispatcher.dispatch(ev("E"));
    table.set(
      "E",
      defineQmpEvent(z.unknown(), () => seen.push("second")),
    );
    dispatcher.dispatch(ev("E"));
    table.delete("E");
    dispatcher.dispatch(ev("E"));
    expect(seen).toEqual(["first", "second"]);
    expect(counters.unknownEvents).toBe(1);
  });

  it("a throwing schema, entry or wildcard is counted, and the others still run", () => {
    const table: QmpEventTable = new Map();
    const seen: string[] = [];
    const throwing = z.unknown().refine(() => {
      throw new Error("schema bug");
    });
    table.set(
      "BAD_SCHEMA",
      defineQmpEvent(throwing, () => seen.push("never")),
    );
    table.set(
      "BAD_ENTRY",
      defineQmpEvent(z.unknown(), () => {
        throw new Error("entry bug");
      }),
    );
    table.set(
      "BAD_DATA",
      defineQmpEvent(z.object({ a: z.string() }), () => seen.push("never")),
    );
    const { dispatcher, counters } = setup(table);
    dispatcher.addWildcard(() => {
      throw new Error("wildcard bug");
    });
    dispatcher.addWildcard((e) => seen.push(e.name));
    for (const name of ["BAD_SCHEMA", "BAD_ENTRY", "BAD_DATA"]) dispatcher.dispatch(ev(name, {}));
    expect(seen).toEqual(["BAD_SCHEMA", "BAD_ENTRY", "BAD_DATA"]);
    expect(counters.listenerErrors).toBe(3 + 2);
    expect(counters.dropped.get("event-schema")).toBe(1);
  });

  it("entries get exactly what their schema's safeParse gives (the compiled fast path changes nothing)", () => {
    const schemas: z.ZodType[] = [
      z.object({ id: z.string().min(1), "tray-open": z.boolean() }),
      z.looseObject({ a: z.number() }),
      z.object({ n: z.number() }).transform((d) => ({ doubled: d.n * 2 })),
      z.object({ name: z.string().optional(), path: z.string() }),
      z.union([z.object({ k: z.literal("a") }), z.object({ k: z.literal("b"), v: z.number() })]),
      z.object({ n: z.number() }).refine((d) => d.n > 0),
    ];
    const inputs: unknown[] = [
      { id: "cd0", "tray-open": true, extra: 1 },
      { id: "", "tray-open": true },
      { a: 1, b: { c: 2 } },
      { n: 3 },
      { n: -3 },
      { path: "/x", name: 1 },
      { path: "/x" },
      { k: "b", v: 1, w: 2 },
      { k: "c" },
      undefined,
      [],
      "x",
    ];
    for (const schema of schemas) {
      const table: QmpEventTable = new Map();
      const got: unknown[] = [];
      table.set(
        "E",
        defineQmpEvent(schema, (d) => got.push(d)),
      );
      const { dispatcher, counters } = setup(table);
      const expected: unknown[] = [];
      let failures = 0;
      for (const input of inputs) {
        const r = schema.safeParse(structuredClone(input));
        if (r.success) expected.push(r.data);
        else failures++;
        dispatcher.dispatch(ev("E", structuredClone(input)));
      }
      expect(got).toEqual(expected);
      expect(counters.dropped.get("event-schema") ?? 0).toBe(failures);
    }
  });
});
