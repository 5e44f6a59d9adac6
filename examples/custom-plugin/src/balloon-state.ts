import type { StateStore } from "@virtevent/core";

/**
 * The StateStore key this plugin owns in each domain: the last size announced, in bytes.
 * Persisted so that a restarted daemon (with a file-backed store) can tell which sizes it
 * already announced and which changed while it was down.
 */
export const BALLOON_STATE_KEY = "balloon:actual";

/** The size last announced for a domain, in bytes; undefined when never recorded. */
export function readBalloonActual(store: StateStore, domainUuid: string): number | undefined {
  const value = store.get(domainUuid, BALLOON_STATE_KEY);
  return typeof value === "number" ? value : undefined;
}

/** Records the size announced for a domain; resolves once durable (memory is updated at once). */
export function writeBalloonActual(
  store: StateStore,
  domainUuid: string,
  actual: number,
): Promise<void> {
  return store.set(domainUuid, BALLOON_STATE_KEY, actual);
}
