import { MAX_JSON_DEPTH } from "../limits.js";

/** Keys removed from every parsed object: merging them anywhere could reach a prototype. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  "__proto__",
  "constructor",
  "prototype",
]);

/** Outcome of {@link parseJsonLine}. */
export type SafeParseResult =
  | { ok: true; value: unknown; strippedKeys: number }
  | { ok: false; reason: "too-deep" | "malformed"; detail: string };

/**
 * Parses one line of JSON from an untrusted peer.
 *
 * - Nesting deeper than `maxDepth` is refused: V8's JSON.parse is iterative (a hostile
 *   `[[[[...` within the line cap cannot overflow the stack), and the one walk over the parsed
 *   value that strips forbidden keys stops descending at `maxDepth`.
 * - Own `__proto__`, `constructor` and `prototype` keys are removed from every object (counted
 *   in `strippedKeys`): a schema that copies unknown keys, or code that merges parsed data, can
 *   then never set a prototype.
 * - Integers beyond 2^53 come back as imprecise numbers and overflowing ones as `Infinity`;
 *   neither is an error (no field virtevent reads is that large).
 */
export function parseJsonLine(line: string, maxDepth: number = MAX_JSON_DEPTH): SafeParseResult {
  let value: unknown;
  try {
    // V8's JSON.parse is iterative: a hostile depth cannot overflow the stack here, and the
    // walk below stops descending past maxDepth (so it is recursive at most maxDepth deep).
    value = JSON.parse(line);
  } catch (e) {
    return { ok: false, reason: "malformed", detail: e instanceof Error ? e.message : String(e) };
  }
  const stripped = hardenParsedJson(value, maxDepth);
  if (stripped < 0) {
    return { ok: false, reason: "too-deep", detail: `nesting deeper than ${maxDepth}` };
  }
  return { ok: true, value, strippedKeys: stripped };
}

/**
 * Removes own `__proto__`, `constructor` and `prototype` keys from a value just parsed by
 * `JSON.parse` and everything below it; returns how many were removed, or -1 when the nesting
 * exceeds `maxDepth` (the value itself is at depth 1). This is the check of
 * {@link parseJsonLine}, for a caller that parses the line itself (the monitor's reader, which
 * hardens only the part of a message it delivers).
 * @internal
 */
export function hardenParsedJson(value: unknown, maxDepth: number = MAX_JSON_DEPTH): number {
  return typeof value === "object" && value !== null ? strip(value, 1, maxDepth) : 0;
}

/**
 * One walk over the containers only (scalars are not visited). Keys are matched by length
 * first: a parsed object's keys are compared with the forbidden names only when they could be
 * one of them, which keeps the walk over an ordinary QMP message at a few tens of ns.
 */
function strip(obj: object, depth: number, maxDepth: number): number {
  if (depth > maxDepth) return -1;
  let stripped = 0;
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) {
      const item: unknown = obj[i];
      if (typeof item !== "object" || item === null) continue;
      const n = strip(item, depth + 1, maxDepth);
      if (n < 0) return -1;
      stripped += n;
    }
    return stripped;
  }
  const rec = obj as Record<string, unknown>;
  // for-in, not Object.keys: no array per object. It also lists inherited enumerable keys,
  // which a parsed object has none of unless Object.prototype was already polluted; removal
  // is for own keys only.
  for (const key in rec) {
    if (isForbiddenKey(key)) {
      if (Object.hasOwn(rec, key)) {
        delete rec[key];
        stripped++;
      }
      continue;
    }
    const item = rec[key];
    if (typeof item !== "object" || item === null) continue;
    const n = strip(item, depth + 1, maxDepth);
    if (n < 0) return -1;
    stripped += n;
  }
  return stripped;
}

/** Same as `FORBIDDEN_KEYS.has(key)`, without hashing keys that cannot match. */
function isForbiddenKey(key: string): boolean {
  const len = key.length;
  if (len === 9) return key === "__proto__" || key === "prototype";
  return len === 11 && key === "constructor";
}
