// Public surface of @virtevent/core. Test helpers live in "@virtevent/core/testing".
export { CoreError, isCoreError } from "./errors/core-error.js";
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
