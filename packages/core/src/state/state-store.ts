import type { JsonValue } from "../domain/domain.js";

/**
 * Per-domain JSON state that plugins persist (tray positions, the MAC last seen), keyed by
 * domain uuid then key. Injected with `TOKENS.StateStore`; `MemoryStateStore` by default,
 * `FileStateStore` for daemons that must remember across restarts.
 *
 * Reads are synchronous, from memory; a write updates memory at once and its promise
 * resolves once the change is durable (for the file store: on disk, fsynced). Values are
 * copied on write and handed back frozen.
 *
 * @example
 * await store.load();
 * await store.set(domain.uuid, "tray:cd0", { open: true });
 * store.get(domain.uuid, "tray:cd0"); // { open: true }
 */
export interface StateStore {
  /** Reads what was persisted; call once before use. */
  load(): Promise<void>;
  get(domainUuid: string, key: string): JsonValue | undefined;
  /** Every key of a domain (a frozen copy). */
  entries(domainUuid: string): Readonly<Record<string, JsonValue>>;
  /** Domains that have state. */
  domains(): string[];
  /** @throws StateValueError (as a rejection) when `value` is not plain JSON. */
  set(domainUuid: string, key: string, value: JsonValue): Promise<void>;
  delete(domainUuid: string, key: string): Promise<void>;
  /** Forgets every key of a domain. */
  deleteDomain(domainUuid: string): Promise<void>;
  /** Waits for pending writes; later writes reject with `StateStoreClosedError`. */
  close(): Promise<void>;
}
