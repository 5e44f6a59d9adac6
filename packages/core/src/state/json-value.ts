import type { JsonValue } from "../domain/domain.js";
import { StateKeyError, StateValueError } from "./state-errors.js";

/** Deepest nesting of a stored value, in levels. */
export const MAX_STATE_DEPTH = 64;
/** Longest state key, in characters. */
export const MAX_STATE_KEY_CHARS = 256;

// Domain uuids become file names: keep them to a safe alphabet.
const DOMAIN_KEY_RE = /^[A-Za-z0-9_-]{1,128}$/;

/** Checks a domain uuid and key the stores accept. @internal */
export function checkStateKeys(domainUuid: string, key: string): void {
  if (typeof domainUuid !== "string" || !DOMAIN_KEY_RE.test(domainUuid)) {
    throw new StateKeyError("domainUuid", String(domainUuid));
  }
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_STATE_KEY_CHARS) {
    throw new StateKeyError("key", String(key));
  }
}

/** True for `{}`-style objects (not class instances, dates, maps). */
function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function check(
  value: unknown,
  path: string,
  depth: number,
  seen: Set<object>,
  fail: (path: string, problem: string) => never,
): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) fail(path, "is not a finite number");
    return;
  }
  if (typeof value !== "object") fail(path, `is a ${typeof value}`);
  if (depth >= MAX_STATE_DEPTH) fail(path, `nests deeper than ${MAX_STATE_DEPTH} levels`);
  if (seen.has(value)) fail(path, "is a cycle");
  seen.add(value);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) check(item, `${path}[${i}]`, depth + 1, seen, fail);
  } else if (isPlainObject(value)) {
    for (const [k, item] of Object.entries(value)) {
      if (item === undefined) fail(`${path}.${k}`, "is undefined");
      check(item, `${path}.${k}`, depth + 1, seen, fail);
    }
  } else {
    fail(path, "is not a plain object or array");
  }
  seen.delete(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates `value` as plain JSON and returns a deep, frozen copy (so callers can neither
 * mutate what is stored nor be surprised by later changes). @internal
 * @throws StateValueError
 */
export function toFrozenJson(domainUuid: string, key: string, value: unknown): JsonValue {
  check(value, "$", 0, new Set(), (path, problem) => {
    throw new StateValueError(domainUuid, key, path, problem);
  });
  // JSON.parse copies safely: a "__proto__" key stays an own property.
  return deepFreeze(JSON.parse(JSON.stringify(value)) as JsonValue);
}

/** Returns `p` after marking its rejection handled (callers may not await writes). @internal */
export function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}
