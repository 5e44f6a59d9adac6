import { RTT_BUCKET_BOUNDS_MS, RTT_RESERVOIR_SIZE } from "../limits.js";

/** Why a message (or part of one) was discarded; each reason has its own counter. */
export type QmpDropReason =
  /** The line was not JSON, or nested too deep. */
  | "malformed"
  /** Valid JSON but not a QMP message (`null`, `[]`, `"x"`, unknown shape, second greeting). */
  | "invalid"
  /** An event that came before the greeting. */
  | "before-greeting"
  /** A reply to a command that had already timed out or been aborted. */
  | "late-reply"
  /** A second reply to a command already answered. */
  | "duplicate-reply"
  /** A reply whose id matches no command sent. */
  | "unknown-id"
  /** An error reply without id (QEMU could not parse a request). */
  | "error-without-id"
  /** A known event whose `data` failed its table entry's schema. */
  | "event-schema"
  /**
   * Own `__proto__` / `constructor` / `prototype` keys removed from what a message delivers
   * (per key; an event delivers only its `data`, the rest of it is dropped unread).
   */
  | "forbidden-key";

/**
 * Summary of command round-trip times (sent → reply) in milliseconds, bounded in memory:
 * totals, histogram buckets (upper bounds in `bucketBoundsMs`, the last bucket unbounded) and a
 * uniform reservoir sample of at most `RTT_RESERVOIR_SIZE` values for quantiles.
 */
export interface RoundTripSummary {
  count: number;
  sumMs: number;
  maxMs: number;
  bucketBoundsMs: readonly number[];
  /** `bucketCounts[i]` counts samples `<= bucketBoundsMs[i]` and above the previous bound. */
  bucketCounts: number[];
  reservoir: number[];
}

/** Counters of one monitor, readable at any time by the daemon (a later issue exports them). */
export interface QmpCounters {
  /** Non-empty lines received. */
  linesIn: number;
  /** Messages written (commands, including qmp_capabilities). */
  messagesOut: number;
  /** Messages received that were valid QMP (greeting, replies, events). */
  messagesIn: number;
  /**
   * Events received after the greeting, by name (known or not); names beyond the first
   * `MAX_EVENT_NAMES_COUNTED` (256) distinct ones are counted under `"(other)"`.
   */
  eventsByName: Map<string, number>;
  /** Events whose name had no table entry (they reach wildcard listeners only). */
  unknownEvents: number;
  /** Discarded messages by reason. */
  dropped: Map<QmpDropReason, number>;
  /** Protocol violations by the peer (malformed/invalid lines, id-less errors, too long). */
  protocolErrors: number;
  /** Listener or table-entry callbacks that threw (caught; the reader went on). */
  listenerErrors: number;
  commands: {
    sent: number;
    succeeded: number;
    failed: number;
    timedOut: number;
    aborted: number;
    /** Rejected because the monitor was closed (pending at close or issued after it). */
    closed: number;
  };
  roundTrip: RoundTripSummary;
}

/** Fresh zeroed counters. */
export function createCounters(): QmpCounters {
  return {
    linesIn: 0,
    messagesOut: 0,
    messagesIn: 0,
    eventsByName: new Map(),
    unknownEvents: 0,
    dropped: new Map(),
    protocolErrors: 0,
    listenerErrors: 0,
    commands: { sent: 0, succeeded: 0, failed: 0, timedOut: 0, aborted: 0, closed: 0 },
    roundTrip: {
      count: 0,
      sumMs: 0,
      maxMs: 0,
      bucketBoundsMs: RTT_BUCKET_BOUNDS_MS,
      bucketCounts: new Array<number>(RTT_BUCKET_BOUNDS_MS.length + 1).fill(0),
      reservoir: [],
    },
  };
}

/** Adds `n` to the counter of `key` in `map`. */
export function bump<K>(map: Map<K, number>, key: K, n = 1): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

/**
 * Records one round-trip time. `random` picks reservoir slots (Vitter's algorithm R); inject a
 * deterministic one in tests.
 */
export function recordRoundTrip(
  rtt: RoundTripSummary,
  ms: number,
  random: () => number = Math.random,
): void {
  const value = Math.max(ms, 0);
  rtt.count++;
  rtt.sumMs += value;
  if (value > rtt.maxMs) rtt.maxMs = value;
  let bucket = rtt.bucketBoundsMs.findIndex((bound) => value <= bound);
  if (bucket === -1) bucket = rtt.bucketBoundsMs.length;
  rtt.bucketCounts[bucket]++;
  if (rtt.reservoir.length < RTT_RESERVOIR_SIZE) {
    rtt.reservoir.push(value);
  } else {
    const slot = Math.floor(random() * rtt.count);
    if (slot < RTT_RESERVOIR_SIZE) rtt.reservoir[slot] = value;
  }
}

/** A deep copy of `c`, safe to keep or serialize while the monitor goes on counting. */
export function snapshotCounters(c: QmpCounters): QmpCounters {
  return {
    ...c,
    eventsByName: new Map(c.eventsByName),
    dropped: new Map(c.dropped),
    commands: { ...c.commands },
    roundTrip: {
      ...c.roundTrip,
      bucketCounts: [...c.roundTrip.bucketCounts],
      reservoir: [...c.roundTrip.reservoir],
    },
  };
}
