import { CoreError } from "../errors/core-error.js";

/** A loop implementation name was registered twice. */
export class EventLoopNameTakenError extends CoreError {
  constructor(readonly implName: string) {
    super(
      "VIRTEVENT_ERR_LOOP_NAME_TAKEN",
      `event-loop implementation "${implName}" is already registered; pick another name`,
    );
  }
}

/** No loop implementation is registered under the requested name. */
export class EventLoopUnknownError extends CoreError {
  constructor(
    readonly implName: string,
    readonly known: readonly string[],
  ) {
    super(
      "VIRTEVENT_ERR_LOOP_UNKNOWN",
      `unknown event-loop implementation "${implName}"; expected one of: ${known.join(", ")}`,
    );
  }
}

/** The loop of a running daemon cannot be replaced (RELIABILITY.md row 16). */
export class EventLoopLockedError extends CoreError {
  constructor(readonly current: string) {
    super(
      "VIRTEVENT_ERR_LOOP_LOCKED",
      `the event loop is already in use (implementation "${current}"); select it before start`,
    );
  }
}

/** A handle or timeout was added to a loop after `close()`. */
export class EventLoopClosedError extends CoreError {
  constructor(readonly implName: string) {
    super("VIRTEVENT_ERR_LOOP_CLOSED", `event loop "${implName}" is closed`);
  }
}

/** An argument to a loop method is out of range. */
export class EventLoopArgumentError extends CoreError {
  constructor(message: string) {
    super("VIRTEVENT_ERR_LOOP_ARGUMENT", message);
  }
}
