import { createSilentLogger } from "@virtevent/core";
import { describe, expect, it } from "vitest";
import type { QmpProtocolError } from "../errors/qmp-errors.js";
import type { QmpEvent } from "../protocol/messages.js";
import { createCounters } from "./counters.js";
import { InboundReader } from "./inbound-reader.js";
import { type QmpTraceEntry, resolveOptions } from "./monitor-options.js";

function setup(options: { maxJsonDepth?: number; trace?: (e: QmpTraceEntry) => void } = {}) {
  const counters = createCounters();
  const events: QmpEvent[] = [];
  const errors: QmpProtocolError[] = [];
  const loop = {} as Parameters<typeof resolveOptions>[0]["loop"];
  const reader = new InboundReader(
    resolveOptions({ loop, ...options }),
    counters,
    createSilentLogger(),
    {
      state: () => "ready",
      onGreeting: () => {},
      onBadGreeting: () => {},
      onEvent: (e) => events.push(e),
      onReply: () => undefined,
      onProtocolError: (e) => errors.push(e),
      onFatal: (e) => {
        throw e;
      },
    },
  );
  const feed = (...lines: string[]) => reader.push(`${lines.join("\r\n")}\r\n`);
  return { counters, events, errors, feed };
}

const nest = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("InboundReader, events", () => {
  it("delivers name, data and a copy of the timestamp's numbers, nothing else of the message", () => {
    const { events, feed } = setup();
    feed(
      '{"event": "E", "data": {"a": 1}, "timestamp": {"seconds": 1, "microseconds": 2, "x": [1]}, "extra": {"b": 2}}',
    );
    expect(events).toEqual([
      { name: "E", data: { a: 1 }, timestamp: { seconds: 1, microseconds: 2 } },
    ]);
  });

  it("refuses data nested deeper than the limit, counted from the message's top", () => {
    const { events, errors, counters, feed } = setup({ maxJsonDepth: 8 });
    // data is at depth 2: 7 more levels reach the limit, 8 exceed it.
    feed(`{"event": "OK", "data": ${nest(7)}}`, `{"event": "DEEP", "data": ${nest(8)}}`);
    expect(events.map((e) => e.name)).toEqual(["OK"]);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/nesting deeper than 8/)]);
    expect(counters.dropped.get("malformed")).toBe(1);
  });

  it("ignores what an event does not deliver, however deep, and strips its data", () => {
    const { events, errors, counters, feed } = setup({ maxJsonDepth: 8 });
    feed(
      `{"event": "E", "junk": ${nest(50)}, "__proto__": {"polluted": 1}, "data": {"constructor": {"polluted": 1}, "k": [{"__proto__": 1}]}}`,
    );
    expect(errors).toEqual([]);
    expect(events).toEqual([{ name: "E", data: { k: [{}] }, timestamp: undefined }]);
    expect(counters.dropped.get("forbidden-key")).toBe(2);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("with a tracer, hardens and checks the whole message, as for every other message", () => {
    const traced: unknown[] = [];
    const { events, errors, counters, feed } = setup({
      maxJsonDepth: 8,
      trace: (e) => traced.push(e.message),
    });
    feed(
      `{"event": "DEEP", "data": {}, "junk": ${nest(50)}}`,
      '{"event": "E", "data": {}, "__proto__": {"polluted": 1}}',
    );
    expect(events.map((e) => e.name)).toEqual(["E"]);
    expect(errors).toHaveLength(1);
    expect(traced).toEqual([undefined, { event: "E", data: {} }]);
    expect(counters.dropped.get("forbidden-key")).toBe(1);
  });
});
