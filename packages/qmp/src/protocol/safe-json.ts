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
 * - Nesting deeper than `maxDepth` is refused before parsing (a scan that skips strings), so a
 *   hostile `[[[[...` never reaches the parser or any recursive walk.
 * - Own `__proto__`, `constructor` and `prototype` keys are removed from every object (counted
 *   in `strippedKeys`): a schema that copies unknown keys, or code that merges parsed data, can
 *   then never set a prototype.
 * - Integers beyond 2^53 come back as imprecise numbers and overflowing ones as `Infinity`;
 *   neither is an error (no field virtevent reads is that large).
 */
export function parseJsonLine(line: string, maxDepth: number = MAX_JSON_DEPTH): SafeParseResult {
  const depth = nestingDepth(line);
  if (depth > maxDepth) {
    return { ok: false, reason: "too-deep", detail: `nesting deeper than ${maxDepth}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return { ok: false, reason: "malformed", detail: e instanceof Error ? e.message : String(e) };
  }
  return { ok: true, value, strippedKeys: stripForbiddenKeys(value) };
}

/** Deepest array/object nesting in `text`, ignoring brackets inside strings. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return max;
}

/** Removes forbidden own keys from `value` and everything below it; returns how many. */
function stripForbiddenKeys(value: unknown): number {
  if (typeof value !== "object" || value === null) return 0;
  let stripped = 0;
  if (Array.isArray(value)) {
    for (const item of value) stripped += stripForbiddenKeys(item);
    return stripped;
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (FORBIDDEN_KEYS.has(key)) {
      delete obj[key];
      stripped++;
    } else {
      stripped += stripForbiddenKeys(obj[key]);
    }
  }
  return stripped;
}
