import { describe, expect, it } from "vitest";
import { classifyMessage, eventOf } from "./messages.js";

describe("classifyMessage", () => {
  it("recognises a greeting and its version", () => {
    expect(
      classifyMessage({
        QMP: {
          version: { qemu: { micro: 22, minor: 2, major: 7 }, package: "Debian" },
          capabilities: ["oob"],
        },
      }),
    ).toEqual({
      kind: "greeting",
      greeting: {
        version: { major: 7, minor: 2, micro: 22, package: "Debian" },
        capabilities: ["oob"],
      },
    });
  });

  it("refuses a greeting without a capabilities array", () => {
    expect(classifyMessage({ QMP: { version: {} } })).toMatchObject({ kind: "invalid" });
    expect(classifyMessage({ QMP: { capabilities: [1] } })).toMatchObject({ kind: "invalid" });
  });

  it("classifies replies, error replies (with or without id) and events in any member order", () => {
    expect(classifyMessage({ id: "a", return: { x: 1 } })).toEqual({
      kind: "return",
      id: "a",
      value: { x: 1 },
    });
    expect(classifyMessage({ error: { desc: "d", class: "GenericError" } })).toEqual({
      kind: "error",
      id: undefined,
      errorClass: "GenericError",
      desc: "d",
    });
    expect(
      classifyMessage({
        timestamp: { microseconds: 2, seconds: 1 },
        data: 5,
        event: "X",
        extra: 1,
      }),
    ).toEqual({
      kind: "event",
      event: { name: "X", data: 5, timestamp: { seconds: 1, microseconds: 2 } },
    });
    expect(classifyMessage({ event: "Y" })).toEqual({
      kind: "event",
      event: { name: "Y", data: undefined, timestamp: undefined },
    });
  });

  it("calls everything else invalid", () => {
    for (const v of [
      null,
      [],
      "x",
      1,
      {},
      { event: 3 },
      { error: "boom" },
      { error: { desc: "d" } },
    ]) {
      expect(classifyMessage(v).kind).toBe("invalid");
    }
  });
});

describe("eventOf", () => {
  it("gives the envelope of an event, as classifyMessage does", () => {
    const msg = {
      timestamp: { seconds: 1, microseconds: 2 },
      event: "X",
      data: { a: 1 },
    };
    expect(eventOf(msg)).toEqual({
      name: "X",
      data: { a: 1 },
      timestamp: { seconds: 1, microseconds: 2 },
    });
    expect(classifyMessage(msg)).toEqual({ kind: "event", event: eventOf(msg) });
    // The timestamp is a copy: extra members of the parsed one never reach a listener.
    expect(
      eventOf({ ...msg, timestamp: { seconds: 1, microseconds: 2, x: [] } })?.timestamp,
    ).toEqual({ seconds: 1, microseconds: 2 });
    expect(eventOf({ event: "Y", timestamp: { seconds: "1", microseconds: 2 } })).toEqual({
      name: "Y",
      data: undefined,
      timestamp: undefined,
    });
  });

  it("is undefined for anything else, a greeting carrying an event member included", () => {
    for (const v of [
      null,
      [],
      "x",
      { event: 3 },
      { event: null },
      { return: {}, id: "a" },
      { QMP: { capabilities: [] }, event: "X" },
    ]) {
      expect(eventOf(v)).toBeUndefined();
    }
    expect(classifyMessage({ QMP: { capabilities: [] }, event: "X" }).kind).toBe("greeting");
  });
});
