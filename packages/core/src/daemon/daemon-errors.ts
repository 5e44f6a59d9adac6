import { CoreError } from "../errors/core-error.js";

/** A daemon method was called in a state that does not allow it (start twice, start after close). */
export class DaemonStateError extends CoreError {
  constructor(
    readonly state: string,
    readonly operation: string,
  ) {
    super("VIRTEVENT_ERR_DAEMON_STATE", `cannot ${operation} a daemon that is ${state}`);
  }
}
