import { isAbsolute } from "node:path";
import type { DomainEventState, DomainRegistry, EventLoopImpl, Logger } from "@virtevent/core";
import { TrayArgumentError, TrayBusyError, TrayPluginMissingError } from "../errors/tray-errors.js";
import { TRAY_PLUGIN_NAME } from "../plugin.js";
import { MediaChangeRun } from "./media-change-run.js";

/** How long `changeMedia` waits for the guest to open its tray by default, in milliseconds. */
export const DEFAULT_TRAY_OPEN_TIMEOUT_MS = 30_000;
/** Longest `timeoutMs` accepted, in milliseconds (one hour). */
export const MAX_TRAY_OPEN_TIMEOUT_MS = 3_600_000;

/** What `changeMedia` needs of a daemon; a core `Daemon` has all of it. */
export interface ChangeMediaDaemon {
  readonly domains: DomainRegistry;
  readonly events: DomainEventState;
  readonly loop: EventLoopImpl;
  readonly plugins: { readonly pluginNames: readonly string[] };
  readonly logger: Logger;
}

/** Options of {@link changeMedia}: `insert`, `eject`, or both (eject, then insert). */
export interface ChangeMediaOptions {
  /** Absolute path of a raw image (an ISO) to insert, opened read-only; replaces any medium. */
  insert?: string;
  /** Remove the current medium (leaving the drive empty unless `insert` is given). */
  eject?: boolean;
  /** Open the tray even if the guest locked it (answers for the guest). Default false. */
  force?: boolean;
  /** How long the guest may take to open a locked tray (default 30 s), in milliseconds. */
  timeoutMs?: number;
}

/** What a successful {@link changeMedia} did. */
export interface ChangeMediaResult {
  /** The domain's uuid. */
  readonly domain: string;
  readonly alias: string;
  /** The file inserted before the call, if any. */
  readonly previous: string | undefined;
  /** The file inserted now; undefined when the drive is empty. */
  readonly medium: string | undefined;
  /** True when the tray was opened with `force`. */
  readonly forced: boolean;
}

/** Options after validation. @internal */
export interface ResolvedMediaOptions {
  readonly insert: string | undefined;
  readonly force: boolean;
  readonly timeoutMs: number;
}

/**
 * The drives with a media change in progress, per daemon (keyed by its domain registry, which
 * lives as long as the daemon): two interleaved changes of one drive would undo each other.
 */
const inProgress = new WeakMap<DomainRegistry, Set<string>>();

function resolveOptions(options: ChangeMediaOptions): ResolvedMediaOptions {
  const { insert, eject, force, timeoutMs } = options;
  if (insert === undefined && eject !== true) {
    throw new TrayArgumentError("options", "give insert (a file), eject: true, or both");
  }
  if (insert !== undefined && (typeof insert !== "string" || !isAbsolute(insert))) {
    throw new TrayArgumentError(
      "insert",
      `must be an absolute file path, got ${JSON.stringify(insert)}`,
    );
  }
  const t = timeoutMs ?? DEFAULT_TRAY_OPEN_TIMEOUT_MS;
  if (!Number.isInteger(t) || t <= 0 || t > MAX_TRAY_OPEN_TIMEOUT_MS) {
    throw new TrayArgumentError(
      "timeoutMs",
      `must be an integer from 1 to ${MAX_TRAY_OPEN_TIMEOUT_MS}, got ${String(timeoutMs)}`,
    );
  }
  return { insert, force: force === true, timeoutMs: t };
}

/**
 * Ejects and/or inserts the medium of a drive, the way a person would: open the tray, wait
 * until it is open, take the old disc out, put the new one in, close the tray.
 *
 * The tray opens at once unless the guest locked it; then QEMU only asks the guest, which may
 * refuse. Without `force`, a tray still closed after `timeoutMs` cancels the operation with
 * `TrayLockedError` (nothing changed); `force: true` opens it regardless. A step failing later
 * is rolled back as far as QEMU allows and reported as `MediaChangeError`, whose `outcome`
 * says where the tray and the medium are. The new image is opened before the tray moves, so
 * a bad path fails with the drive untouched.
 *
 * It waits for the tray through the daemon's public TRAY_CHANGE events, so the daemon must
 * load {@link trayPlugin}; it needs nothing else from the plugin.
 *
 * Rejects with TrayArgumentError, TrayPluginMissingError, core's DomainNotFoundError or
 * DomainNotConnectedError, or TrayBusyError (a change of the same drive is running) before any
 * command is sent; TrayDeviceNotFoundError or
 * TrayLockedError with nothing changed; MediaChangeError once something may have changed.
 * @example
 * await changeMedia(daemon, "vm1", "cd0", { insert: "/srv/iso/install.iso", timeoutMs: 10_000 });
 */
export async function changeMedia(
  daemon: ChangeMediaDaemon,
  domain: string,
  alias: string,
  options: ChangeMediaOptions,
): Promise<ChangeMediaResult> {
  const resolved = resolveOptions(options);
  if (typeof alias !== "string" || alias === "") {
    throw new TrayArgumentError("alias", "must be a non-empty drive id such as cd0");
  }
  if (!daemon.plugins.pluginNames.includes(TRAY_PLUGIN_NAME)) {
    throw new TrayPluginMissingError(TRAY_PLUGIN_NAME);
  }
  const ref = daemon.domains.ref(domain);
  const channel = ref.channel();
  let busy = inProgress.get(daemon.domains);
  if (busy === undefined) {
    busy = new Set();
    inProgress.set(daemon.domains, busy);
  }
  const key = `${ref.uuid}\0${alias}`;
  if (busy.has(key)) throw new TrayBusyError(ref.name, alias);
  busy.add(key);
  try {
    return await new MediaChangeRun(daemon, ref, channel, alias, resolved).execute();
  } finally {
    busy.delete(key);
  }
}
