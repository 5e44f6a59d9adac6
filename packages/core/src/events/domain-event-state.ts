import type { Disposable } from "../common/disposable.js";
import type { DomainEventSink, DomainEventType } from "./domain-event-type.js";

/** Most events waiting for the next flush; beyond it the oldest queued event is dropped. */
export const MAX_QUEUED_DOMAIN_EVENTS = 10_000;
/** Events a {@link DomainEventState.stream} buffers when `bufferSize` is not given. */
export const DEFAULT_STREAM_BUFFER_EVENTS = 1_024;
/** Largest `bufferSize` a stream accepts. */
export const MAX_STREAM_BUFFER_EVENTS = 1_048_576;

/** The domain an event is about, as it was when the event was queued. */
export interface DomainEventDomain {
  readonly uuid: string;
  /** The domain's name when the event was queued (its uuid if the domain was unknown). */
  readonly name: string;
}

/** What a callback learns about the delivery besides the payload. */
export interface DomainEventMeta {
  /** The event type's id (`lifecycle`, `tray-change`). */
  readonly event: string;
  /** When the event was queued, milliseconds since the epoch. */
  readonly timestamp: number;
  /** The id of the registration being called. */
  readonly callbackId: number;
}

/** Called on a later loop turn with each matching event. */
export type DomainEventCallback<T> = (
  domain: DomainEventDomain,
  data: T,
  meta: DomainEventMeta,
) => void;

/**
 * Groups registrations so that all of them can be removed at once with
 * {@link DomainEventState.deregisterOwner}: an API-socket connection, a test, a plugin.
 */
export type DomainEventOwner = string | symbol | object;

/** Arguments of {@link DomainEventState.registerAny}. */
export interface DomainEventRegistration<T = unknown> {
  /** The event type to receive; omitted = every event type (wildcard, payload `unknown`). */
  event?: DomainEventType<T>;
  /**
   * Only events of this domain: a uuid, or a name resolved to the uuid of the domain that has
   * it. A name no domain has yet binds to the first domain defined with it. Omitted = all.
   */
  domain?: string;
  callback: DomainEventCallback<T>;
  /** Runs once when the registration is removed, after any dispatch in progress. */
  free?: () => void;
  owner?: DomainEventOwner;
}

/** One item of a {@link DomainEventState.stream}. */
export type DomainEventStreamItem<T> =
  | {
      readonly kind: "event";
      readonly domain: DomainEventDomain;
      readonly data: T;
      readonly meta: DomainEventMeta;
    }
  /** `dropped` events were lost here because the consumer fell `bufferSize` events behind. */
  | { readonly kind: "gap"; readonly dropped: number };

/** Arguments of {@link DomainEventState.stream}. */
export interface DomainEventStreamOptions<T = unknown> {
  event?: DomainEventType<T>;
  domain?: string;
  /** Ends the stream (buffered items are discarded). */
  signal?: AbortSignal;
  /** Events buffered for a slow consumer before they are dropped (and a gap is reported). */
  bufferSize?: number;
  owner?: DomainEventOwner;
}

/** Counters of a {@link DomainEventState}; they only grow. */
export interface DomainEventStats {
  /** Events accepted into the queue. */
  queued: number;
  /** Events dispatched by a flush. */
  dispatched: number;
  /** Callback invocations. */
  delivered: number;
  /** Events dropped at once because no registration matched them. */
  droppedNoListener: number;
  /** Queued events dropped (oldest first) because the queue held MAX_QUEUED_DOMAIN_EVENTS. */
  droppedOverflow: number;
  /** Callbacks (and free callbacks) that threw; the others still ran. */
  callbackErrors: number;
}

/**
 * The daemon's public domain events (libvirt's virObjectEventState): producers queue events,
 * a loop timeout flushes them on a later turn to every matching registration.
 *
 * - Callback ids start at 1, grow monotonically and are never reused; one callback may be
 *   registered many times (each registration is called).
 * - Events are never delivered from inside the producer: `queue()` only enqueues; the flush
 *   timer (created with the first registration, removed with the last) is set to frequency 0
 *   when the queue becomes non-empty and to -1 when a flush empties it.
 * - An event no registration matches is dropped at once, and counted.
 * - A registration removed during a dispatch is not called again; its `free` runs after the
 *   dispatch. A throwing callback is logged and counted; the others still get the event.
 * - Registrations added during a dispatch start with the next event.
 *
 * @example
 * const id = events.registerAny({ event: TrayChange, domain: "vm1", callback: (dom, ev) => {} });
 * events.deregisterAny(id);
 */
export interface DomainEventState extends DomainEventSink, Disposable {
  /** Registers a callback; returns its callback id. */
  registerAny<T = unknown>(registration: DomainEventRegistration<T>): number;
  /** Removes a registration; throws `DomainEventCallbackUnknownError` for an unknown id. */
  deregisterAny(callbackId: number): void;
  /** Removes every registration of `owner`; returns how many there were. */
  deregisterOwner(owner: DomainEventOwner): number;
  /**
   * Matching events as an async iterator with a bounded buffer: when the consumer falls
   * `bufferSize` events behind, newer events are dropped and one `gap` item reports how many.
   * Ends when `signal` aborts, the loop breaks, or the state is disposed.
   */
  stream<T = unknown>(
    options?: DomainEventStreamOptions<T>,
  ): AsyncIterableIterator<DomainEventStreamItem<T>>;
  /** Delivers everything queued now (the daemon's close uses it); no-op inside a dispatch. */
  flush(): void;
  /** Makes an event type known by id (for API-socket clients that name events by id). */
  addEventType(type: DomainEventType): Disposable;
  /** The known event type with `id`, if any. */
  getEventType(id: string): DomainEventType | undefined;
  /** Number of live registrations. */
  readonly registrationCount: number;
  /** Number of events waiting for the next flush. */
  readonly pendingCount: number;
  /** Counters, for diagnostics and tests. */
  readonly stats: Readonly<DomainEventStats>;
}
