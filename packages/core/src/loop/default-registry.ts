import { ManualEventLoop } from "../testing/manual-event-loop.js";
import type { EventLoopFactory } from "./event-loop-registry.js";
import { EventLoopRegistry } from "./event-loop-registry.js";
import { NodeEventLoop } from "./node-event-loop.js";

/** A registry pre-filled with the implementations core ships: `node` and `manual`. */
export function createEventLoopRegistry(): EventLoopRegistry {
  const registry = new EventLoopRegistry();
  registry.register("node", () => new NodeEventLoop());
  registry.register("manual", () => new ManualEventLoop());
  return registry;
}

/**
 * The process-wide registry daemons consult when given a loop by name. Third parties add their
 * implementation once, at import time of their package.
 */
export const defaultEventLoopRegistry: EventLoopRegistry = createEventLoopRegistry();

/**
 * Registers a loop implementation in {@link defaultEventLoopRegistry}.
 *
 * @example
 * registerEventLoopImpl("instrumented", () => new InstrumentedLoop());
 */
export function registerEventLoopImpl(name: string, factory: EventLoopFactory): void {
  defaultEventLoopRegistry.register(name, factory);
}
