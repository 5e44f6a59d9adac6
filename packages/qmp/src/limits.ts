// Every limit of the monitor, in one place, with its unit in its name. The package README lists
// them with their defaults; options of `QmpMonitor` override the per-monitor ones.

/** Longest line (one QMP message) accepted from the peer, in bytes: 10 MiB, as libvirt and
 * QEMU's own Python client do. A longer line closes the monitor. */
export const MAX_LINE_BYTES = 10 * 1024 * 1024;

/** Commands sent and not yet answered at once; QEMU stops reading beyond 8 in-band ones. */
export const MAX_IN_FLIGHT = 8;

/** Commands waiting for an in-flight slot; beyond this `execute` fails with QMP_ERR_QUEUE_FULL. */
export const MAX_QUEUED_COMMANDS = 1024;

/** Default per-command timeout in milliseconds, counted from `execute()`. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;

/** Time allowed from attach until negotiation is done (greeting + qmp_capabilities), in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Deepest nesting of arrays/objects accepted in one message; QEMU's replies stay under 10. */
export const MAX_JSON_DEPTH = 64;

/**
 * Distinct event names a monitor counts by name (QEMU 7.2 defines ~60); events with names
 * beyond them are counted together under {@link OTHER_EVENTS_COUNTER}, so a peer inventing
 * names cannot grow the counters without bound.
 */
export const MAX_EVENT_NAMES_COUNTED = 256;

/** The `eventsByName` key counting events whose name came after the first 256 distinct ones. */
export const OTHER_EVENTS_COUNTER = "(other)";

/**
 * Ids of commands abandoned after sending (timed out or aborted) remembered, to tell their late
 * replies from unknown ids; an answered id is recognised by its number (ids count up).
 */
export const RECENT_IDS_REMEMBERED = 256;

/** Characters of an offending line quoted in a log line. */
export const LOG_EXCERPT_CHARS = 200;

/** Samples kept in the round-trip-time reservoir of the counters. */
export const RTT_RESERVOIR_SIZE = 128;

/** Upper bounds (ms) of the round-trip-time histogram buckets; a last bucket takes the rest. */
export const RTT_BUCKET_BOUNDS_MS: readonly number[] = [
  1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000,
];
