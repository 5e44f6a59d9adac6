import type { Logger } from "../common/logger.js";
import type { Domain } from "../domain/domain.js";
import type { DomainRegistry } from "../domain/domain-registry.js";
import type { DomainEventSink } from "../events/domain-event-type.js";
import type { WorkerPool } from "../process/worker-pool.js";
import type { DomainView, MonitorCallbackContext } from "./plugin.js";

/**
 * A frozen view of `domain` whose fields read the live registry record. The record itself
 * holds the command channel, so it is never handed to a monitor callback.
 * @internal
 */
export function createDomainView(domain: Domain): DomainView {
  return Object.freeze({
    get uuid() {
      return domain.uuid;
    },
    get name() {
      return domain.name;
    },
    get incarnation() {
      return domain.incarnation;
    },
    get state() {
      return domain.state;
    },
    get stopReason() {
      return domain.stopReason;
    },
    get devices() {
      return domain.devices;
    },
  });
}

/** The services a monitor callback context delegates to. @internal */
export interface MonitorCallbackServices {
  readonly domains: DomainRegistry;
  readonly workers: WorkerPool;
  readonly events: DomainEventSink;
}

/**
 * Builds the context of one monitor callback: exactly `domain`, `logger`, `submit`, `emit`
 * and `updateDevice`, frozen, with nothing that reaches a command channel. `makeLogger` is
 * called at most once, when the callback first uses `logger`.
 * @internal
 */
export function createMonitorCallbackContext(
  services: MonitorCallbackServices,
  domain: Domain,
  makeLogger: () => Logger,
): MonitorCallbackContext {
  const uuid = domain.uuid;
  const view = createDomainView(domain);
  let logger: Logger | undefined;
  return Object.freeze({
    domain: view,
    // Built on first use: most callbacks never log, and an event storm calls them a lot.
    get logger() {
      logger ??= makeLogger();
      return logger;
    },
    submit(type, payload, options) {
      services.workers.submit(uuid, type, payload, options);
    },
    emit(event, data) {
      services.events.queue(event, uuid, data);
    },
    updateDevice(alias, patch) {
      return services.domains.updateDevice(uuid, alias, patch);
    },
  } satisfies MonitorCallbackContext);
}
