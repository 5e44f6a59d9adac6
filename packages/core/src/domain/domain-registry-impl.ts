import { randomUUID } from "node:crypto";
import { inject, injectable } from "tsyringe";
import type { Disposable } from "../common/disposable.js";
import type { Logger } from "../common/logger.js";
import { TOKENS } from "../di/tokens.js";
import type { CommandChannel } from "./command-channel.js";
import type {
  DeviceState,
  Domain,
  DomainDefinition,
  DomainRef,
  DomainState,
  JsonValue,
  LifecycleChange,
  StopReason,
} from "./domain.js";
import {
  DomainArgumentError,
  DomainExistsError,
  DomainNotFoundError,
  DomainStateError,
} from "./domain-errors.js";
import { DomainRecord } from "./domain-ref.js";
import type { DomainRegistry } from "./domain-registry.js";
import { ListenerSet } from "./listener-set.js";

/** Longest domain name accepted, in characters. */
export const MAX_DOMAIN_NAME_CHARS = 256;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

/**
 * Default {@link DomainRegistry}: in memory, one per daemon container.
 */
@injectable()
export class DomainRegistryImpl implements DomainRegistry {
  private readonly byUuid = new Map<string, DomainRecord>();
  private readonly byName = new Map<string, DomainRecord>();
  private readonly lifecycle: ListenerSet<[Domain, LifecycleChange]>;
  private readonly defined: ListenerSet<[Domain]>;
  private readonly removed: ListenerSet<[Domain]>;

  constructor(@inject(TOKENS.Logger) private readonly logger: Logger) {
    this.lifecycle = new ListenerSet(logger, "onDidChangeLifecycle");
    this.defined = new ListenerSet(logger, "onDidDefineDomain");
    this.removed = new ListenerSet(logger, "onDidRemoveDomain");
  }

  define(definition: DomainDefinition): Domain {
    const name = definition.name;
    if (typeof name !== "string" || name.length === 0 || name.length > MAX_DOMAIN_NAME_CHARS) {
      throw new DomainArgumentError("name", `expected 1..${MAX_DOMAIN_NAME_CHARS} characters`);
    }
    if (CONTROL_RE.test(name)) {
      throw new DomainArgumentError("name", "control characters are not allowed");
    }
    // A name shaped like a uuid would make get(uuidOrName) ambiguous.
    if (UUID_RE.test(name)) throw new DomainArgumentError("name", "must not look like a uuid");
    const uuid = (definition.uuid ?? randomUUID()).toLowerCase();
    if (!UUID_RE.test(uuid)) {
      throw new DomainArgumentError("uuid", `expected 8-4-4-4-12 hex digits, got ${uuid}`);
    }
    if (this.byUuid.has(uuid)) throw new DomainExistsError("uuid", uuid);
    if (this.byName.has(name)) throw new DomainExistsError("name", name);
    const record = new DomainRecord(uuid, name);
    for (const [alias, state] of Object.entries(definition.devices ?? {})) {
      record.devices.set(alias, Object.freeze({ ...state }));
    }
    this.byUuid.set(uuid, record);
    this.byName.set(name, record);
    this.logger.debug({ domain: name, uuid }, "domain defined");
    this.defined.fire(record);
    return record;
  }

  remove(uuid: string): boolean {
    const record = this.recordOf(uuid);
    if (record === undefined) return false;
    this.byUuid.delete(record.uuid);
    this.byName.delete(record.name);
    record.removed = true;
    record.channel = undefined;
    record.endLease("removed");
    this.logger.debug({ domain: record.name, uuid: record.uuid }, "domain removed");
    this.removed.fire(record);
    return true;
  }

  get(uuidOrName: string): Domain | undefined {
    return this.findByUuid(uuidOrName) ?? this.findByName(uuidOrName);
  }

  findByUuid(uuid: string): Domain | undefined {
    return this.recordOf(uuid);
  }

  findByName(name: string): Domain | undefined {
    return this.byName.get(name);
  }

  list(): Domain[] {
    return [...this.byUuid.values()];
  }

  markStarted(uuid: string): Domain {
    const record = this.require(uuid);
    this.expectState(record, ["defined", "stopped"], "started");
    record.endLease("started");
    record.incarnation++;
    record.lease = new AbortController();
    record.channel = undefined;
    record.stopReason = undefined;
    return this.transition(record, "running", { event: "started" });
  }

  markSuspended(uuid: string): Domain {
    const record = this.require(uuid);
    this.expectState(record, ["running"], "suspended");
    return this.transition(record, "paused", { event: "suspended" });
  }

  markResumed(uuid: string): Domain {
    const record = this.require(uuid);
    this.expectState(record, ["paused"], "resumed");
    return this.transition(record, "running", { event: "resumed" });
  }

  markStopped(uuid: string, reason: StopReason): boolean {
    const record = this.require(uuid);
    if (record.state !== "running" && record.state !== "paused") return false;
    record.stopReason = reason;
    record.channel = undefined;
    record.state = "stopped";
    record.endLease("stopped");
    this.transition(record, "stopped", { event: "stopped", reason });
    return true;
  }

  attachChannel(uuid: string, channel: CommandChannel): void {
    this.require(uuid).channel = channel;
  }

  detachChannel(uuid: string, channel?: CommandChannel): void {
    const record = this.recordOf(uuid);
    if (record === undefined) return;
    if (channel === undefined || record.channel === channel) record.channel = undefined;
  }

  ref(uuidOrName: string): DomainRef {
    const record = this.recordOf(uuidOrName) ?? this.byName.get(uuidOrName);
    if (record === undefined) throw new DomainNotFoundError(uuidOrName);
    return record.ref();
  }

  updateDevice(
    uuid: string,
    alias: string,
    patch: Record<string, JsonValue | undefined>,
  ): DeviceState {
    const record = this.require(uuid);
    const current = record.devices.get(alias);
    // Copied at the first field that changes: a patch repeating the known state (an event
    // that changes nothing) keeps the current record.
    let next: Record<string, JsonValue> | undefined = current === undefined ? {} : undefined;
    for (const key in patch) {
      if (!Object.hasOwn(patch, key)) continue;
      const value = patch[key];
      const known = current !== undefined && Object.hasOwn(current, key);
      if (value === undefined ? !known : known && (current as DeviceState)[key] === value) continue;
      next ??= { ...current };
      if (value === undefined) delete next[key];
      else next[key] = value;
    }
    if (next === undefined) return current as DeviceState;
    const frozen = Object.freeze(next);
    record.devices.set(alias, frozen);
    return frozen;
  }

  removeDevice(uuid: string, alias: string): boolean {
    return this.require(uuid).devices.delete(alias);
  }

  onDidChangeLifecycle(listener: (domain: Domain, change: LifecycleChange) => void): Disposable {
    return this.lifecycle.add(listener);
  }

  onDidDefineDomain(listener: (domain: Domain) => void): Disposable {
    return this.defined.add(listener);
  }

  onDidRemoveDomain(listener: (domain: Domain) => void): Disposable {
    return this.removed.add(listener);
  }

  /** Uuids are stored in lower case; callers almost always pass them so (one lookup). */
  private recordOf(uuid: string): DomainRecord | undefined {
    return this.byUuid.get(uuid) ?? this.byUuid.get(uuid.toLowerCase());
  }

  private require(uuid: string): DomainRecord {
    const record = this.recordOf(uuid);
    if (record === undefined) throw new DomainNotFoundError(uuid);
    return record;
  }

  private expectState(record: DomainRecord, allowed: DomainState[], transition: string): void {
    if (!allowed.includes(record.state)) {
      throw new DomainStateError(record.uuid, record.state, transition);
    }
  }

  private transition(
    record: DomainRecord,
    state: DomainState,
    change: { event: LifecycleChange["event"]; reason?: StopReason },
  ): Domain {
    record.state = state;
    this.logger.debug(
      { domain: record.name, uuid: record.uuid, incarnation: record.incarnation, ...change },
      "domain lifecycle",
    );
    this.lifecycle.fire(record, { ...change, state, incarnation: record.incarnation });
    return record;
  }
}
