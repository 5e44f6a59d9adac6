import type { Duplex } from "node:stream";
import {
  type CommandChannel,
  type CommandOptions,
  createSilentLogger,
  type Disposable,
  type EventLoopImpl,
  HandleEvents,
  type Logger,
  type TimerId,
  toDisposable,
  type WatchId,
} from "@virtevent/core";
import {
  QmpConnectTimeoutError,
  QmpIoError,
  QmpMonitorClosedError,
  QmpNegotiationError,
  type QmpProtocolError,
} from "../errors/qmp-errors.js";
import type { QmpGreeting } from "../protocol/messages.js";
import { isPeerGone, type QmpCloseReason } from "./close-reason.js";
import { CommandTracker } from "./command-tracker.js";
import { createCounters, type QmpCounters, snapshotCounters } from "./counters.js";
import { EventDispatcher } from "./event-dispatcher.js";
import type { QmpEventListener, QmpEventTable } from "./event-table.js";
import { InboundReader } from "./inbound-reader.js";
import {
  checkExecuteArguments,
  type QmpMonitorOptions,
  resolveOptions,
} from "./monitor-options.js";
import { OutputQueue } from "./output-queue.js";

const BASE_EVENTS = HandleEvents.READABLE | HandleEvents.ERROR | HandleEvents.HANGUP;

/**
 * Where a monitor is in its life: waiting for QEMU's greeting, negotiating capabilities,
 * ready for commands, or closed for good.
 */
export type QmpMonitorState = "greeting" | "negotiating" | "ready" | "closed";

/**
 * The connection to one QEMU monitor, registered as a handle on an {@link EventLoopImpl}
 * (READABLE | ERROR | HANGUP, plus WRITABLE only while output is pending). It reads and writes
 * the stream itself, in paused mode; its timeouts are loop timeouts, so it runs the same on
 * `NodeEventLoop` and on `ManualEventLoop` in virtual time.
 *
 * Constructing one attaches it: it writes nothing until QEMU's greeting arrives, then
 * negotiates `qmp_capabilities`; `ready` resolves after that. Commands issued earlier wait.
 * Implements core's `CommandChannel`.
 *
 * @example
 * const monitor = new QmpMonitor(socket, { loop, events: table });
 * await monitor.ready;
 * const status = await monitor.execute("query-status");
 */
export class QmpMonitor implements CommandChannel, Disposable {
  /** Resolves with the greeting once negotiation succeeded; rejects with a `QmpError` if not. */
  readonly ready: Promise<QmpGreeting>;
  /** Resolves (never rejects) with the reason once the monitor is closed. */
  readonly closed: Promise<QmpCloseReason>;
  /** The event table consulted at each event (the one passed in options, or a new one). */
  readonly events: QmpEventTable;
  private readonly stream: Duplex;
  private readonly loop: EventLoopImpl;
  private readonly logger: Logger;
  private readonly options: ReturnType<typeof resolveOptions>;
  private readonly liveCounters: QmpCounters = createCounters();
  private readonly tracker: CommandTracker;
  private readonly dispatcher: EventDispatcher;
  private readonly reader: InboundReader;
  private readonly output: OutputQueue;
  private readonly closeListeners = new Set<{ fn: (reason: QmpCloseReason) => void }>();
  private readonly protocolListeners = new Set<{ fn: (error: QmpProtocolError) => void }>();
  private watch: WatchId | undefined;
  private readingPaused = false;
  private writablePending = false;
  private resumeCheck: TimerId | undefined;
  private readonly shouldPauseReading: ((paused: boolean) => boolean) | undefined;
  private connectTimer: TimerId | undefined;
  private currentState: QmpMonitorState = "greeting";
  private greetingSeen: QmpGreeting | undefined;
  private settleReady!: { resolve: (g: QmpGreeting) => void; reject: (e: Error) => void };
  private resolveClosed!: (reason: QmpCloseReason) => void;

  constructor(stream: Duplex, options: QmpMonitorOptions) {
    this.options = resolveOptions(options);
    this.stream = stream;
    this.loop = options.loop;
    this.logger = options.logger ?? createSilentLogger();
    this.events = options.events ?? new Map();
    this.shouldPauseReading = options.shouldPauseReading;
    this.ready = new Promise<QmpGreeting>((resolve, reject) => {
      this.settleReady = { resolve, reject };
    });
    // Nobody has to await `ready`: a failed connect must never become an unhandled rejection.
    this.ready.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.dispatcher = new EventDispatcher(this.events, this.liveCounters, this.logger);
    this.output = new OutputQueue(stream, this.liveCounters, this.options.trace, (pending) =>
      this.setWritable(pending),
    );
    this.tracker = new CommandTracker({
      loop: this.loop,
      counters: this.liveCounters,
      now: this.options.now,
      maxInFlight: this.options.maxInFlight,
      maxQueued: this.options.maxQueuedCommands,
      idPrefix: this.options.idPrefix,
      send: (message) => this.output.send(message),
    });
    this.reader = new InboundReader(this.options, this.liveCounters, this.logger, {
      state: () => this.currentState,
      onGreeting: (greeting) => this.negotiate(greeting),
      onBadGreeting: (error) => this.shutdown({ kind: "error", error }),
      onEvent: (event) => this.dispatcher.dispatch(event),
      onReply: (id, outcome) => this.tracker.onReply(id, outcome),
      onProtocolError: (error) => this.emitProtocolError(error),
      onFatal: (error) => this.shutdown({ kind: "error", error }),
    });
    if (options.onEvent) this.onEvent(options.onEvent);
    if (options.onClose) this.onClose(options.onClose);
    // Without this, an error emitted after the handle is gone would crash the process.
    stream.on("error", () => {});
    this.watch = this.loop.addHandle(stream, BASE_EVENTS, (_w, _s, bits, error) =>
      this.onHandle(bits, error),
    );
    this.connectTimer = this.loop.addTimeout(this.options.connectTimeoutMs, () =>
      this.shutdown({
        kind: "error",
        error: new QmpConnectTimeoutError(this.options.connectTimeoutMs),
      }),
    );
  }

  /** Where the monitor is in its life. */
  get state(): QmpMonitorState {
    return this.currentState;
  }

  /** QEMU's greeting, once received. */
  get greeting(): QmpGreeting | undefined {
    return this.greetingSeen;
  }

  /** The live counters (they keep changing; use `snapshotCounters()` to keep a copy). */
  get counters(): Readonly<QmpCounters> {
    return this.liveCounters;
  }

  /** A copy of the counters at this moment. */
  snapshotCounters(): QmpCounters {
    return snapshotCounters(this.liveCounters);
  }

  /** Commands sent and not yet answered. */
  get inFlightCount(): number {
    return this.tracker.inFlightCount;
  }

  /** Commands waiting for an in-flight slot (or for negotiation to finish). */
  get queuedCount(): number {
    return this.tracker.queuedCount;
  }

  /**
   * Sends a command; resolves with its `return` value. Rejects with `QmpCommandError` (QEMU's
   * error reply), `QmpTimeoutError`, `QmpAbortedError`, `QmpMonitorClosedError`,
   * `QmpQueueFullError` or `QmpInvalidArgumentError`. The timeout runs from this call.
   */
  execute(
    command: string,
    args?: Record<string, unknown>,
    options: CommandOptions = {},
  ): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? this.options.commandTimeoutMs;
    const invalid = checkExecuteArguments(command, args, timeoutMs);
    if (invalid) return Promise.reject(invalid);
    return this.tracker.submit(command, args, timeoutMs, options.signal);
  }

  /** Adds a listener for every event (known to the table or not), as received. */
  onEvent(listener: QmpEventListener): Disposable {
    return toDisposable(this.dispatcher.addWildcard(listener));
  }

  /** Adds a listener called once when the monitor closes; called at once if already closed. */
  onClose(listener: (reason: QmpCloseReason) => void): Disposable {
    const entry = { fn: listener };
    this.closeListeners.add(entry);
    if (this.currentState === "closed") void this.closed.then((r) => this.callGuarded(listener, r));
    return toDisposable(() => this.closeListeners.delete(entry));
  }

  /** Adds a listener for protocol violations that do not close the monitor. */
  onProtocolError(listener: (error: QmpProtocolError) => void): Disposable {
    const entry = { fn: listener };
    this.protocolListeners.add(entry);
    return toDisposable(() => this.protocolListeners.delete(entry));
  }

  /** Closes the monitor (reason `local`): pending commands reject, the stream is ended. */
  close(): void {
    this.shutdown({ kind: "local" });
  }

  /** Same as `close()`. */
  dispose(): void {
    this.close();
  }

  private onHandle(bits: number, error: Error | undefined): void {
    if (bits & HandleEvents.READABLE) this.readAvailable();
    if (this.currentState === "closed") return;
    if (bits & HandleEvents.WRITABLE) this.output.flush();
    if (bits & HandleEvents.ERROR && !isPeerGone(error)) {
      this.shutdown({ kind: "error", error: new QmpIoError(error ?? new Error("stream error")) });
    } else if (bits & (HandleEvents.HANGUP | HandleEvents.ERROR)) {
      // Lines that arrived together with the hangup are still delivered.
      this.readAvailable(true);
      this.shutdown({ kind: "eof" });
    }
  }

  private readAvailable(force = false): void {
    for (;;) {
      // A monitor with commands in flight keeps reading: their replies share the stream with
      // the events, and the workers awaiting them are what drains the pressure.
      if (!force && this.tracker.inFlightCount === 0 && this.shouldPauseReading?.(false)) {
        this.pauseReading();
        return;
      }
      const chunk = this.stream.read();
      if (chunk === null) return;
      this.reader.push(chunk as Buffer | string);
      if (this.currentState === "closed") return;
    }
  }

  private pauseReading(): void {
    if (this.readingPaused || this.watch === undefined) return;
    this.readingPaused = true;
    this.updateMask();
    // Asked again on every turn until the pressure is gone.
    this.resumeCheck = this.loop.addTimeout(0, () => {
      // A command sent meanwhile needs its reply read, pressure or not.
      if (this.tracker.inFlightCount === 0 && this.shouldPauseReading?.(true)) return;
      this.resumeReading();
    });
  }

  private resumeReading(): void {
    if (!this.readingPaused) return;
    this.readingPaused = false;
    if (this.resumeCheck !== undefined) this.loop.removeTimeout(this.resumeCheck);
    this.resumeCheck = undefined;
    this.updateMask();
  }

  private updateMask(): void {
    if (this.watch === undefined) return;
    let mask = this.readingPaused ? BASE_EVENTS & ~HandleEvents.READABLE : BASE_EVENTS;
    if (this.writablePending) mask |= HandleEvents.WRITABLE;
    this.loop.updateHandle(this.watch, mask);
  }

  private negotiate(greeting: QmpGreeting): void {
    this.greetingSeen = greeting;
    this.currentState = "negotiating";
    this.tracker.sendEarly(
      "qmp_capabilities",
      this.options.commandTimeoutMs,
      () => {
        if (this.currentState !== "negotiating") return;
        this.currentState = "ready";
        this.clearConnectTimer();
        this.settleReady.resolve(greeting);
        this.tracker.start();
      },
      (cause) => {
        if (this.currentState === "closed") return;
        this.shutdown({ kind: "error", error: new QmpNegotiationError({ cause }) });
      },
    );
  }

  private setWritable(pending: boolean): void {
    this.writablePending = pending;
    this.updateMask();
  }

  private emitProtocolError(error: QmpProtocolError): void {
    for (const l of [...this.protocolListeners]) this.callGuarded(l.fn, error);
  }

  private shutdown(reason: QmpCloseReason): void {
    if (this.currentState === "closed") return;
    const wasReady = this.currentState === "ready";
    this.currentState = "closed";
    if (this.watch !== undefined) this.loop.removeHandle(this.watch);
    this.watch = undefined;
    if (this.resumeCheck !== undefined) this.loop.removeTimeout(this.resumeCheck);
    this.resumeCheck = undefined;
    this.clearConnectTimer();
    this.tracker.close(reason);
    if (!wasReady) {
      this.settleReady.reject(
        reason.kind === "error" ? reason.error : new QmpMonitorClosedError(undefined, reason),
      );
    }
    this.output.close(reason.kind === "local");
    const log = { reason: reason.kind, err: reason.kind === "error" ? reason.error : undefined };
    if (reason.kind === "error") this.logger.warn(log, "QMP monitor closed on error");
    else this.logger.debug(log, "QMP monitor closed");
    this.resolveClosed(reason);
    for (const l of [...this.closeListeners]) this.callGuarded(l.fn, reason);
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) this.loop.removeTimeout(this.connectTimer);
    this.connectTimer = undefined;
  }

  private callGuarded<T>(fn: (arg: T) => void, arg: T): void {
    try {
      fn(arg);
    } catch (error) {
      this.liveCounters.listenerErrors++;
      this.logger.warn({ err: error }, "QMP monitor listener threw");
    }
  }
}
