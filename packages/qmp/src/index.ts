// Public surface of @virtevent/qmp. Test helpers live in "@virtevent/qmp/testing".

export type {
  DomainMonitorDaemon,
  DomainMonitorOptions,
  DomainMonitorStatus,
} from "./bridge/domain-monitor.js";
export {
  DomainMonitor,
  READ_PRESSURE_HIGH,
  READ_PRESSURE_LOW,
  RECONNECT_INITIAL_DELAY_MS,
  RECONNECT_MAX_DELAY_MS,
} from "./bridge/domain-monitor.js";
export type { QmpErrorCode } from "./errors/qmp-error.js";
export { isQmpError, QMP_ERROR_CODES, QmpError } from "./errors/qmp-error.js";
export {
  QmpAbortedError,
  QmpCommandError,
  QmpConnectTimeoutError,
  QmpGreetingError,
  QmpInvalidArgumentError,
  QmpIoError,
  QmpLineTooLongError,
  QmpMonitorClosedError,
  QmpNegotiationError,
  QmpProtocolError,
  QmpQueueFullError,
  QmpTimeoutError,
} from "./errors/qmp-errors.js";
export {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  MAX_EVENT_NAMES_COUNTED,
  MAX_IN_FLIGHT,
  MAX_JSON_DEPTH,
  MAX_LINE_BYTES,
  MAX_QUEUED_COMMANDS,
  OTHER_EVENTS_COUNTER,
  RECENT_IDS_REMEMBERED,
  RTT_BUCKET_BOUNDS_MS,
  RTT_RESERVOIR_SIZE,
} from "./limits.js";
export type { QmpCloseReason } from "./monitor/close-reason.js";
export type { QmpCommandMessage } from "./monitor/command-tracker.js";
export type { QmpTarget } from "./monitor/connect.js";
export { attachQmp, connectQmp, openQmpSocket } from "./monitor/connect.js";
export type { QmpCounters, QmpDropReason, RoundTripSummary } from "./monitor/counters.js";
export type { QmpEventEntry, QmpEventListener, QmpEventTable } from "./monitor/event-table.js";
export { defineQmpEvent } from "./monitor/event-table.js";
export type {
  QmpMonitorOptions,
  QmpReadGate,
  QmpTraceEntry,
} from "./monitor/monitor-options.js";
export type { QmpMonitorState } from "./monitor/qmp-monitor.js";
export { QmpMonitor } from "./monitor/qmp-monitor.js";
export { LineFramer } from "./protocol/line-framer.js";
export type { QmpEvent, QmpGreeting, QmpTimestamp, QmpVersion } from "./protocol/messages.js";
export type { SafeParseResult } from "./protocol/safe-json.js";
export { parseJsonLine } from "./protocol/safe-json.js";
