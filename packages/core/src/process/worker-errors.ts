import { CoreError } from "../errors/core-error.js";

/** A process event type already has a handler. */
export class ProcessEventHandlerExistsError extends CoreError {
  constructor(
    readonly eventName: string,
    readonly plugin: string,
    readonly ownerPlugin: string,
  ) {
    super(
      "VIRTEVENT_ERR_HANDLER_EXISTS",
      `plugin "${plugin}" cannot handle process event "${eventName}": plugin "${ownerPlugin}" already does`,
    );
  }
}

/** Abort reason of a handler that ran longer than its timeout. */
export class HandlerTimeoutError extends CoreError {
  constructor(
    readonly eventName: string,
    readonly plugin: string,
    readonly timeoutMs: number,
  ) {
    super(
      "VIRTEVENT_ERR_HANDLER_TIMEOUT",
      `handler of "${eventName}" (plugin "${plugin}") timed out after ${timeoutMs} ms`,
    );
  }
}

/** Abort reason of handlers still running when the pool's drain deadline passed. */
export class WorkerPoolClosedError extends CoreError {
  constructor() {
    super("VIRTEVENT_ERR_POOL_CLOSED", "the worker pool is closed");
  }
}

/** A worker-pool option is out of range. */
export class WorkerPoolOptionsError extends CoreError {
  constructor(
    readonly option: string,
    readonly value: unknown,
  ) {
    super(
      "VIRTEVENT_ERR_POOL_OPTIONS",
      `worker pool option ${option} must be a positive integer, got ${String(value)}`,
    );
  }
}
