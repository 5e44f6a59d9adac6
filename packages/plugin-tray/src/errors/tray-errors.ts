import { TRAY_ERROR_CODES, TrayError } from "./tray-error.js";

/** `changeMedia` options that cannot be acted on; nothing was sent to QEMU. */
export class TrayArgumentError extends TrayError {
  constructor(
    /** The offending option. */
    readonly field: string,
    message: string,
  ) {
    super(TRAY_ERROR_CODES.ARGUMENT, `invalid ${field}: ${message}`);
  }
}

/** `changeMedia` needs the tray plugin in the daemon: it waits for the plugin's TRAY_CHANGE. */
export class TrayPluginMissingError extends TrayError {
  constructor(readonly plugin: string) {
    super(
      TRAY_ERROR_CODES.PLUGIN_MISSING,
      `the daemon does not load the ${JSON.stringify(plugin)} plugin, which changeMedia needs`,
    );
  }
}

/** `query-block` lists no drive with a tray whose qdev id (or QOM path) is `alias`. */
export class TrayDeviceNotFoundError extends TrayError {
  constructor(
    readonly domain: string,
    readonly alias: string,
  ) {
    super(
      TRAY_ERROR_CODES.DEVICE_NOT_FOUND,
      `domain ${domain} has no drive with a tray named ${JSON.stringify(alias)}; nothing was changed`,
    );
  }
}

/** A media change of the same drive is already in progress; this one sent nothing. */
export class TrayBusyError extends TrayError {
  constructor(
    readonly domain: string,
    readonly alias: string,
  ) {
    super(
      TRAY_ERROR_CODES.BUSY,
      `a media change of ${alias} in ${domain} is already in progress; nothing was changed`,
    );
  }
}

/**
 * The guest locked the tray and did not open it when asked, within `timeoutMs`. The operation
 * was cancelled before any medium was touched. Retry later, or pass `force: true` to open the
 * tray regardless of the guest.
 */
export class TrayLockedError extends TrayError {
  constructor(
    readonly domain: string,
    readonly alias: string,
    readonly timeoutMs: number,
  ) {
    super(
      TRAY_ERROR_CODES.LOCKED,
      `the guest of ${domain} kept the tray of ${alias} locked and did not open it within ` +
        `${timeoutMs} ms; nothing was changed (pass force to open it anyway)`,
    );
  }
}

/** Where the tray is after a failed media change (`unmoved`: never touched). */
export type TrayPosition = "open" | "closed" | "unmoved" | "unknown";

/** What the drive holds after a failed media change. */
export type MediumOutcome =
  /** The medium present before the call is still (or again) inserted. */
  | "unchanged"
  /** The drive is empty: the old medium was removed (and could not be put back, if wanted). */
  | "removed"
  /** The new medium is inserted (only the final tray close failed). */
  | "replaced"
  /** The monitor stopped answering: QEMU's state could not be determined. */
  | "unknown";

/** The state a failed media change left the drive in. */
export interface DriveOutcome {
  readonly tray: TrayPosition;
  readonly medium: MediumOutcome;
}

const TRAY_TEXT: Record<TrayPosition, string> = {
  open: "the tray is open",
  closed: "the tray is closed",
  unmoved: "the tray was not moved",
  unknown: "the tray is in an unknown position",
};

const MEDIUM_TEXT: Record<MediumOutcome, string> = {
  unchanged: "the medium is unchanged",
  removed: "the drive is now empty",
  replaced: "the new medium is inserted",
  unknown: "the medium is in an unknown state",
};

/**
 * A step of a media change failed after the operation had started. `outcome` says exactly
 * what state the drive was left in after the rollback; `cause` is the step's error.
 */
export class MediaChangeError extends TrayError {
  constructor(
    readonly domain: string,
    readonly alias: string,
    /** The QMP command (or wait) that failed. */
    readonly step: string,
    readonly outcome: DriveOutcome,
    options: { cause: unknown },
  ) {
    const why = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(
      TRAY_ERROR_CODES.MEDIA_CHANGE,
      `changing the medium of ${alias} in ${domain} failed at ${step} (${why}); ` +
        `${MEDIUM_TEXT[outcome.medium]} and ${TRAY_TEXT[outcome.tray]}`,
      options,
    );
  }
}
