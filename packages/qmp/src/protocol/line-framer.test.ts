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

  it("forEachLine() hands lines over one by one and stops when told to", () => {
    const f = new LineFramer();
    const seen: string[] = [];
    expect(f.forEachLine("a\r\nb\nc\nd", (l) => seen.push(l) < 2)).toBeUndefined();
    expect(seen).toEqual(["a", "b"]);
    // The rest of the chunk was dropped with the tail.
    expect(f.pendingBytes).toBe(0);
  });

  it("counts the cap in bytes received, multi-byte characters and cut characters included", () => {
    // "é" is 2 bytes: 4 of them are 8 bytes, the cap; a fifth is over it.
    const ok = new LineFramer(8);
    const line = Buffer.from("éééé\n");
    expect([...line].flatMap((b) => ok.push(Buffer.from([b])))).toEqual(["éééé"]);
    const bad = new LineFramer(8);
    const over = Buffer.from("ééééé\n");
    expect(() => bad.push(over.subarray(0, 9))).toThrow(/longer than 8 bytes/);
    // Invalid bytes count as the bytes they are, not as the 3-byte U+FFFD they decode to.
    const invalid = new LineFramer(8);
    expect(
      invalid.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0a])),
    ).toEqual(["\uFFFD".repeat(8)]);
  });

  it("agrees with a byte-by-byte reference on any bytes, chunking and cap (property)", () => {
    const byte = fc.oneof(
      fc.constantFrom(0x0d, 0x7b, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0xff),
      fc.integer({ min: 0, max: 255 }),
    );
    // Lines around the cap's length, ending in LF, CRLF, a lone CR or nothing.
    const piece = fc.tuple(
      fc.array(byte, { maxLength: 14 }),
      fc.constantFrom([0x0a], [0x0d, 0x0a], [0x0d], []),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.integer({ min: 1, max: 12 }),
        (pieces, cuts, cap) => {
          const bytes = Buffer.from(pieces.flatMap(([body, end]) => [...body, ...end]));
          const expected = referenceLines(bytes, cap);
          const offsets = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const f = new LineFramer(cap);
          const out: string[] = [];
          let error: unknown;
          let at = 0;
          for (const o of [...offsets, bytes.length]) {
            const r = f.feed(bytes.subarray(at, o));
            out.push(...r.lines);
            at = o;
            if (r.error) {
              error = r.error;
              break;
            }
            expect(f.pendingBytes).toBeLessThanOrEqual(cap + 1);
          }
          expect(out).toEqual(expected.lines);
          expect(error !== undefined).toBe(expected.overflow);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

/**
 * What the framer must produce, computed the plain way on the whole stream: split the bytes at
 * each LF, drop one CR before it, decode each line alone, skip empty ones, stop at the first
 * line (or unterminated tail, a final lone CR not counted) longer than `cap` bytes.
 */
function referenceLines(bytes: Buffer, cap: number): { lines: string[]; overflow: boolean } {
  const lines: string[] = [];
  let start = 0;
  for (let nl = bytes.indexOf(0x0a); nl !== -1; nl = bytes.indexOf(0x0a, start)) {
    const end = nl > start && bytes[nl - 1] === 0x0d ? nl - 1 : nl;
    if (end - start > cap) return { lines, overflow: true };
    if (end > start) lines.push(bytes.toString("utf8", start, end));
    start = nl + 1;
  }
  const rest = bytes.length - start;
  const pending = rest > 0 && bytes[bytes.length - 1] === 0x0d ? rest - 1 : rest;
  return { lines, overflow: pending > cap };
}
