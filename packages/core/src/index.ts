// Public surface of @virtevent/core. Test helpers live in "@virtevent/core/testing".

export type { Disposable } from "./common/disposable.js";
export { DisposableStore, toDisposable } from "./common/disposable.js";
export type { Logger } from "./common/logger.js";
export { createLogger, createSilentLogger } from "./common/logger.js";
export type { Token } from "./di/tokens.js";
export { createToken, TOKENS } from "./di/tokens.js";
export type { CommandChannel, CommandOptions } from "./domain/command-channel.js";
export { CoreError, isCoreError } from "./errors/core-error.js";
export type { DomainEventSink, DomainEventType } from "./events/domain-event-type.js";
export { defineDomainEvent } from "./events/domain-event-type.js";
export {
  createEventLoopRegistry,
  defaultEventLoopRegistry,
  registerEventLoopImpl,
} from "./loop/default-registry.js";
export type {
  EventLoopImpl,
  FreeCallback,
  HandleCallback,
  HandleEventMask,
  TimeoutCallback,
  TimerId,
  WatchId,
} from "./loop/event-loop-impl.js";
export {
  HandleEvents,
  TIMEOUT_DISABLED,
} from "./loop/event-loop-impl.js";
export type { EventLoopFactory } from "./loop/event-loop-registry.js";
export { EventLoopRegistry } from "./loop/event-loop-registry.js";
export type { EventLoopSpec } from "./loop/event-loop-slot.js";
export { EventLoopSlot } from "./loop/event-loop-slot.js";
export type { CallbackErrorSite, LoopOptions } from "./loop/loop-base.js";
export {
  EventLoopArgumentError,
  EventLoopClosedError,
  EventLoopLockedError,
  EventLoopNameTakenError,
  EventLoopUnknownError,
} from "./loop/loop-errors.js";
export { NodeEventLoop } from "./loop/node-event-loop.js";
