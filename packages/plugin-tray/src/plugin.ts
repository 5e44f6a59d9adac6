import { definePlugin } from "@virtevent/core";
import { z } from "zod";
import {
  type DeviceTrayMovedData,
  DeviceTrayMovedSchema,
  TrayChange,
  TrayMoved,
} from "./events/tray-events.js";
import { TrayResync } from "./resync/tray-resync.js";
import { TRAY_OPEN_FIELD } from "./state/tray-state.js";
import { TrayMovedWorker } from "./worker/tray-moved-worker.js";

/** The plugin's name: its key in `pluginOptions` and in logs and counters. */
export const TRAY_PLUGIN_NAME = "tray";

/**
 * The plugin's options. It takes none today; the schema is strict so that a misspelt key in a
 * daemon's configuration is refused at start instead of silently ignored.
 */
export const TrayPluginOptionsSchema = z.strictObject({}).default({});

/** The tray plugin's parsed options. */
export type TrayPluginOptions = z.infer<typeof TrayPluginOptionsSchema>;

/**
 * The tray plugin: DEVICE_TRAY_MOVED → TRAY_CHANGE { devAlias, reason }, coalesced per drive,
 * persisted, and resynced from `query-block` on every (re)connect.
 *
 * @example
 * const daemon = createDaemon({ plugins: [trayPlugin], stateStore });
 */
export const trayPlugin = definePlugin<
  TrayPluginOptions,
  { DEVICE_TRAY_MOVED: DeviceTrayMovedData }
>({
  name: TRAY_PLUGIN_NAME,
  core: "^0.1.0",
  options: TrayPluginOptionsSchema,
  qmpEvents: {
    DEVICE_TRAY_MOVED: {
      schema: DeviceTrayMovedSchema,
      // Piece 2, the monitor callback: synchronous, in the monitor reader's turn. It records
      // the position at once and leaves persisting and announcing to the worker.
      onEvent(ctx, _domain, data) {
        const alias = data.id;
        const open = data["tray-open"];
        ctx.updateDevice(alias, { [TRAY_OPEN_FIELD]: open });
        ctx.submit(TrayMoved, { alias, open }, { coalesceKey: alias });
      },
    },
  },
  workers: [{ event: TrayMoved, handler: TrayMovedWorker }],
  domainEvents: [TrayChange],
  setup(ctx) {
    // The connect hook: resolved from the plugin's container (its constructor is injected),
    // run in the domain's lane on every connect and reconnect.
    const resync = ctx.container.resolve(TrayResync);
    ctx.onDomainConnected(async (lane) => {
      await resync.run(lane);
    });
  },
});
