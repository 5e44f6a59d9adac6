import { performance } from "node:perf_hooks";
import type { Disposable, EventLoopImpl, Logger } from "@virtevent/core";
import { QmpInvalidArgumentError } from "../errors/qmp-errors.js";
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  MAX_IN_FLIGHT,
  MAX_JSON_DEPTH,
  MAX_LINE_BYTES,
  MAX_QUEUED_COMMANDS,
} from "../limits.js";
import type { QmpCloseReason } from "./close-reason.js";
import type { QmpEventListener, QmpEventTable } from "./event-table.js";

/** One line that crossed the wire, for transcripts and debugging. */
export interface QmpTraceEntry {
  /** `rx`: received from QEMU; `tx`: sent to QEMU. */
  dir: "rx" | "tx";
  /** The line without its line ending. */
  line: string;
  /** The parsed message; undefined when the line was not valid JSON. */
  message: unknown;
}

/**
 * Read backpressure shared by many monitors (`DomainMonitor` uses one per daemon, closed while
 * the daemon's queues are full). A monitor asks `paused` before each read; while it is true the
 * monitor stops reading — READABLE leaves its handle's mask, so what QEMU sends next waits in
 * the socket — until the gate calls it back. A monitor with commands in flight reads anyway:
 * their replies share the stream with the events, and whoever awaits them may be what drains
 * the pressure.
 *
 * @example
 * // Monitors stop reading while `queue` is long; `onDidDrain` is the queue's own notification.
 * const gate: QmpReadGate = {
 *   get paused() { return queue.length >= 1000; },
 *   onDidResume: (fn) => queue.onDidDrain(fn),
 * };
 * const monitor = new QmpMonitor(socket, { loop, readGate: gate });
 */
export interface QmpReadGate {
  /** True while monitors must stop reading. Asked before every read: keep it cheap. */
  readonly paused: boolean;
  /** Calls `listener` once, on a later loop turn, when reading may go on. */
  onDidResume(listener: () => void): Disposable;
}

/** Options of a {@link QmpMonitor}. Every limit defaults to the constant in `limits.ts`. */
export interface QmpMonitorOptions {
  /** The loop the monitor registers its handle and timeouts on. */
  loop: EventLoopImpl;
  /** Warnings (dropped lines, schema failures) go here; default: silent. */
  logger?: Logger;
  /** The event table; default: a new empty Map, reachable as `monitor.events`. */
  events?: QmpEventTable;
  /** A wildcard listener added before anything is read. */
  onEvent?: QmpEventListener;
  /** A close listener added before anything is read. */
  onClose?: (reason: QmpCloseReason) => void;
  /** Default command timeout, ms (DEFAULT_COMMAND_TIMEOUT_MS). */
  commandTimeoutMs?: number;
  /** Greeting + negotiation must finish within this, ms (DEFAULT_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
  /** Line cap, bytes (MAX_LINE_BYTES). */
  maxLineBytes?: number;
  /** Commands in flight at once (MAX_IN_FLIGHT). */
  maxInFlight?: number;
  /** Commands waiting for a slot (MAX_QUEUED_COMMANDS). */
  maxQueuedCommands?: number;
  /** Nesting limit of one message (MAX_JSON_DEPTH). */
  maxJsonDepth?: number;
  /** Command ids are `<idPrefix>-<n>`, n from 1; default "virtevent". */
  idPrefix?: string;
  /**
   * Clock for round-trip times, ms. Default: the loop's own `now()` when it has one (as
   * `ManualEventLoop` does, so times are virtual), else `performance.now()`.
   */
  now?: () => number;
  /** Read backpressure, usually shared by many monitors (see {@link QmpReadGate}). Default: none. */
  readGate?: QmpReadGate;
  /** Sees every line sent and received (e.g. a `TranscriptRecorder`). Must not throw. */
  trace?: (entry: QmpTraceEntry) => void;
}

/** @internal */
export interface ResolvedMonitorOptions {
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  maxLineBytes: number;
  maxInFlight: number;
  maxQueuedCommands: number;
  maxJsonDepth: number;
  idPrefix: string;
  now: () => number;
  trace: ((entry: QmpTraceEntry) => void) | undefined;
}

/** Applies defaults and checks every limit. @internal */
export function resolveOptions(o: QmpMonitorOptions): ResolvedMonitorOptions {
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v <= 0) {
      throw new QmpInvalidArgumentError(`${name} must be a positive integer, got ${v}`);
    }
    return v;
  };
  const now = o.now ?? clockOf(o.loop);
  return {
    commandTimeoutMs: positive("commandTimeoutMs", o.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS),
    connectTimeoutMs: positive("connectTimeoutMs", o.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
    maxLineBytes: positive("maxLineBytes", o.maxLineBytes, MAX_LINE_BYTES),
    maxInFlight: positive("maxInFlight", o.maxInFlight, MAX_IN_FLIGHT),
    maxQueuedCommands: positive("maxQueuedCommands", o.maxQueuedCommands, MAX_QUEUED_COMMANDS),
    maxJsonDepth: positive("maxJsonDepth", o.maxJsonDepth, MAX_JSON_DEPTH),
    idPrefix: o.idPrefix ?? "virtevent",
    now,
    trace: o.trace,
  };
}

const clocks = new WeakMap<EventLoopImpl, () => number>();
const performanceClock = () => performance.now();

/** The loop's own clock when it has one, else `performance.now()`; one function per loop. */
function clockOf(loop: EventLoopImpl): () => number {
  let clock = clocks.get(loop);
  if (clock === undefined) {
    const now = loop.now;
    clock = now ? () => now.call(loop) : performanceClock;
    clocks.set(loop, clock);
  }
  return clock;
}

/** The error `execute()` rejects with for bad arguments, or undefined when they are fine. @internal */
export function checkExecuteArguments(
  command: unknown,
  args: unknown,
  timeoutMs: number,
): QmpInvalidArgumentError | undefined {
  if (typeof command !== "string" || command.length === 0) {
    return new QmpInvalidArgumentError("command must be a non-empty string");
  }
  if (args !== undefined && (typeof args !== "object" || args === null || Array.isArray(args))) {
    return new QmpInvalidArgumentError(`${command}: arguments must be an object`);
  }
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    return new QmpInvalidArgumentError(`${command}: timeoutMs must be a positive integer`);
  }
  return undefined;
}
