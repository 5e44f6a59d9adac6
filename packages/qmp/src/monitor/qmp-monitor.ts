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
  type QmpGreetingError,
  QmpIoError,
  QmpMonitorClosedError,
  QmpNegotiationError,
  type QmpProtocolError,
} from "../errors/qmp-errors.js";
import type { QmpEvent, QmpGreeting } from "../protocol/messages.js";
import { isPeerGone, type QmpCloseReason } from "./close-reason.js";
import { CommandTracker } from "./command-tracker.js";
import {
  createCounters,
  type QmpCounters,
  type QmpDropReason,
  snapshotCounters,
} from "./counters.js";
import { EventDispatcher } from "./event-dispatcher.js";
import type { QmpEventListener, QmpEventTable } from "./event-table.js";
import { InboundReader, type InboundSink } from "./inbound-reader.js";
import { ListenerList } from "./listener-list.js";
import {
  checkExecuteArguments,
  type QmpMonitorOptions,
  type QmpReadGate,
  resolveOptions,
} from "./monitor-options.js";
import { OutputQueue } from "./output-queue.js";

const BASE_EVENTS = HandleEvents.READABLE | HandleEvents.ERROR | HandleEvents.HANGUP;

const ignoreError = (): void => {};

type ReplyOutcome = Parameters<InboundSink["onReply"]>[1];

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
  /**
   * What the reader calls back: one small object per monitor whose methods live on a shared
   * prototype, where an object of arrow functions would cost seven closures per monitor. Nested
   * here to reach the monitor's private members.
   */
  private static readonly ReaderSink = class implements InboundSink {
    constructor(private readonly m: QmpMonitor) {}
    state(): QmpMonitorState {
      return this.m.currentState;
    }
    onGreeting(greeting: QmpGreeting): void {
      this.m.negotiate(greeting);
    }
    onBadGreeting(error: QmpGreetingError): void {
      this.m.shutdown({ kind: "error", error });
    }
    onEvent(event: QmpEvent): void {
      this.m.dispatcher.dispatch(event);
    }
    onReply(id: unknown, outcome: ReplyOutcome): QmpDropReason | undefined {
      return this.m.tracker.onReply(id, outcome);
    }
    onProtocolError(error: QmpProtocolError): void {
      this.m.emitProtocolError(error);
    }
    onFatal(error: Error): void {
      this.m.shutdown({ kind: "error", error });
    }
  };

  /** Resolves with the greeting once negotiation succeeded; rejects with a `QmpError` if not. */
  readonly ready: Promise<QmpGreeting>;
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
  private readonly closeListeners = new ListenerList<QmpCloseReason>();
  private readonly protocolListeners = new ListenerList<QmpProtocolError>();
  private watch: WatchId | undefined;
  private writablePending = false;
  private readonly readGate: QmpReadGate | undefined;
  /** Set while reading is paused: the wait for the gate to reopen. */
  private resumeWait: Disposable | undefined;
  private connectTimer: TimerId | undefined;
  private currentState: QmpMonitorState = "greeting";
  private greetingSeen: QmpGreeting | undefined;
  /** The resolvers of `ready`, until it settles. */
  private settleReady:
    | { resolve: (g: QmpGreeting) => void; reject: (e: Error) => void }
    | undefined;
  private closeReason: QmpCloseReason | undefined;
  /** `closed`, created on first use; its resolver while it is pending. */
  private closedPromise: Promise<QmpCloseReason> | undefined;
  private resolveClosed: ((reason: QmpCloseReason) => void) | undefined;

  constructor(stream: Duplex, options: QmpMonitorOptions) {
    this.options = resolveOptions(options);
    this.stream = stream;
    this.loop = options.loop;
    this.logger = options.logger ?? createSilentLogger();
    this.events = options.events ?? new Map();
    this.readGate = options.readGate;
    this.ready = new Promise<QmpGreeting>((resolve, reject) => {
      this.settleReady = { resolve, reject };
    });
    // Nobody has to await `ready`: a failed connect must never become an unhandled rejection.
    this.ready.catch(() => {});
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
      send: (message) => {
        this.output.send(message);
        // Its reply must be read, pressure or not (see readAvailable).
        this.resumeReading();
      },
    });
    this.reader = new InboundReader(
      this.options,
      this.liveCounters,
      this.logger,
      new QmpMonitor.ReaderSink(this),
    );
    if (options.onEvent) this.onEvent(options.onEvent);
    if (options.onClose) this.onClose(options.onClose);
    // Without this, an error emitted after the handle is gone would crash the process.
    stream.on("error", ignoreError);
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

  /** Resolves (never rejects) with the reason once the monitor is closed. */
  get closed(): Promise<QmpCloseReason> {
    if (this.closedPromise === undefined) {
      const reason = this.closeReason;
      this.closedPromise =
        reason !== undefined
          ? Promise.resolve(reason)
          : new Promise((resolve) => {
              this.resolveClosed = resolve;
            });
    }
    return this.closedPromise;
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
    const remove = this.closeListeners.add(listener);
    if (this.currentState === "closed") void this.closed.then((r) => this.callGuarded(listener, r));
    return toDisposable(remove);
  }

  /** Adds a listener for protocol violations that do not close the monitor. */
  onProtocolError(listener: (error: QmpProtocolError) => void): Disposable {
    return toDisposable(this.protocolListeners.add(listener));
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
      if (!force && this.tracker.inFlightCount === 0 && this.readGate?.paused) {
        this.pauseReading(this.readGate);
        return;
      }
      const chunk = this.stream.read();
      if (chunk === null) return;
      this.reader.push(chunk as Buffer | string);
      if (this.currentState === "closed") return;
    }
  }

  private pauseReading(gate: QmpReadGate): void {
    if (this.resumeWait !== undefined || this.watch === undefined) return;
    this.resumeWait = gate.onDidResume(() => this.resumeReading());
    this.updateMask();
  }

  private resumeReading(): void {
    if (this.resumeWait === undefined) return;
    this.resumeWait.dispose();
    this.resumeWait = undefined;
    this.updateMask();
  }

  private updateMask(): void {
    if (this.watch === undefined) return;
    let mask = this.resumeWait ? BASE_EVENTS & ~HandleEvents.READABLE : BASE_EVENTS;
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
        this.settleReady?.resolve(greeting);
        this.settleReady = undefined;
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
    this.protocolListeners.emit(error, (e) => this.listenerThrew(e));
  }

  private shutdown(reason: QmpCloseReason): void {
    if (this.currentState === "closed") return;
    this.currentState = "closed";
    if (this.watch !== undefined) this.loop.removeHandle(this.watch);
    this.watch = undefined;
    this.resumeWait?.dispose();
    this.resumeWait = undefined;
    this.clearConnectTimer();
    this.tracker.close(reason);
    // Still set if the monitor never became ready.
    this.settleReady?.reject(
      reason.kind === "error" ? reason.error : new QmpMonitorClosedError(undefined, reason),
    );
    this.settleReady = undefined;
    this.output.close(reason.kind === "local");
    const log = { reason: reason.kind, err: reason.kind === "error" ? reason.error : undefined };
    if (reason.kind === "error") this.logger.warn(log, "QMP monitor closed on error");
    else this.logger.debug(log, "QMP monitor closed");
    this.closeReason = reason;
    this.resolveClosed?.(reason);
    this.resolveClosed = undefined;
    this.closeListeners.emit(reason, (e) => this.listenerThrew(e));
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) this.loop.removeTimeout(this.connectTimer);
    this.connectTimer = undefined;
  }

  private callGuarded<T>(fn: (arg: T) => void, arg: T): void {
    try {
      fn(arg);
    } catch (error) {
      this.listenerThrew(error);
    }
  }

  private listenerThrew(error: unknown): void {
    this.liveCounters.listenerErrors++;
    this.logger.warn({ err: error }, "QMP monitor listener threw");
  }
}
