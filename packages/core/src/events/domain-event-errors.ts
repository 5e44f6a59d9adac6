import { CoreError } from "../errors/core-error.js";

/** `deregisterAny` was given an id that is not (or no longer) registered. */
export class DomainEventCallbackUnknownError extends CoreError {
  constructor(readonly callbackId: number) {
    super(
      "VIRTEVENT_ERR_EVENT_CALLBACK_UNKNOWN",
      `no domain event callback is registered with id ${callbackId} (already deregistered, or never returned by registerAny)`,
    );
  }
}

/** A registration or stream request is malformed (not a function, bad buffer size, ...). */
export class DomainEventArgumentError extends CoreError {
  constructor(message: string) {
    super("VIRTEVENT_ERR_EVENT_ARGUMENT", message);
  }
}

/** The event state was disposed (the daemon closed); nothing can be registered any more. */
export class DomainEventStateClosedError extends CoreError {
  constructor() {
    super("VIRTEVENT_ERR_EVENT_STATE_CLOSED", "the daemon's domain event state is closed");
  }
}
