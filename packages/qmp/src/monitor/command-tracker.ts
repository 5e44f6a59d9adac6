import type { EventLoopImpl, TimerId } from "@virtevent/core";
import {
  QmpAbortedError,
  QmpCommandError,
  QmpMonitorClosedError,
  QmpQueueFullError,
  QmpTimeoutError,
} from "../errors/qmp-errors.js";
import { RECENT_IDS_REMEMBERED } from "../limits.js";
import type { QmpCloseReason } from "./close-reason.js";
import { type QmpCounters, type QmpDropReason, recordRoundTrip } from "./counters.js";

/** A command as written on the wire. */
export interface QmpCommandMessage {
  execute: string;
  arguments?: Record<string, unknown>;
  id: string;
}

/** The number of an id as this tracker writes it: no sign, no leading zero. */
const SENT_NUMBER = /^[1-9][0-9]*$/;

interface Pending {
  /** Assigned when sent, so ids on the wire count up in wire order. */
  id: string;
  readonly command: string;
  readonly args: Record<string, unknown> | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  timer: TimerId | undefined;
  detachAbort: (() => void) | undefined;
  sentAt: number | undefined;
}

/** Settings of a {@link CommandTracker}. @internal */
export interface CommandTrackerOptions {
  loop: EventLoopImpl;
  counters: QmpCounters;
  now: () => number;
  maxInFlight: number;
  maxQueued: number;
  idPrefix: string;
  /** Writes one command on the wire. */
  send: (message: QmpCommandMessage) => void;
}

/**
 * Command bookkeeping: ids, the FIFO of commands waiting for a slot, at most `maxInFlight`
 * sent and unanswered, timeouts on the loop, abort signals, and the ids of commands abandoned
 * after sending (bounded) so that their late replies are told apart. Ids count up
 * (`<idPrefix>-<n>`), so an answered command needs no memory: a reply to one of ours below the
 * next id that is neither in flight nor abandoned is a duplicate.
 * @internal
 */
export class CommandTracker {
  private nextId = 1;
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Map<string, Pending>();
  /** Ids sent, then timed out or aborted: their reply may still come. Created on first use. */
  private abandoned: Set<string> | undefined;
  private open = false;
  private closedBy: QmpCloseReason | undefined;

  constructor(private readonly o: CommandTrackerOptions) {}

  /** Lets queued commands go out (after negotiation). */
  start(): void {
    this.open = true;
    this.pump();
  }

  /** Queues a command; the promise settles with its reply (or a typed error). */
  submit(
    command: string,
    args: Record<string, unknown> | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      this.enqueue(command, args, timeoutMs, signal, false, resolve, reject);
    });
  }

  /**
   * Sends a command at once, before `start()`, settling through plain callbacks in the reader's
   * turn (no microtask in between: negotiation must finish before the next line is read).
   */
  sendEarly(
    command: string,
    timeoutMs: number,
    resolve: (value: unknown) => void,
    reject: (error: Error) => void,
  ): void {
    this.enqueue(command, undefined, timeoutMs, undefined, true, resolve, reject);
  }

  private enqueue(
    command: string,
    args: Record<string, unknown> | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    early: boolean,
    resolve: (value: unknown) => void,
    reject: (error: Error) => void,
  ): void {
    const { counters } = this.o;
    if (this.closedBy) {
      counters.commands.closed++;
      reject(new QmpMonitorClosedError(command, this.closedBy));
      return;
    }
    if (signal?.aborted) {
      counters.commands.aborted++;
      reject(new QmpAbortedError(command, signal.reason));
      return;
    }
    if (!early && this.queue.length >= this.o.maxQueued) {
      reject(new QmpQueueFullError(command, this.o.maxQueued));
      return;
    }
    const p: Pending = {
      id: "",
      command,
      args,
      resolve,
      reject,
      timer: undefined,
      detachAbort: undefined,
      sentAt: undefined,
    };
    p.timer = this.o.loop.addTimeout(timeoutMs, () => {
      counters.commands.timedOut++;
      this.finish(p, "abandoned", new QmpTimeoutError(command, timeoutMs));
    });
    if (signal) {
      const onAbort = () => {
        counters.commands.aborted++;
        this.finish(p, "abandoned", new QmpAbortedError(command, signal.reason));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      p.detachAbort = () => signal.removeEventListener("abort", onAbort);
    }
    if (early) this.send(p);
    else {
      this.queue.push(p);
      this.pump();
    }
  }

  /** Settles the command a reply is for; returns why the reply was dropped, if it was. */
  onReply(
    id: unknown,
    outcome: { ok: true; value: unknown } | { ok: false; errorClass: string; desc: string },
  ): QmpDropReason | undefined {
    if (typeof id !== "string") return "unknown-id";
    const p = this.inFlight.get(id);
    if (!p) {
      // Only the first late copy is "late"; any further one is a duplicate.
      if (this.abandoned?.delete(id)) return "late-reply";
      return this.wasSent(id) ? "duplicate-reply" : "unknown-id";
    }
    if (p.sentAt !== undefined) {
      recordRoundTrip(this.o.counters.roundTrip, this.o.now() - p.sentAt);
    }
    if (outcome.ok) {
      this.o.counters.commands.succeeded++;
      this.finish(p, "answered", undefined, outcome.value);
    } else {
      this.o.counters.commands.failed++;
      this.finish(p, "answered", new QmpCommandError(p.command, outcome.errorClass, outcome.desc));
    }
    return undefined;
  }

  /** Rejects every pending command with a closed error; later submits fail fast. */
  close(reason: QmpCloseReason): void {
    if (this.closedBy) return;
    this.closedBy = reason;
    const all = [...this.inFlight.values(), ...this.queue];
    this.inFlight.clear();
    this.queue.length = 0;
    for (const p of all) {
      this.o.counters.commands.closed++;
      this.release(p);
      p.reject(new QmpMonitorClosedError(p.command, reason));
    }
  }

  /** Commands sent and unanswered. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Commands waiting for a slot. */
  get queuedCount(): number {
    return this.queue.length;
  }

  private pump(): void {
    while (this.open && !this.closedBy && this.inFlight.size < this.o.maxInFlight) {
      const p = this.queue.shift();
      if (!p) return;
      this.send(p);
    }
  }

  private send(p: Pending): void {
    p.id = `${this.o.idPrefix}-${this.nextId++}`;
    this.inFlight.set(p.id, p);
    p.sentAt = this.o.now();
    this.o.counters.commands.sent++;
    const msg: QmpCommandMessage =
      p.args === undefined
        ? { execute: p.command, id: p.id }
        : { execute: p.command, arguments: p.args, id: p.id };
    this.o.send(msg);
  }

  private finish(p: Pending, how: "answered" | "abandoned", error?: Error, value?: unknown): void {
    const wasSent = this.inFlight.delete(p.id);
    const queuedAt = wasSent ? -1 : this.queue.indexOf(p);
    if (queuedAt >= 0) this.queue.splice(queuedAt, 1);
    this.release(p);
    // A command that never went out cannot get a reply: nothing to remember.
    if (wasSent && how === "abandoned") this.rememberAbandoned(p.id);
    if (error) p.reject(error);
    else p.resolve(value);
    this.pump();
  }

  private release(p: Pending): void {
    if (p.timer !== undefined) this.o.loop.removeTimeout(p.timer);
    p.timer = undefined;
    p.detachAbort?.();
    p.detachAbort = undefined;
  }

  private rememberAbandoned(id: string): void {
    this.abandoned ??= new Set();
    const ids = this.abandoned;
    ids.add(id);
    if (ids.size > RECENT_IDS_REMEMBERED) {
      const oldest = ids.values().next();
      if (!oldest.done) ids.delete(oldest.value);
    }
  }

  /** True when `id` is `<idPrefix>-<n>` for an `n` already sent. */
  private wasSent(id: string): boolean {
    const prefix = this.o.idPrefix;
    if (!id.startsWith(prefix) || id.charCodeAt(prefix.length) !== 0x2d /* - */) return false;
    const n = id.slice(prefix.length + 1);
    return SENT_NUMBER.test(n) && Number(n) < this.nextId;
  }
}
