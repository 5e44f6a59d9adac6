import type { CommandChannel } from "./command-channel.js";
import type { DeviceState, Domain, DomainRef, DomainState, StopReason } from "./domain.js";
import { DomainNotConnectedError, DomainStaleError } from "./domain-errors.js";

/**
 * The registry's mutable record of a domain; handed out typed as the read-only `Domain`.
 * @internal
 */
export class DomainRecord implements Domain {
  incarnation = 0;
  state: DomainState = "defined";
  stopReason: StopReason | undefined = undefined;
  readonly devices = new Map<string, DeviceState>();
  /** Aborted when the current incarnation ends. */
  lease = new AbortController();
  channel: CommandChannel | undefined = undefined;
  removed = false;

  constructor(
    readonly uuid: string,
    readonly name: string,
  ) {}

  private leased: DomainRefImpl | undefined = undefined;

  /**
   * The lease on the current incarnation, shared by every caller until the incarnation
   * changes (it is immutable, and every job of a storm needs one).
   */
  ref(): DomainRefImpl {
    const ref = this.leased;
    if (ref?.incarnation === this.incarnation && ref.signal === this.lease.signal) return ref;
    const fresh = new DomainRefImpl(this);
    // Shared: nobody may hang anything on it.
    Object.freeze(fresh);
    this.leased = fresh;
    return fresh;
  }

  /** Ends the live lease (idempotent). */
  endLease(why: DomainStaleError["why"]): void {
    if (!this.lease.signal.aborted) {
      this.lease.abort(new DomainStaleError(this.uuid, this.incarnation, why));
    }
  }
}

/**
 * A lease on one incarnation of a {@link DomainRecord}.
 * @internal
 */
export class DomainRefImpl implements DomainRef {
  readonly incarnation: number;
  readonly signal: AbortSignal;

  constructor(private readonly record: DomainRecord) {
    this.incarnation = record.incarnation;
    this.signal = record.lease.signal;
  }

  get uuid(): string {
    return this.record.uuid;
  }

  get name(): string {
    return this.record.name;
  }

  get domain(): Domain {
    return this.record;
  }

  isCurrent(): boolean {
    return (
      !this.signal.aborted && !this.record.removed && this.record.incarnation === this.incarnation
    );
  }

  throwIfStale(): void {
    if (this.isCurrent()) return;
    const reason: unknown = this.signal.reason;
    throw reason instanceof DomainStaleError
      ? reason
      : new DomainStaleError(
          this.uuid,
          this.incarnation,
          this.record.removed ? "removed" : "stopped",
        );
  }

  channel(): CommandChannel {
    if (!this.isCurrent()) {
      throw new DomainNotConnectedError(this.uuid, this.incarnation, "the incarnation has ended");
    }
    if (this.record.channel === undefined) {
      throw new DomainNotConnectedError(this.uuid, this.incarnation, "no monitor is connected");
    }
    return this.record.channel;
  }
}
