// Public surface of @virtevent/plugin-tray.

export type { TrayErrorCode } from "./errors/tray-error.js";
export { isTrayError, TRAY_ERROR_CODES, TrayError } from "./errors/tray-error.js";
export type { DriveOutcome, MediumOutcome, TrayPosition } from "./errors/tray-errors.js";
export {
  MediaChangeError,
  TrayArgumentError,
  TrayBusyError,
  TrayDeviceNotFoundError,
  TrayLockedError,
  TrayPluginMissingError,
} from "./errors/tray-errors.js";
export type {
  DeviceTrayMovedData,
  TrayChangeData,
  TrayMovedPayload,
} from "./events/tray-events.js";
export {
  DeviceTrayMovedSchema,
  TrayChange,
  TrayChangeSchema,
  TrayMoved,
} from "./events/tray-events.js";
export type {
  ChangeMediaDaemon,
  ChangeMediaOptions,
  ChangeMediaResult,
} from "./media/change-media.js";
export {
  changeMedia,
  DEFAULT_TRAY_OPEN_TIMEOUT_MS,
  MAX_TRAY_OPEN_TIMEOUT_MS,
} from "./media/change-media.js";
export { MEDIA_NODE_PREFIX } from "./media/media-change-run.js";
export type { TrayPluginOptions } from "./plugin.js";
// The default export is what virteventd loads for `{ "package": "@virtevent/plugin-tray" }`.
export {
  TRAY_PLUGIN_NAME,
  TrayPluginOptionsSchema,
  trayPlugin,
  trayPlugin as default,
} from "./plugin.js";
export type { BlockInfo, TrayInfo } from "./resync/query-block.js";
export { BlockInfoSchema, parseTrays } from "./resync/query-block.js";
export { TrayResync } from "./resync/tray-resync.js";
export {
  readTrayPosition,
  TRAY_OPEN_FIELD,
  TRAY_STATE_KEY_PREFIX,
  trayStateKey,
} from "./state/tray-state.js";
export { TrayMovedWorker } from "./worker/tray-moved-worker.js";
