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
    // walk below stops descending past maxDepth.
    value = JSON.parse(line);
  } catch (e) {
    return { ok: false, reason: "malformed", detail: e instanceof Error ? e.message : String(e) };
  }
  const stripped = stripForbiddenKeys(value, 1, maxDepth);
  if (stripped < 0) {
    return { ok: false, reason: "too-deep", detail: `nesting deeper than ${maxDepth}` };
  }
  return { ok: true, value, strippedKeys: stripped };
}

/**
 * Removes forbidden own keys from `value` and everything below it; returns how many, or -1 as
 * soon as the nesting exceeds `maxDepth` (`depth` is the nesting of `value` itself).
 */
function stripForbiddenKeys(value: unknown, depth: number, maxDepth: number): number {
  if (typeof value !== "object" || value === null) return 0;
  if (depth > maxDepth) return -1;
  let stripped = 0;
  if (Array.isArray(value)) {
    for (const item of value) {
      const n = stripForbiddenKeys(item, depth + 1, maxDepth);
      if (n < 0) return -1;
      stripped += n;
    }
    return stripped;
  }
  const obj = value as Record<string, unknown>;
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    if (FORBIDDEN_KEYS.has(key)) {
      delete obj[key];
      stripped++;
    } else {
      const n = stripForbiddenKeys(obj[key], depth + 1, maxDepth);
      if (n < 0) return -1;
      stripped += n;
    }
  }
  return stripped;
}
