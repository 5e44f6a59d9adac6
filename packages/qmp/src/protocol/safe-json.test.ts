import { describe, expect, it } from "vitest";
import { FORBIDDEN_KEYS, parseJsonLine } from "./safe-json.js";

describe("parseJsonLine", () => {
  it("parses plain JSON", () => {
    expect(parseJsonLine('{"return": [1, "a", {"b": null}], "id": "x"}')).toEqual({
      ok: true,
      value: { return: [1, "a", { b: null }], id: "x" },
      strippedKeys: 0,
    });
  });

  it("removes __proto__, constructor and prototype keys at any depth, without polluting", () => {
    const r = parseJsonLine(
      '{"__proto__": {"polluted": 1}, "a": [{"constructor": {"prototype": {"polluted": 2}}, "k": 1}], "prototype": 3}',
    );
    expect(r).toEqual({ ok: true, value: { a: [{ k: 1 }] }, strippedKeys: 3 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    if (r.ok) expect(Object.getPrototypeOf(r.value)).toBe(Object.prototype);
  });

  it("refuses nesting deeper than the limit", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    expect(parseJsonLine(deep)).toMatchObject({ ok: false, reason: "too-deep" });
    expect(parseJsonLine(`${"[".repeat(64)}${"]".repeat(64)}`).ok).toBe(true);
    expect(parseJsonLine(`${"[".repeat(65)}${"]".repeat(65)}`).ok).toBe(false);
  });

  it("ignores brackets inside strings, escaped quotes included, when measuring depth", () => {
    const line = `{"a": "[[[{{\\"[[${"[".repeat(1000)}", "b": [1]}`;
    expect(parseJsonLine(line, 2).ok).toBe(true);
    expect(parseJsonLine(line, 1)).toMatchObject({ ok: false, reason: "too-deep" });
  });

  it("tolerates huge integers (imprecise or Infinity, never a crash)", () => {
    const r = parseJsonLine('{"return": {"big": 123456789012345678901234567890, "huge": 1e400}}');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const ret = (r.value as { return: { big: number; huge: number } }).return;
    expect(ret.big).toBeCloseTo(1.2345678901234568e29);
    expect(ret.huge).toBe(Number.POSITIVE_INFINITY);
  });

  it("reports malformed input", () => {
    for (const bad of ["{]", "\uFFFD", "", '{"a":1']) {
      expect(parseJsonLine(bad)).toMatchObject({ ok: false, reason: "malformed" });
    }
  });

  it("removes exactly the keys of FORBIDDEN_KEYS", () => {
    for (const key of FORBIDDEN_KEYS) {
      expect(parseJsonLine(`{"${key}": 1, "k": {"${key}": 2}}`)).toEqual({
        ok: true,
        value: { k: {} },
        strippedKeys: 2,
      });
    }
  });

  it("keeps keys that only resemble the forbidden ones, and counts nested removals", () => {
    const r = parseJsonLine(
      '{"__proto_x": 1, "constructors": 2, "Prototype": 3, "l": [[{"__proto__": 1}], {"constructor": 2}]}',
    );
    expect(r).toEqual({
      ok: true,
      value: { __proto_x: 1, constructors: 2, Prototype: 3, l: [[{}], {}] },
      strippedKeys: 2,
    });
  });

  it("counts depth through arrays and objects alike, scalars included at any level", () => {
    const nested = (d: number) => `${'{"a": ['.repeat(d)}1${"]}".repeat(d)}`;
    // Each step is two levels (object, then array): 32 steps is 64 deep.
    expect(parseJsonLine(nested(32)).ok).toBe(true);
    expect(parseJsonLine(`[${nested(32)}]`)).toMatchObject({ ok: false, reason: "too-deep" });
    expect(parseJsonLine('"x"')).toEqual({ ok: true, value: "x", strippedKeys: 0 });
  });
});
