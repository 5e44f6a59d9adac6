import type { DependencyContainer } from "tsyringe";
import type { z } from "zod";
import type { Disposable } from "../common/disposable.js";
import type { Logger } from "../common/logger.js";
import type { DeviceState, DomainState, JsonValue, StopReason } from "../domain/domain.js";
import type { DomainEventType } from "../events/domain-event-type.js";
import type {
  ProcessEventHandlerClass,
  ProcessEventType,
  WorkerContext,
} from "../process/process-event.js";
import type { SubmitOptions } from "../process/worker-pool.js";

/**
 * A read-only view of a domain for monitor callbacks: identity, lifecycle and device state,
 * read live from the registry. It carries no command channel.
 */
export interface DomainView {
  readonly uuid: string;
  readonly name: string;
  readonly incarnation: number;
  readonly state: DomainState;
  readonly stopReason: StopReason | undefined;
  readonly devices: ReadonlyMap<string, DeviceState>;
}

/**
 * What a monitor callback may do (stage 5 of the data path): update in-memory state, queue
 * public events, submit process events. It is synchronous and gets no way to send a monitor
 * command, by type and at runtime (a frozen object with exactly these members): a callback
 * waiting on a reply would stall every later line of its monitor.
 */
export interface MonitorCallbackContext {
  /** The domain the event came from. */
  readonly domain: DomainView;
  /** A logger with `plugin`, `event`, `domain` and `uuid` fields. */
  readonly logger: Logger;
  /** Queues a process event in the domain's lane; never throws (refusals are counted). */
  submit<T>(type: ProcessEventType<T>, payload: T, options?: SubmitOptions): void;
  /** Queues a public domain event for this domain, delivered on a later loop turn. */
  emit<E>(event: DomainEventType<E>, data: E): void;
  /** Shallow-merges `patch` into the device `alias` (a field set to undefined is deleted). */
  updateDevice(alias: string, patch: Record<string, JsonValue | undefined>): DeviceState;
}

/** One named monitor event a plugin handles: its data schema and its monitor callback. */
export interface MonitorEventSpec<D> {
  /** Validates and types the event's `data`; the monitor applies it before `onEvent`. */
  schema: z.ZodType<D>;
  /** The monitor callback: synchronous, in the monitor reader's turn. */
  onEvent(ctx: MonitorCallbackContext, domain: DomainView, data: D): void;
}

/** A {@link MonitorEventSpec} with its data type erased (what the host and the bridge hold). */
export interface AnyMonitorEventSpec {
  schema: z.ZodType<unknown>;
  // Method syntax: bivariant parameters, so every MonitorEventSpec<D> is one.
  onEvent(ctx: MonitorCallbackContext, domain: DomainView, data: never): void;
}

/** A worker handler class for one process event type. */
export interface WorkerSpec<T = unknown> {
  event: ProcessEventType<T>;
  handler: ProcessEventHandlerClass<T>;
  /** Overrides the pool's per-handler timeout, in milliseconds. */
  timeoutMs?: number;
}

/** Runs in the domain's lane each time its monitor connects (`reconnect` after the first). */
export type DomainConnectedHook = (
  ctx: WorkerContext,
  info: { readonly reconnect: boolean },
) => Promise<void>;

/** What a plugin's `setup` gets. Everything it registers through it is undone at close. */
export interface PluginSetupContext<O = undefined> {
  /** The plugin's name. */
  readonly name: string;
  /** The plugin-scoped child of the daemon's container; its worker classes resolve from it. */
  readonly container: DependencyContainer;
  /** The plugin's options, parsed by its `options` schema. */
  readonly options: O;
  /** A logger with a `plugin` field. */
  readonly logger: Logger;
  /** Adds a resync hook run on every connect and reconnect of a domain's monitor. */
  onDomainConnected(hook: DomainConnectedHook): Disposable;
  /** Disposes `d` at close, in reverse order of addition (LIFO across plugins too). */
  addDisposable<T extends Disposable>(d: T): T;
}

/**
 * A plugin, as plain data plus callbacks (fastify's model). Everything declarative is checked
 * before any plugin code runs; see `validatePlugins`.
 */
export interface PluginDefinition<
  O = undefined,
  E extends Record<string, unknown> = Record<never, never>,
> {
  /** Unique within a daemon: lowercase letters, digits, `-`, `.`, `_`, optionally @scope/. */
  readonly name: string;
  /** The semver range of `@virtevent/core` the plugin supports (`^0.1.0`). */
  readonly core: string;
  /** Plugins that must be set up before this one. */
  readonly dependsOn?: readonly string[];
  /** Schema of the plugin's options (`pluginOptions[name]` of the daemon). */
  readonly options?: z.ZodType<O>;
  /** Named monitor events (QMP events, for the qmp bridge) → schema + monitor callback. */
  readonly qmpEvents?: { readonly [K in keyof E]: MonitorEventSpec<E[K]> };
  /** Worker handler classes, one per process event type. */
  readonly workers?: readonly WorkerSpec[];
  /** The public event types the plugin emits (ids unique across the daemon). */
  readonly domainEvents?: readonly DomainEventType[];
  /** Runs once at start, in dependency order; may be async. */
  setup?(ctx: PluginSetupContext<O>): void | Promise<void>;
}

/** A plugin whose option and event types are erased: what a daemon takes a list of. */
export interface AnyPlugin {
  readonly name: string;
  readonly core: string;
  readonly dependsOn?: readonly string[];
  readonly options?: z.ZodType<unknown>;
  readonly qmpEvents?: { readonly [name: string]: AnyMonitorEventSpec };
  readonly workers?: readonly WorkerSpec[];
  readonly domainEvents?: readonly DomainEventType[];
  // Method syntax keeps parameter checking bivariant, so typed plugins are AnyPlugins.
  setup?(ctx: PluginSetupContext<never>): void | Promise<void>;
}

/**
 * Defines a plugin. Returns the definition, frozen; checking happens when a daemon starts.
 *
 * @example
 * export default definePlugin({
 *   name: "tray",
 *   core: "^0.1.0",
 *   qmpEvents: {
 *     DEVICE_TRAY_MOVED: {
 *       schema: z.object({ id: z.string(), "tray-open": z.boolean() }),
 *       onEvent(ctx, _domain, data) {
 *         ctx.submit(TrayMoved, { alias: data.id, open: data["tray-open"] }, { coalesceKey: data.id });
 *       },
 *     },
 *   },
 *   workers: [{ event: TrayMoved, handler: TrayMovedWorker }],
 *   domainEvents: [TrayChange],
 * });
 */
export function definePlugin<
  O = undefined,
  E extends Record<string, unknown> = Record<never, never>,
>(definition: PluginDefinition<O, E>): PluginDefinition<O, E> {
  return Object.freeze({ ...definition });
}
