import { CoreError } from "../errors/core-error.js";

/** No domain is registered under the uuid or name asked for. */
export class DomainNotFoundError extends CoreError {
  constructor(readonly key: string) {
    super("VIRTEVENT_ERR_DOMAIN_NOT_FOUND", `no domain with uuid or name ${JSON.stringify(key)}`);
  }
}

/** `define()` was given a name or uuid that another domain already uses. */
export class DomainExistsError extends CoreError {
  constructor(
    readonly field: "name" | "uuid",
    readonly value: string,
  ) {
    super(
      "VIRTEVENT_ERR_DOMAIN_EXISTS",
      `a domain with ${field} ${JSON.stringify(value)} is already defined`,
    );
  }
}

/** `define()` was given a malformed name, uuid or device map. */
export class DomainArgumentError extends CoreError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super("VIRTEVENT_ERR_DOMAIN_ARGUMENT", `invalid domain ${field}: ${message}`);
  }
}

/** A lifecycle transition that the domain's current state does not allow (start a running domain). */
export class DomainStateError extends CoreError {
  constructor(
    readonly uuid: string,
    readonly state: string,
    readonly transition: string,
  ) {
    super("VIRTEVENT_ERR_DOMAIN_STATE", `domain ${uuid} cannot be ${transition} while ${state}`);
  }
}

/**
 * A worker asked for the command channel of a domain that has none: the monitor is not
 * connected, or the worker's incarnation is no longer the live one.
 */
export class DomainNotConnectedError extends CoreError {
  constructor(
    readonly uuid: string,
    readonly incarnation: number,
    reason: string,
  ) {
    super(
      "VIRTEVENT_ERR_DOMAIN_NOT_CONNECTED",
      `domain ${uuid} (incarnation ${incarnation}) has no command channel: ${reason}`,
    );
  }
}

/**
 * The incarnation a {@link DomainRef} leased has ended (the domain stopped, restarted or was
 * removed). It is the abort reason of the ref's signal and what `throwIfStale()` throws.
 */
export class DomainStaleError extends CoreError {
  constructor(
    readonly uuid: string,
    readonly incarnation: number,
    readonly why: "started" | "stopped" | "removed",
  ) {
    super(
      "VIRTEVENT_ERR_DOMAIN_STALE",
      `domain ${uuid} incarnation ${incarnation} is no longer live (${why})`,
    );
  }
}
