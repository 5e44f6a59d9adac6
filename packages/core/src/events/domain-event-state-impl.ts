import { inject, injectable } from "tsyringe";
import { type Disposable, toDisposable } from "../common/disposable.js";
import type { Logger } from "../common/logger.js";
import { TOKENS } from "../di/tokens.js";
import type { EventLoopImpl, TimerId } from "../loop/event-loop-impl.js";
import { TIMEOUT_DISABLED } from "../loop/event-loop-impl.js";
import {
  DomainEventArgumentError,
  DomainEventCallbackUnknownError,
  DomainEventStateClosedError,
} from "./domain-event-errors.js";
import {
  type DomainEventCallback,
  type DomainEventDomain,
  type DomainEventMeta,
  type DomainEventOwner,
  type DomainEventRegistration,
  type DomainEventState,
  type DomainEventStats,
  type DomainEventStreamItem,
  type DomainEventStreamOptions,
  MAX_QUEUED_DOMAIN_EVENTS,
} from "./domain-event-state.js";
import { DomainEventStream } from "./domain-event-stream.js";
import type { DomainEventType } from "./domain-event-type.js";
import { type DomainDirectory, DomainFilter } from "./domain-filter.js";

interface Registration {
  readonly id: number;
  readonly eventId: string | undefined;
  readonly filter: DomainFilter | undefined;
  readonly callback: DomainEventCallback<unknown>;
  readonly free: (() => void) | undefined;
  readonly owner: DomainEventOwner | undefined;
  removed: boolean;
  /** The index bucket the registration was put in (its filter may bind later). */
  bucket?: Set<Registration>;
}

class QueuedEvent {
  constructor(
    readonly eventId: string,
    readonly domain: DomainEventDomain,
    readonly data: unknown,
    readonly timestamp: number,
  ) {}
}

class DeliveryMeta implements DomainEventMeta {
  constructor(
    readonly event: string,
    readonly timestamp: number,
    readonly callbackId: number,
  ) {}
}

/** Default {@link DomainEventState}: one per daemon, flushed by a timeout on its loop. */
@injectable()
export class DomainEventStateImpl implements DomainEventState {
  private readonly registrations = new Map<number, Registration>();
  /** Registrations by event id (ANY: all events), then bound domain uuid (ANY / PENDING). */
  private readonly index = new Map<string, Map<string, Set<Registration>>>();
  private readonly eventTypes = new Map<string, DomainEventType>();
  private queued: QueuedEvent[] = [];
  private nextCallbackId = 1;
  private timer: TimerId | undefined;
  private dispatching = false;
  private closed = false;
  private overflowLogged = false;
  private readonly pendingFrees: Registration[] = [];
  /** The frozen `{ uuid, name }` handed to callbacks, one per domain record. */
  private readonly identities = new WeakMap<object, DomainEventDomain>();
  /** Scratch list of candidate sets for one dispatch (dispatches do not nest; used up to a count). */
  private readonly lists: Set<Registration>[] = [];
  private readonly counters: DomainEventStats = {
    queued: 0,
    dispatched: 0,
    delivered: 0,
    droppedNoListener: 0,
    droppedOverflow: 0,
    callbackErrors: 0,
  };

  constructor(
    @inject(TOKENS.EventLoopImpl) private readonly loop: EventLoopImpl,
    @inject(TOKENS.DomainRegistry) private readonly domains: DomainDirectory,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  registerAny<T = unknown>(registration: DomainEventRegistration<T>): number {
    if (this.closed) throw new DomainEventStateClosedError();
    if (typeof registration?.callback !== "function") {
      throw new DomainEventArgumentError("registerAny needs a `callback` function");
    }
    if (registration.event !== undefined && typeof registration.event?.id !== "string") {
      throw new DomainEventArgumentError(
        "registerAny: `event` must be a DomainEventType (from defineDomainEvent) when given",
      );
    }
    if (registration.domain !== undefined && typeof registration.domain !== "string") {
      throw new DomainEventArgumentError("registerAny: `domain` must be a uuid or name string");
    }
    if (registration.free !== undefined && typeof registration.free !== "function") {
      throw new DomainEventArgumentError("registerAny: `free` must be a function when given");
    }
    const id = this.nextCallbackId++;
    const filter =
      registration.domain === undefined
        ? undefined
        : new DomainFilter(this.domains, registration.domain);
    const reg: Registration = {
      id,
      eventId: registration.event?.id,
      filter,
      callback: registration.callback as DomainEventCallback<unknown>,
      free: registration.free,
      owner: registration.owner,
      removed: false,
    };
    this.registrations.set(id, reg);
    reg.bucket = this.bucket(reg, true);
    reg.bucket?.add(reg);
    if (this.timer === undefined) {
      this.timer = this.loop.addTimeout(TIMEOUT_DISABLED, () => this.flush());
    }
    return id;
  }

  deregisterAny(callbackId: number): void {
    const reg = this.registrations.get(callbackId);
    if (!reg) throw new DomainEventCallbackUnknownError(callbackId);
    this.remove(reg);
  }

  deregisterOwner(owner: DomainEventOwner): number {
    let n = 0;
    for (const reg of [...this.registrations.values()]) {
      if (reg.owner === owner) {
        this.remove(reg);
        n++;
      }
    }
    return n;
  }

  stream<T = unknown>(
    options: DomainEventStreamOptions<T> = {},
  ): AsyncIterableIterator<DomainEventStreamItem<T>> {
    return new DomainEventStream<T>(this, options);
  }

  queue<T>(event: DomainEventType<T>, domainUuid: string, data: T): void {
    if (this.closed || !this.hasListener(event.id, domainUuid)) {
      this.counters.droppedNoListener++;
      return;
    }
    if (this.queued.length >= MAX_QUEUED_DOMAIN_EVENTS) {
      this.queued.shift();
      this.counters.droppedOverflow++;
      if (!this.overflowLogged) {
        this.overflowLogged = true;
        this.logger.warn(
          { event: event.id, limit: MAX_QUEUED_DOMAIN_EVENTS },
          "domain event queue full; dropping the oldest queued events until the next flush",
        );
      }
    }
    this.queued.push(new QueuedEvent(event.id, this.identity(domainUuid), data, Date.now()));
    this.counters.queued++;
    if (this.queued.length === 1 && this.timer !== undefined) {
      this.loop.updateTimeout(this.timer, 0);
    }
  }

  flush(): void {
    if (this.dispatching) return;
    const batch = this.queued;
    this.queued = [];
    if (this.overflowLogged) {
      this.overflowLogged = false;
      this.logger.warn(
        { droppedOverflow: this.counters.droppedOverflow },
        "domain event queue overflowed since the last flush",
      );
    }
    this.dispatching = true;
    try {
      for (const ev of batch) this.dispatchOne(ev);
    } finally {
      this.dispatching = false;
      this.runPendingFrees();
    }
    if (this.timer !== undefined && this.queued.length === 0) {
      this.loop.updateTimeout(this.timer, TIMEOUT_DISABLED);
    }
  }

  addEventType(type: DomainEventType): Disposable {
    const known = this.eventTypes.get(type.id);
    if (known !== undefined && known !== type) {
      throw new DomainEventArgumentError(`domain event id "${type.id}" is already defined`);
    }
    this.eventTypes.set(type.id, type);
    return toDisposable(() => {
      if (this.eventTypes.get(type.id) === type) this.eventTypes.delete(type.id);
    });
  }

  getEventType(id: string): DomainEventType | undefined {
    return this.eventTypes.get(id);
  }

  get registrationCount(): number {
    return this.registrations.size;
  }

  get pendingCount(): number {
    return this.queued.length;
  }

  get stats(): Readonly<DomainEventStats> {
    return { ...this.counters };
  }

  /** Removes every registration (their free callbacks run) and the flush timer. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const reg of [...this.registrations.values()]) this.remove(reg);
    this.counters.droppedNoListener += this.queued.length;
    this.queued = [];
  }

  private dispatchOne(ev: QueuedEvent): void {
    this.counters.dispatched++;
    const lists = this.lists;
    let n = this.collect(this.index.get(ev.eventId), ev.domain.uuid, lists, 0);
    n = this.collect(this.index.get(ANY), ev.domain.uuid, lists, n);
    if (n === 1) {
      // Registrations added meanwhile (higher ids) start with the next event; removed ones
      // leave the set (and are flagged), so iterating the live set is the snapshot.
      const limit = this.nextCallbackId;
      for (const reg of lists[0]) if (reg.id < limit) this.deliver(reg, ev);
      return;
    }
    if (n === 0) return;
    // Several sets: merged in registration (id) order, as a snapshot.
    const all: Registration[] = [];
    for (let i = 0; i < n; i++) for (const r of lists[i]) all.push(r);
    all.sort((a, b) => a.id - b.id);
    for (const reg of all) this.deliver(reg, ev);
  }

  private deliver(reg: Registration, ev: QueuedEvent): void {
    if (!matches(reg, ev.eventId, ev.domain.uuid)) return;
    this.counters.delivered++;
    try {
      reg.callback(ev.domain, ev.data, new DeliveryMeta(ev.eventId, ev.timestamp, reg.id));
    } catch (e) {
      this.counters.callbackErrors++;
      this.logger.error(
        { err: e, event: ev.eventId, domain: ev.domain.uuid, callbackId: reg.id },
        "domain event callback threw; the other callbacks still get the event",
      );
    }
  }

  /**
   * The domain as callbacks see it: its uuid and name at queue time (a record's name never
   * changes), frozen, built once per domain record.
   */
  private identity(domainUuid: string): DomainEventDomain {
    const domain = this.domains.get(domainUuid);
    if (domain === undefined) return Object.freeze({ uuid: domainUuid, name: domainUuid });
    // Cached only for the record's own spelling of its uuid (the one every producer uses).
    if (domain.uuid !== domainUuid) return Object.freeze({ uuid: domainUuid, name: domain.name });
    let identity = this.identities.get(domain);
    if (identity === undefined) {
      identity = Object.freeze({ uuid: domainUuid, name: domain.name });
      this.identities.set(domain, identity);
    }
    return identity;
  }

  private hasListener(eventId: string, domainUuid: string): boolean {
    return (
      this.listensIn(this.index.get(eventId), eventId, domainUuid) ||
      this.listensIn(this.index.get(ANY), eventId, domainUuid)
    );
  }

  private listensIn(
    byDomain: Map<string, Set<Registration>> | undefined,
    eventId: string,
    domainUuid: string,
  ): boolean {
    if (byDomain === undefined) return false;
    if ((byDomain.get(domainUuid)?.size ?? 0) > 0 || (byDomain.get(ANY)?.size ?? 0) > 0) {
      return true;
    }
    const pending = byDomain.get(PENDING);
    if (pending === undefined) return false;
    for (const reg of pending) if (matches(reg, eventId, domainUuid)) return true;
    return false;
  }

  private remove(reg: Registration): void {
    if (reg.removed) return;
    reg.removed = true;
    this.registrations.delete(reg.id);
    reg.bucket?.delete(reg);
    reg.filter?.dispose();
    if (this.registrations.size === 0 && this.timer !== undefined) {
      this.loop.removeTimeout(this.timer);
      this.timer = undefined;
      this.counters.droppedNoListener += this.queued.length;
      this.queued = [];
    }
    if (reg.free) this.pendingFrees.push(reg);
    if (!this.dispatching) this.runPendingFrees();
  }

  /** The index bucket of `reg` (created when `create`). */
  private bucket(reg: Registration, create: boolean): Set<Registration> | undefined {
    const eventKey = reg.eventId ?? ANY;
    const domainKey = reg.filter === undefined ? ANY : (reg.filter.boundUuid ?? PENDING);
    let byDomain = this.index.get(eventKey);
    if (byDomain === undefined) {
      if (!create) return undefined;
      byDomain = new Map();
      this.index.set(eventKey, byDomain);
    }
    let set = byDomain.get(domainKey);
    if (set === undefined && create) {
      set = new Set();
      byDomain.set(domainKey, set);
    }
    return set;
  }

  /** Puts the non-empty candidate sets of `byDomain` in `into` from `n` on; returns the new count. */
  private collect(
    byDomain: Map<string, Set<Registration>> | undefined,
    domainUuid: string,
    into: Set<Registration>[],
    n: number,
  ): number {
    if (byDomain === undefined) return n;
    const exact = byDomain.get(domainUuid);
    if (exact !== undefined && exact.size > 0) into[n++] = exact;
    const any = byDomain.get(ANY);
    if (any !== undefined && any.size > 0) into[n++] = any;
    const pending = byDomain.get(PENDING);
    if (pending !== undefined && pending.size > 0) into[n++] = pending;
    return n;
  }

  private runPendingFrees(): void {
    while (this.pendingFrees.length > 0) {
      const reg = this.pendingFrees.shift();
      try {
        reg?.free?.();
      } catch (e) {
        this.counters.callbackErrors++;
        this.logger.error({ err: e, callbackId: reg?.id }, "domain event free callback threw");
      }
    }
  }
}

const ANY = "*";
const PENDING = "?";

function matches(reg: Registration, eventId: string, domainUuid: string): boolean {
  if (reg.removed) return false;
  if (reg.eventId !== undefined && reg.eventId !== eventId) return false;
  return reg.filter === undefined || reg.filter.matches(domainUuid);
}
