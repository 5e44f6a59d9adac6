// Public surface of @virtevent/core. Test helpers live in "@virtevent/core/testing".

export type { Disposable } from "./common/disposable.js";
export { DisposableStore, toDisposable } from "./common/disposable.js";
export type { Logger } from "./common/logger.js";
export { createLogger, createSilentLogger } from "./common/logger.js";
export { createDaemon } from "./daemon/create-daemon.js";
export type {
  Daemon,
  DaemonCloseResult,
  DaemonOptions,
  DaemonState,
} from "./daemon/daemon.js";
export {
  DaemonStateError,
  DEFAULT_CLOSE_DEADLINE_MS,
  MAX_CLOSE_FLUSH_ROUNDS,
} from "./daemon/daemon.js";
export type {
  DomainConnectedOptions,
  DomainDisconnectedOptions,
  MonitorBridge,
} from "./daemon/monitor-bridge.js";
export { CLOSE_SIGNALS, RELOAD_SIGNAL } from "./daemon/signals.js";
export { createDaemonContainer } from "./di/container.js";
export type { CoreServices, CoreServicesOptions } from "./di/core-services.js";
export { registerCoreServices } from "./di/core-services.js";
export type { Token } from "./di/tokens.js";
export { createToken, TOKENS } from "./di/tokens.js";
export type { CommandChannel, CommandOptions } from "./domain/command-channel.js";
export type {
  DeviceState,
  Domain,
  DomainDefinition,
  DomainRef,
  DomainState,
  JsonValue,
  LifecycleChange,
  StopReason,
} from "./domain/domain.js";
export {
  DomainArgumentError,
  DomainExistsError,
  DomainNotConnectedError,
  DomainNotFoundError,
  DomainStaleError,
  DomainStateError,
} from "./domain/domain-errors.js";
export type { DomainRegistry } from "./domain/domain-registry.js";
export { DomainRegistryImpl, MAX_DOMAIN_NAME_CHARS } from "./domain/domain-registry-impl.js";
export { CoreError, isCoreError } from "./errors/core-error.js";
export {
  DomainEventArgumentError,
  DomainEventCallbackUnknownError,
  DomainEventStateClosedError,
} from "./events/domain-event-errors.js";
export type {
  DomainEventCallback,
  DomainEventDomain,
  DomainEventMeta,
  DomainEventOwner,
  DomainEventRegistration,
  DomainEventState,
  DomainEventStats,
  DomainEventStreamItem,
  DomainEventStreamOptions,
} from "./events/domain-event-state.js";
export {
  DEFAULT_STREAM_BUFFER_EVENTS,
  MAX_QUEUED_DOMAIN_EVENTS,
  MAX_STREAM_BUFFER_EVENTS,
} from "./events/domain-event-state.js";
export { DomainEventStateImpl } from "./events/domain-event-state-impl.js";
export type { DomainEventSink, DomainEventType } from "./events/domain-event-type.js";
export { defineDomainEvent } from "./events/domain-event-type.js";
export type { LifecycleEventData } from "./events/lifecycle-event.js";
export {
  forwardLifecycleEvents,
  LifecycleEvent,
  LifecycleEventSchema,
} from "./events/lifecycle-event.js";
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
export type {
  AnyMonitorEventSpec,
  AnyPlugin,
  DomainConnectedHook,
  DomainView,
  MonitorCallbackContext,
  MonitorEventSpec,
  PluginDefinition,
  PluginSetupContext,
  WorkerSpec,
} from "./plugin/plugin.js";
export { definePlugin } from "./plugin/plugin.js";
export {
  PluginCoreRangeError,
  PluginDefinitionError,
  PluginDependencyCycleError,
  PluginDomainEventTakenError,
  PluginDuplicateNameError,
  PluginHostStartedError,
  PluginMissingDependencyError,
  PluginMonitorEventTakenError,
  PluginOptionsError,
  PluginSetupError,
  PluginValidationError,
  PluginWorkerTakenError,
} from "./plugin/plugin-errors.js";
export type {
  MonitorCallbackStats,
  MonitorEventEntry,
  PluginHost,
  PluginHostStats,
} from "./plugin/plugin-host.js";
export { PLUGIN_OPTIONS_TOKEN } from "./plugin/plugin-host.js";
export { PluginHostImpl } from "./plugin/plugin-host-impl.js";
export type { ValidatedPlugin, ValidatePluginsOptions } from "./plugin/validate-plugins.js";
export { CORE_VERSION, validatePlugins } from "./plugin/validate-plugins.js";
export type {
  ProcessEventHandler,
  ProcessEventHandlerClass,
  ProcessEventType,
  WorkerContext,
} from "./process/process-event.js";
export { defineProcessEvent } from "./process/process-event.js";
export {
  HandlerTimeoutError,
  ProcessEventHandlerExistsError,
  WorkerPoolClosedError,
  WorkerPoolOptionsError,
} from "./process/worker-errors.js";
export type {
  DrainResult,
  HandlerRegistrationOptions,
  JobOutcome,
  LaneStats,
  PluginWorkerStats,
  SubmitOptions,
  WorkerPool,
  WorkerPoolOptions,
  WorkerPoolStats,
} from "./process/worker-pool.js";
export {
  HANDLER_ABORT_GRACE_MS,
  HANDLER_TIMEOUT_MS,
  LANE_QUEUE_LIMIT,
  MAX_CONCURRENT_HANDLERS,
} from "./process/worker-pool.js";
export { WorkerPoolImpl } from "./process/worker-pool-impl.js";
export type { FileStateStoreOptions } from "./state/file-state-store.js";
export {
  FileStateStore,
  STATE_FILE_FORMAT,
  STATE_FILE_VERSION,
} from "./state/file-state-store.js";
export { MAX_STATE_DEPTH, MAX_STATE_KEY_CHARS } from "./state/json-value.js";
export { MemoryStateStore } from "./state/memory-state-store.js";
export {
  StateCorruptError,
  StateKeyError,
  StateStoreClosedError,
  StateValueError,
  StateWriteError,
} from "./state/state-errors.js";
export type { StateStore } from "./state/state-store.js";
