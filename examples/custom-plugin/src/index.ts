// Public surface of the example plugin. The default export is what virteventd loads for
// `plugins: [{ package: "@virtevent/example-custom-plugin" }]`.

import { balloonPlugin } from "./plugin.js";

export { BalloonChangedWorker } from "./balloon-changed-worker.js";
export type {
  BalloonChangeData,
  BalloonChangedPayload,
  BalloonChangeEventData,
} from "./balloon-events.js";
export {
  BALLOON_COALESCE_KEY,
  BalloonChange,
  BalloonChanged,
  BalloonChangeEventSchema,
  BalloonChangeSchema,
  BalloonInfoSchema,
} from "./balloon-events.js";
export type { BalloonResyncResult } from "./balloon-resync.js";
export { BalloonResync } from "./balloon-resync.js";
export { BALLOON_STATE_KEY, readBalloonActual } from "./balloon-state.js";
export type { BalloonPluginOptions } from "./plugin.js";
export { BALLOON_PLUGIN_NAME, BalloonPluginOptionsSchema, balloonPlugin } from "./plugin.js";

export default balloonPlugin;
