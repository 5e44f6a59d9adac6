import type { EventLoopImpl } from "./event-loop-impl.js";
import { EventLoopNameTakenError, EventLoopUnknownError } from "./loop-errors.js";

/** Creates a fresh loop; called once per daemon that selects the implementation. */
export type EventLoopFactory = () => EventLoopImpl;

const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * Name → factory table of event-loop implementations (libvirt's virEventRegisterImpl, but a
 * daemon picks one instead of the process owning one). A name can be registered only once.
 *
 * @example
 * registry.register("instrumented", () => new InstrumentedLoop(new NodeEventLoop()));
 * const loop = registry.create("instrumented");
 */
export class EventLoopRegistry {
  private readonly factories = new Map<string, EventLoopFactory>();

  /** Adds `factory` under `name`; throws `EventLoopNameTakenError` if the name is taken. */
  register(name: string, factory: EventLoopFactory): void {
    if (!NAME_PATTERN.test(name)) {
      throw new TypeError(
        `event-loop implementation name must match ${NAME_PATTERN} (lowercase, digits, . _ -), got ${JSON.stringify(name)}`,
      );
    }
    if (typeof factory !== "function") {
      throw new TypeError(`event-loop factory for "${name}" must be a function`);
    }
    if (this.factories.has(name)) throw new EventLoopNameTakenError(name);
    this.factories.set(name, factory);
  }

  /** True when `name` is registered. */
  has(name: string): boolean {
    return this.factories.has(name);
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.factories.keys()];
  }

  /** A new loop from the factory registered as `name`; throws `EventLoopUnknownError`. */
  create(name: string): EventLoopImpl {
    const factory = this.factories.get(name);
    if (!factory) throw new EventLoopUnknownError(name, this.names());
    return factory();
  }
}
