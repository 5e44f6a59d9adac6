import type { Disposable } from "../common/disposable.js";
import type { CommandChannel } from "./command-channel.js";
import type {
  DeviceState,
  Domain,
  DomainDefinition,
  DomainRef,
  JsonValue,
  LifecycleChange,
  StopReason,
} from "./domain.js";

/**
 * The domains a daemon knows, their lifecycle and their command channels (libvirt's domain
 * list + virDomainObj state). Injected with `TOKENS.DomainRegistry`; default
 * `DomainRegistryImpl`.
 *
 * Lifecycle: `defined → running ⇄ paused → stopped → running …`. Each start opens a new
 * incarnation; every {@link DomainRef} leased on the previous one goes stale at once.
 *
 * @example
 * const vm = registry.define({ name: "vm1" });
 * registry.markStarted(vm.uuid);
 * const ref = registry.ref(vm.uuid); // hand to a worker
 */
export interface DomainRegistry {
  /**
   * Adds a domain in state `defined`, incarnation 0.
   * @throws DomainExistsError for a duplicate name or uuid; DomainArgumentError when malformed.
   */
  define(definition: DomainDefinition): Domain;
  /** Removes a domain: its live lease aborts, its channel is detached. False when unknown. */
  remove(uuid: string): boolean;
  /** By uuid first, then by name; undefined when unknown. */
  get(uuidOrName: string): Domain | undefined;
  findByUuid(uuid: string): Domain | undefined;
  findByName(name: string): Domain | undefined;
  /** Every domain, in definition order. */
  list(): Domain[];

  /** `defined | stopped → running`, opening a new incarnation. @throws DomainStateError */
  markStarted(uuid: string): Domain;
  /** `running → paused`. @throws DomainStateError */
  markSuspended(uuid: string): Domain;
  /** `paused → running`. @throws DomainStateError */
  markResumed(uuid: string): Domain;
  /**
   * `running | paused → stopped`: aborts the incarnation's lease and detaches its channel.
   * Returns false (and changes nothing) when the domain is not running or paused, so that a
   * SHUTDOWN event followed by the monitor's EOF stops it once.
   */
  markStopped(uuid: string, reason: StopReason): boolean;

  /** Attaches the monitor's command channel to the live incarnation (replacing any). */
  attachChannel(uuid: string, channel: CommandChannel): void;
  /** Detaches it (on monitor EOF). Only `channel` is detached when given (stale monitors). */
  detachChannel(uuid: string, channel?: CommandChannel): void;

  /** A lease on the domain's current incarnation. @throws DomainNotFoundError */
  ref(uuidOrName: string): DomainRef;

  /**
   * Shallow-merges `patch` into the device `alias` (created when absent); a field set to
   * `undefined` is deleted. Returns the device's (frozen) record: a new one, or the current one
   * when the patch changes no field. @throws DomainNotFoundError
   */
  updateDevice(
    uuid: string,
    alias: string,
    patch: Record<string, JsonValue | undefined>,
  ): DeviceState;
  /** Forgets the device `alias`; false when it had none. */
  removeDevice(uuid: string, alias: string): boolean;

  /** After every lifecycle transition. */
  onDidChangeLifecycle(listener: (domain: Domain, change: LifecycleChange) => void): Disposable;
  /** After `define()`. */
  onDidDefineDomain(listener: (domain: Domain) => void): Disposable;
  /** After `remove()`. */
  onDidRemoveDomain(listener: (domain: Domain) => void): Disposable;
}
