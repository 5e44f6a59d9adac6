import type { JsonValue, StateStore } from "@virtevent/core";

/** Prefix of the StateStore keys this plugin owns: `tray:<alias>` → `{ "open": boolean }`. */
export const TRAY_STATE_KEY_PREFIX = "tray:";

/** The device-state field (`domain.devices.get(alias)`) holding the tray position. */
export const TRAY_OPEN_FIELD = "trayOpen";

/** The StateStore key of one drive's tray. */
export function trayStateKey(alias: string): string {
  return `${TRAY_STATE_KEY_PREFIX}${alias}`;
}

/** The persisted position of a drive's tray: true = open; undefined when never recorded. */
export function readTrayPosition(
  store: StateStore,
  domainUuid: string,
  alias: string,
): boolean | undefined {
  const value = store.get(domainUuid, trayStateKey(alias));
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const open = (value as Record<string, JsonValue>).open;
  return typeof open === "boolean" ? open : undefined;
}

/** Every drive with a persisted tray position, alias → open. */
export function readTrayPositions(store: StateStore, domainUuid: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const key of Object.keys(store.entries(domainUuid))) {
    if (!key.startsWith(TRAY_STATE_KEY_PREFIX)) continue;
    const alias = key.slice(TRAY_STATE_KEY_PREFIX.length);
    const open = readTrayPosition(store, domainUuid, alias);
    if (open !== undefined) out.set(alias, open);
  }
  return out;
}

/** Persists a drive's tray position; resolves once durable (memory is updated at once). */
export function writeTrayPosition(
  store: StateStore,
  domainUuid: string,
  alias: string,
  open: boolean,
): Promise<void> {
  return store.set(domainUuid, trayStateKey(alias), { open });
}
