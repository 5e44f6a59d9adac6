import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isQmpError } from "../errors/qmp-error.js";
import { LineFramer } from "./line-framer.js";

describe("LineFramer", () => {
  it("splits on LF and CRLF, skips empty lines and keeps a partial tail", () => {
    const f = new LineFramer();
    expect(f.push('{"a":1}\r\n{"b"')).toEqual(['{"a":1}']);
    expect(f.pendingBytes).toBe(4);
    expect(f.push(':2}\n\r\n\n{"c":3}\r')).toEqual(['{"b":2}']);
    expect(f.push("\n")).toEqual(['{"c":3}']);
    expect(f.pendingBytes).toBe(0);
  });

  it("keeps a UTF-8 character split across chunks intact", () => {
    const bytes = Buffer.from('"é€😀"\n');
    const f = new LineFramer();
    const lines = [...bytes].flatMap((b) => f.push(Buffer.from([b])));
    expect(lines).toEqual(['"é€😀"']);
  });

  it("accepts a line of exactly the cap, CRLF excluded, and refuses one byte more", () => {
    const ok = new LineFramer(8);
    expect(ok.push(`${"x".repeat(8)}\r`)).toEqual([]);
    expect(ok.push("\n")).toEqual(["x".repeat(8)]);
    const bad = new LineFramer(8);
    expect(() => bad.push(`${"x".repeat(9)}\n`)).toThrow(/longer than 8 bytes/);
  });

  it("never holds more than the cap without a newline, then refuses all input", () => {
    const f = new LineFramer(1000);
    let error: unknown;
    for (let i = 0; i < 20 && error === undefined; i++) {
      try {
        f.push("y".repeat(300));
        expect(f.pendingBytes).toBeLessThanOrEqual(1000);
      } catch (e) {
        error = e;
      }
    }
    expect(isQmpError(error, "QMP_ERR_LINE_TOO_LONG")).toBe(true);
    expect(f.pendingBytes).toBe(0);
    expect(() => f.push("\n")).toThrow();
  });

  it("feed() returns the lines completed before an oversized one, with the error", () => {
    const f = new LineFramer(8);
    const { lines, error } = f.feed(`ok\r\n${"z".repeat(20)}`);
    expect(lines).toEqual(["ok"]);
    expect(isQmpError(error, "QMP_ERR_LINE_TOO_LONG")).toBe(true);
    expect(f.feed("\n").error).toBeDefined();
  });

  it("gives the same lines whatever the chunking (property)", () => {
    const line = fc
      .string({ unit: "grapheme", maxLength: 30 })
      .map((s) => s.replace(/[\r\n]/g, ""));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(line, fc.constantFrom("\n", "\r\n")), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (items, cuts) => {
          const text = Buffer.from(items.map(([l, end]) => l + end).join(""));
          const offsets = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort(
            (a, b) => a - b,
          );
          const f = new LineFramer();
          const out: string[] = [];
          let at = 0;
          for (const o of [...offsets, text.length]) {
            out.push(...f.push(text.subarray(at, o)));
            at = o;
          }
          expect(out).toEqual(items.map(([l]) => l).filter((l) => l !== ""));
        },
      ),
    );
  });
});
