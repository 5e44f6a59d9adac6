import type { JsonValue } from "../domain/domain.js";
import { checkStateKeys, quiet, toFrozenJson } from "./json-value.js";
import { StateStoreClosedError } from "./state-errors.js";
import type { StateStore } from "./state-store.js";

/**
 * The in-memory half every store shares: validation, copies, reads. Subclasses make changes
 * durable in `persist`.
 * @internal
 */
export abstract class StateStoreBase implements StateStore {
  protected readonly data = new Map<string, Map<string, JsonValue>>();
  protected closed = false;

  abstract load(): Promise<void>;
  abstract close(): Promise<void>;
  /** Makes the current in-memory state of `domainUuid` durable. */
  protected abstract persist(domainUuid: string): Promise<void>;

  get(domainUuid: string, key: string): JsonValue | undefined {
    return this.data.get(domainUuid)?.get(key);
  }

  entries(domainUuid: string): Readonly<Record<string, JsonValue>> {
    return Object.freeze(Object.fromEntries(this.data.get(domainUuid) ?? []));
  }

  domains(): string[] {
    return [...this.data.keys()];
  }

  set(domainUuid: string, key: string, value: JsonValue): Promise<void> {
    return this.change(domainUuid, key, () => {
      const copy = toFrozenJson(domainUuid, key, value);
      let entries = this.data.get(domainUuid);
      if (entries === undefined) {
        entries = new Map();
        this.data.set(domainUuid, entries);
      }
      entries.set(key, copy);
    });
  }

  delete(domainUuid: string, key: string): Promise<void> {
    return this.change(domainUuid, key, () => {
      const entries = this.data.get(domainUuid);
      entries?.delete(key);
      if (entries?.size === 0) this.data.delete(domainUuid);
    });
  }

  deleteDomain(domainUuid: string): Promise<void> {
    return this.change(domainUuid, "*", () => this.data.delete(domainUuid));
  }

  private change(domainUuid: string, key: string, apply: () => void): Promise<void> {
    try {
      if (this.closed) throw new StateStoreClosedError();
      checkStateKeys(domainUuid, key);
      apply();
    } catch (error) {
      return quiet(Promise.reject(error));
    }
    return quiet(this.persist(domainUuid));
  }
}
