import type { InjectionToken } from "tsyringe";

/**
 * A typed DI token for a service that crosses a package boundary. `Symbol.for` keeps tokens
 * equal across copies of the package; the phantom type keeps `resolve(token)` typed.
 */
export type Token<T> = symbol & { readonly __type?: T } & InjectionToken<T>;

/** Creates the token `@virtevent/<pkg>/<name>`. */
export function createToken<T>(pkg: string, name: string): Token<T> {
  return Symbol.for(`@virtevent/${pkg}/${name}`) as Token<T>;
}

// Tokens of the services core provides. Each interface lives next to its implementation; the
// token has the interface's name (Theia's convention: `WorkerPool` token, `WorkerPool`
// interface, `WorkerPoolImpl` class). They are declared here, as plain symbols, so that every
// area can inject every other without import cycles.
export const TOKENS = {
  EventLoopImpl: Symbol.for("@virtevent/core/EventLoopImpl"),
  Logger: Symbol.for("@virtevent/core/Logger"),
  DomainRegistry: Symbol.for("@virtevent/core/DomainRegistry"),
  DomainEventState: Symbol.for("@virtevent/core/DomainEventState"),
  WorkerPool: Symbol.for("@virtevent/core/WorkerPool"),
  WorkerPoolOptions: Symbol.for("@virtevent/core/WorkerPoolOptions"),
  StateStore: Symbol.for("@virtevent/core/StateStore"),
  PluginHost: Symbol.for("@virtevent/core/PluginHost"),
  DaemonOptions: Symbol.for("@virtevent/core/DaemonOptions"),
  /** The daemon's own container (registered in it by `createDaemonContainer`). */
  DependencyContainer: Symbol.for("@virtevent/core/DependencyContainer"),
} as const;
