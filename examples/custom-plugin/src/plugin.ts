import { definePlugin } from "@virtevent/core";
import { z } from "zod";
import { BalloonChangedWorker } from "./balloon-changed-worker.js";
import {
  BALLOON_COALESCE_KEY,
  BalloonChange,
  BalloonChanged,
  type BalloonChangeEventData,
  BalloonChangeEventSchema,
} from "./balloon-events.js";
import { BalloonResync } from "./balloon-resync.js";

/** The plugin's name: its key in `pluginOptions`, logs and worker counters. */
export const BALLOON_PLUGIN_NAME = "balloon";

/**
 * The plugin's options. It takes none, but declares an empty strict schema: virteventd hands
 * every configured plugin an options object (`{}` when the config gives none), which core
 * refuses for a plugin without a schema, and a misspelt key is refused at start.
 */
export const BalloonPluginOptionsSchema = z.strictObject({}).default({});

/** The balloon plugin's parsed options. */
export type BalloonPluginOptions = z.infer<typeof BalloonPluginOptionsSchema>;

/**
 * A third-party plugin for QEMU's BALLOON_CHANGE: validated (piece 1), coalesced per domain by
 * the monitor callback (piece 2), persisted and announced as the public `balloon-change` event
 * by the worker (piece 3), and resynced from `query-balloon` on every (re)connect.
 *
 * @example
 * const daemon = createDaemon({ plugins: [balloonPlugin] });
 */
export const balloonPlugin = definePlugin<
  BalloonPluginOptions,
  { BALLOON_CHANGE: BalloonChangeEventData }
>({
  name: BALLOON_PLUGIN_NAME,
  core: "^0.1.0",
  options: BalloonPluginOptionsSchema,
  qmpEvents: {
    BALLOON_CHANGE: {
      schema: BalloonChangeEventSchema,
      // Piece 2, the monitor callback: synchronous, in the monitor reader's turn, with no way
      // to send a command. It only hands the size to the domain's lane; a queued job for the
      // same key takes the newer size instead of queueing another one.
      onEvent(ctx, _domain, data) {
        ctx.submit(BalloonChanged, { actual: data.actual }, { coalesceKey: BALLOON_COALESCE_KEY });
      },
    },
  },
  workers: [{ event: BalloonChanged, handler: BalloonChangedWorker }],
  domainEvents: [BalloonChange],
  setup(ctx) {
    const resync = ctx.container.resolve(BalloonResync);
    ctx.onDomainConnected(async (worker) => {
      await resync.run(worker);
    });
  },
});
