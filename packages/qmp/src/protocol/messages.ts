/** QEMU's version, from the greeting. */
export interface QmpVersion {
  major: number;
  minor: number;
  micro: number;
  /** Distribution package string, e.g. "Debian 1:7.2+dfsg-7+deb12u18". */
  package: string;
}

/** The greeting QEMU sends on connect. */
export interface QmpGreeting {
  /** Undefined when the greeting carried no parsable version. */
  version: QmpVersion | undefined;
  /** Capabilities QEMU offers (e.g. "oob"); virtevent enables none of them. */
  capabilities: string[];
}

/** Time QEMU stamped on an event (seconds and microseconds since the epoch, host clock). */
export interface QmpTimestamp {
  seconds: number;
  microseconds: number;
}

/**
 * One QMP event as received: the envelope every listener gets. `data` is the raw, unvalidated
 * member (undefined when absent); table entries receive it parsed by their schema as well.
 */
export interface QmpEvent {
  /** Event name, e.g. "DEVICE_TRAY_MOVED". */
  name: string;
  data: unknown;
  /** Undefined when QEMU sent none (it always does). */
  timestamp: QmpTimestamp | undefined;
}

/** A parsed line from QEMU, classified. */
export type QmpInbound =
  | { kind: "greeting"; greeting: QmpGreeting }
  | { kind: "return"; id: unknown; value: unknown }
  | { kind: "error"; id: unknown; errorClass: string; desc: string }
  | { kind: "event"; event: QmpEvent }
  | { kind: "invalid"; detail: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const hasOwn = (o: object, k: string) => Object.hasOwn(o, k);

/**
 * Classifies a parsed JSON value as a QMP message. Unknown members are ignored, member order
 * does not matter; anything that is not one of the four message shapes is `invalid`.
 */
export function classifyMessage(value: unknown): QmpInbound {
  if (!isRecord(value)) {
    return { kind: "invalid", detail: `not a JSON object (${describe(value)})` };
  }
  if (hasOwn(value, "QMP")) return classifyGreeting(value.QMP);
  const event = eventOf(value);
  if (event) return { kind: "event", event };
  if (hasOwn(value, "event")) return { kind: "invalid", detail: "event name not a string" };
  if (hasOwn(value, "return")) return { kind: "return", id: value.id, value: value.return };
  if (hasOwn(value, "error")) {
    const err = value.error;
    if (!isRecord(err) || typeof err.class !== "string") {
      return { kind: "invalid", detail: "error reply without a string class" };
    }
    const desc = typeof err.desc === "string" ? err.desc : "";
    return { kind: "error", id: value.id, errorClass: err.class, desc };
  }
  return { kind: "invalid", detail: "neither greeting, reply nor event" };
}

/**
 * The envelope of a parsed message when it is an event (a string `event` member and no `QMP`
 * member), else undefined: {@link classifyMessage} then tells what it is. The per-event path,
 * without the classification object. The envelope is all an event delivers: its name, its
 * `data` as parsed, and a copy of its timestamp's two numbers; nothing else of the message
 * reaches a listener, which lets the reader harden only `data`.
 *
 * Members are tested by value, not with `Object.hasOwn` (a call V8 does not inline, ~20 ns
 * each): JSON holds no `undefined`, and a parsed object's prototype is `Object.prototype`,
 * which has no `event` or `QMP` member, so a member present is an own one.
 */
export function eventOf(value: unknown): QmpEvent | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const m = value as Record<string, unknown>;
  const name = m.event;
  if (typeof name !== "string" || m.QMP !== undefined) return undefined;
  return { name, data: m.data, timestamp: parseTimestamp(m.timestamp) };
}

function classifyGreeting(qmp: unknown): QmpInbound {
  if (!isRecord(qmp)) return { kind: "invalid", detail: "QMP member not an object" };
  const caps = qmp.capabilities;
  if (!Array.isArray(caps) || !caps.every((c) => typeof c === "string")) {
    return { kind: "invalid", detail: "greeting without a capabilities array" };
  }
  return {
    kind: "greeting",
    greeting: { version: parseVersion(qmp.version), capabilities: [...caps] },
  };
}

function parseVersion(v: unknown): QmpVersion | undefined {
  if (!isRecord(v) || !isRecord(v.qemu)) return undefined;
  const { major, minor, micro } = v.qemu;
  if (typeof major !== "number" || typeof minor !== "number" || typeof micro !== "number") {
    return undefined;
  }
  return { major, minor, micro, package: typeof v.package === "string" ? v.package : "" };
}

function parseTimestamp(t: unknown): QmpTimestamp | undefined {
  if (!isRecord(t) || typeof t.seconds !== "number" || typeof t.microseconds !== "number") {
    return undefined;
  }
  return { seconds: t.seconds, microseconds: t.microseconds };
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}
