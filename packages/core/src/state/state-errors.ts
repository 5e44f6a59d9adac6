import { CoreError } from "../errors/core-error.js";

/** A value given to the state store is not plain JSON (cycles, functions, NaN, class instances). */
export class StateValueError extends CoreError {
  constructor(
    readonly domainUuid: string,
    readonly key: string,
    readonly path: string,
    problem: string,
  ) {
    super(
      "VIRTEVENT_ERR_STATE_VALUE",
      `state ${domainUuid}/${key}: value at ${path} ${problem}; only plain JSON is stored`,
    );
  }
}

/** A domain uuid or key the store cannot hold (empty, too long, unsafe as a file name). */
export class StateKeyError extends CoreError {
  constructor(
    readonly field: "domainUuid" | "key",
    readonly value: string,
  ) {
    super("VIRTEVENT_ERR_STATE_KEY", `invalid state ${field} ${JSON.stringify(value)}`);
  }
}

/** A state file on disk is not valid; it is set aside (renamed `*.corrupt`) and skipped. */
export class StateCorruptError extends CoreError {
  constructor(
    readonly file: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super("VIRTEVENT_ERR_STATE_CORRUPT", `state file ${file} is corrupt: ${problem}`, options);
  }
}

/** A write failed (disk full, permissions); the value stays in memory and is retried next write. */
export class StateWriteError extends CoreError {
  constructor(
    readonly file: string,
    options: { cause: unknown },
  ) {
    super("VIRTEVENT_ERR_STATE_WRITE", `cannot write state file ${file}`, options);
  }
}

/** The store was used after `close()`. */
export class StateStoreClosedError extends CoreError {
  constructor() {
    super("VIRTEVENT_ERR_STATE_CLOSED", "the state store is closed");
  }
}
