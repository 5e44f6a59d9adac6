import type { z } from "zod";
import type { Disposable } from "../common/disposable.js";
import type { AnyMonitorEventSpec, AnyPlugin } from "./plugin.js";

/** DI token under which each plugin's container holds the plugin's parsed options. */
export const PLUGIN_OPTIONS_TOKEN: symbol = Symbol.for("@virtevent/core/PluginOptions");

/**
 * One monitor event a plugin handles, as the monitor bridge sees it: build the protocol's
 * event table from `eventName` + `schema`, then hand validated data to
 * `PluginHost.invokeMonitorEvent(entry, ...)`.
 */
export interface MonitorEventEntry {
  readonly plugin: string;
  readonly eventName: string;
  /** Validates the event's data; the monitor applies it, the host does not re-check. */
  readonly schema: z.ZodType<unknown>;
  readonly onEvent: AnyMonitorEventSpec["onEvent"];
}

/** Counters of one plugin's monitor callbacks. */
export interface MonitorCallbackStats {
  invoked: number;
  errors: number;
}

/** Counters of the plugin host. */
export interface PluginHostStats {
  /** Per plugin name. */
  monitorCallbacks: Record<string, MonitorCallbackStats>;
  /** Monitor events dropped because their domain was unknown. */
  unknownDomain: number;
}

/**
 * Loads a daemon's plugins and holds what they registered (injected with
 * `TOKENS.PluginHost`; default `PluginHostImpl`).
 *
 * - `start` validates every plugin before running any plugin code, then sets them up in
 *   dependency order, each in its own child container.
 * - `close` disposes everything the plugins registered (workers, event types, hooks,
 *   disposables, their containers) in reverse order of registration, across plugins too.
 * - Monitor callbacks run through `invokeMonitorEvent`, which contains their errors: each is
 *   counted; the first ten of a plugin are logged at error level, then one in a thousand (with
 *   the running count), so a plugin failing on every event of a storm cannot flood the log.
 */
export interface PluginHost extends Disposable {
  /**
   * Validates (`validatePlugins`) and sets up `plugins`. A failing setup disposes the plugins
   * already set up (LIFO) and rejects with `PluginSetupError`. Once `signal` aborts (the
   * daemon is closing), no further plugin is set up. Callable once.
   */
  start(
    plugins: readonly AnyPlugin[],
    pluginOptions?: Readonly<Record<string, unknown>>,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Plugin names in setup order (empty before start). */
  readonly pluginNames: readonly string[];
  /** Every plugin's monitor events, in setup order. */
  monitorEvents(): readonly MonitorEventEntry[];
  /** The entry handling `eventName`, if a plugin claimed it. */
  findMonitorEvent(eventName: string): MonitorEventEntry | undefined;
  /**
   * Runs `entry`'s monitor callback for the domain with already validated `data`, with a fresh
   * MonitorCallbackContext. Never throws: a throwing callback is logged with its plugin and
   * counted; an unknown domain is counted. Returns true when the callback ran to completion.
   */
  invokeMonitorEvent(entry: MonitorEventEntry, domainUuid: string, data: unknown): boolean;
  /**
   * Runs every plugin's `onDomainConnected` hooks (setup order) in the domain's lane; resolves
   * when all have ended. Never rejects (the pool counts hook failures per plugin).
   */
  runDomainConnectedHooks(domainUuid: string, info: { reconnect: boolean }): Promise<void>;
  /** Counters. */
  stats(): PluginHostStats;
  /** Disposes everything the plugins registered, newest first; idempotent. */
  close(): Promise<void>;
}
