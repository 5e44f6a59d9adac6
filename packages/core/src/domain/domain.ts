import type { CommandChannel } from "./command-channel.js";

/** Lifecycle state of a domain, as core tracks it. */
export type DomainState = "defined" | "running" | "paused" | "stopped";

/** Why a domain stopped: a clean guest shutdown, the QEMU process died, or it was torn down. */
export type StopReason = "shutdown" | "crashed" | "destroyed";

/** A JSON value, as persisted and as kept in device state. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** The state of one device (keyed by its alias, e.g. `net0`), a plain JSON record. */
export type DeviceState = Readonly<Record<string, JsonValue>>;

/**
 * A domain (one QEMU virtual machine) as core sees it. Objects handed out by the
 * {@link DomainRegistry} are live views: read them, change them only through the registry.
 */
export interface Domain {
  /** Stable identity (RFC 4122 text form, lower case); event filters match on it. */
  readonly uuid: string;
  /** Human name, unique within the daemon. */
  readonly name: string;
  /** Bumped at every start; 0 while the domain has never run. */
  readonly incarnation: number;
  readonly state: DomainState;
  /** Set while `state` is `"stopped"`. */
  readonly stopReason?: StopReason;
  /** Per-device state, alias → JSON record; plugins add and patch fields through the registry. */
  readonly devices: ReadonlyMap<string, DeviceState>;
}

/** What `onDidChangeLifecycle` listeners receive. */
export interface LifecycleChange {
  /** The transition, named like core's LIFECYCLE public event. */
  readonly event: "started" | "suspended" | "resumed" | "stopped";
  /** The state after the transition. */
  readonly state: DomainState;
  /** Set for `stopped`. */
  readonly reason?: StopReason;
  /** The incarnation the transition belongs to (the new one for `started`). */
  readonly incarnation: number;
}

/**
 * A lease on one incarnation of a domain, held by workers across awaits. After every await a
 * worker checks `isCurrent()` (or reacts to `signal`): once the domain stops, restarts or is
 * removed, the lease is stale for good, even if a domain with the same name runs again.
 */
export interface DomainRef {
  readonly uuid: string;
  readonly name: string;
  /** The incarnation leased. */
  readonly incarnation: number;
  /** The domain's live view (its state moves on; the lease does not). */
  readonly domain: Domain;
  /** Aborts (reason: `DomainStaleError`) when this incarnation ends or the domain is removed. */
  readonly signal: AbortSignal;
  /** True while the leased incarnation is still the domain's live one. */
  isCurrent(): boolean;
  /** Throws `DomainStaleError` when `isCurrent()` is false. */
  throwIfStale(): void;
  /**
   * The monitor's command channel for this incarnation.
   * @throws DomainNotConnectedError when none is attached or the lease is stale.
   */
  channel(): CommandChannel;
}

/** Input of `DomainRegistry.define`. */
export interface DomainDefinition {
  /** Generated with `crypto.randomUUID()` when absent. */
  uuid?: string;
  name: string;
  /** Initial device state, alias → JSON record. */
  devices?: Record<string, Record<string, JsonValue>>;
}
