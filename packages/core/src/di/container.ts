import { type DependencyContainer, container as rootContainer } from "tsyringe";
import { TOKENS } from "./tokens.js";

/**
 * Creates the DI container of one daemon: a child of tsyringe's root container in which the
 * daemon registers everything. Nothing is ever registered in the root (global) container, so
 * two daemons in one process share no instance. The container registers itself under
 * `TOKENS.DependencyContainer`, for services that resolve classes lazily (the worker pool).
 * Dispose it with `await container.dispose()` when the daemon closes.
 *
 * @example
 * const c = createDaemonContainer();
 * c.register(TOKENS.Logger, { useValue: logger });
 */
export function createDaemonContainer(): DependencyContainer {
  const child = rootContainer.createChildContainer();
  child.register(TOKENS.DependencyContainer, { useValue: child });
  return child;
}
