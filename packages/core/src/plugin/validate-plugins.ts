import { createRequire } from "node:module";
import semver from "semver";
import { LifecycleEvent } from "../events/lifecycle-event.js";
import type { AnyPlugin } from "./plugin.js";
import {
  PluginCoreRangeError,
  PluginDefinitionError,
  PluginDependencyCycleError,
  PluginDomainEventTakenError,
  PluginDuplicateNameError,
  PluginMissingDependencyError,
  PluginMonitorEventTakenError,
  PluginOptionsError,
  PluginWorkerTakenError,
} from "./plugin-errors.js";

// package.json sits two levels up from both src/plugin/ (tests) and dist/plugin/ (builds).
const manifest = createRequire(import.meta.url)("../../package.json") as { version: string };

/** The installed version of `@virtevent/core`; plugins' `core` ranges are checked against it. */
export const CORE_VERSION: string = manifest.version;

const PLUGIN_NAME_RE = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

/** A plugin that passed validation, with its parsed options. */
export interface ValidatedPlugin {
  readonly plugin: AnyPlugin;
  readonly options: unknown;
}

/** Inputs of {@link validatePlugins}. */
export interface ValidatePluginsOptions {
  /** Raw options per plugin name, parsed with each plugin's `options` schema. */
  pluginOptions?: Readonly<Record<string, unknown>>;
  /** The core version to check `core` ranges against (default: the installed one). */
  coreVersion?: string;
}

/**
 * Checks a daemon's plugins without running any of their code, and returns them in setup
 * order (dependencies first; otherwise in the order given) with their parsed options.
 * Throws the first problem found as a {@link PluginValidationError} naming the plugin and
 * the field: malformed definition, duplicate name, core range not satisfied, missing
 * dependency, dependency cycle, a monitor event claimed twice, a domain event id or process
 * event handled twice, options failing their schema or given to no plugin.
 *
 * @example
 * const ordered = validatePlugins([tray, nicRxFilter], { pluginOptions: { tray: {} } });
 */
export function validatePlugins(
  plugins: readonly AnyPlugin[],
  options: ValidatePluginsOptions = {},
): ValidatedPlugin[] {
  const coreVersion = options.coreVersion ?? CORE_VERSION;
  const byName = new Map<string, AnyPlugin>();
  for (const p of plugins) {
    checkShape(p);
    if (byName.has(p.name)) throw new PluginDuplicateNameError(p.name);
    byName.set(p.name, p);
  }
  checkPluginOptionsKeys(byName, options.pluginOptions);
  for (const p of plugins) {
    if (semver.validRange(p.core) === null) {
      throw new PluginDefinitionError(
        p.name,
        "core",
        `${JSON.stringify(p.core)} is not a semver range`,
      );
    }
    if (!semver.satisfies(coreVersion, p.core, { includePrerelease: true })) {
      throw new PluginCoreRangeError(p.name, p.core, coreVersion);
    }
    for (const dep of p.dependsOn ?? []) {
      if (!byName.has(dep)) throw new PluginMissingDependencyError(p.name, dep);
    }
  }
  const ordered = topologicalOrder(plugins, byName);
  checkClaims(ordered);
  return ordered.map((p) => ({ plugin: p, options: parseOptions(p, options.pluginOptions) }));
}

function checkShape(p: AnyPlugin): void {
  const name = typeof p?.name === "string" ? p.name : String(p?.name);
  const fail = (field: string, detail: string) => {
    throw new PluginDefinitionError(name, field, detail);
  };
  if (typeof p?.name !== "string" || !PLUGIN_NAME_RE.test(p.name)) {
    fail("name", `must match ${PLUGIN_NAME_RE} (lowercase, digits, . _ -, optional @scope/)`);
  }
  if (typeof p.core !== "string") fail("core", 'must be a semver range string such as "^0.1.0"');
  if (p.dependsOn !== undefined && !isStringArray(p.dependsOn)) {
    fail("dependsOn", "must be an array of plugin names");
  }
  if (p.options !== undefined && typeof p.options?.safeParse !== "function") {
    fail("options", "must be a zod schema");
  }
  for (const [event, spec] of Object.entries(p.qmpEvents ?? {})) {
    if (typeof spec?.schema?.safeParse !== "function") {
      fail(`qmpEvents.${event}.schema`, "must be a zod schema");
    }
    if (typeof spec.onEvent !== "function")
      fail(`qmpEvents.${event}.onEvent`, "must be a function");
  }
  (p.workers ?? []).forEach((w, i) => {
    if (typeof w?.event?.name !== "string")
      fail(`workers[${i}].event`, "must be a process event type");
    if (typeof w.handler !== "function") fail(`workers[${i}].handler`, "must be a class");
  });
  (p.domainEvents ?? []).forEach((e, i) => {
    if (typeof e?.id !== "string") fail(`domainEvents[${i}]`, "must be a domain event type");
  });
  if (p.setup !== undefined && typeof p.setup !== "function") fail("setup", "must be a function");
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

/** Dependencies first; among plugins that are ready, the order given. */
function topologicalOrder(
  plugins: readonly AnyPlugin[],
  byName: ReadonlyMap<string, AnyPlugin>,
): AnyPlugin[] {
  const visiting: string[] = [];
  const done = new Set<string>();
  const out: AnyPlugin[] = [];
  const visit = (p: AnyPlugin) => {
    if (done.has(p.name)) return;
    const at = visiting.indexOf(p.name);
    if (at >= 0) throw new PluginDependencyCycleError([...visiting.slice(at), p.name]);
    visiting.push(p.name);
    for (const dep of p.dependsOn ?? []) {
      const d = byName.get(dep);
      if (d) visit(d);
    }
    visiting.pop();
    done.add(p.name);
    out.push(p);
  };
  for (const p of plugins) visit(p);
  return out;
}

function checkClaims(plugins: readonly AnyPlugin[]): void {
  const monitorEvents = new Map<string, string>();
  const domainEvents = new Map<string, string>([[LifecycleEvent.id, "core"]]);
  const workers = new Map<string, string>();
  for (const p of plugins) {
    for (const event of Object.keys(p.qmpEvents ?? {})) {
      const owner = monitorEvents.get(event);
      if (owner !== undefined) throw new PluginMonitorEventTakenError(p.name, event, owner);
      monitorEvents.set(event, p.name);
    }
    (p.domainEvents ?? []).forEach((e, i) => {
      const owner = domainEvents.get(e.id);
      if (owner !== undefined) {
        const by = owner === "core" ? "core" : `plugin "${owner}"`;
        throw new PluginDomainEventTakenError(p.name, `domainEvents[${i}]`, e.id, by);
      }
      domainEvents.set(e.id, p.name);
    });
    (p.workers ?? []).forEach((w, i) => {
      const owner = workers.get(w.event.name);
      if (owner !== undefined) {
        throw new PluginWorkerTakenError(p.name, `workers[${i}].event`, w.event.name, owner);
      }
      workers.set(w.event.name, p.name);
    });
  }
}

function parseOptions(p: AnyPlugin, all: Readonly<Record<string, unknown>> | undefined): unknown {
  const raw = all?.[p.name];
  if (p.options === undefined) {
    if (raw !== undefined) {
      throw new PluginOptionsError(
        p.name,
        "options",
        "options were given, but the plugin takes none",
      );
    }
    return undefined;
  }
  const parsed = p.options.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = (issue?.path ?? []).map(String);
  const field = ["options", ...path].join(".");
  throw new PluginOptionsError(p.name, field, issue?.message ?? "invalid options");
}

/** Options for a plugin that is not loaded are refused: a typo would go unnoticed. */
function checkPluginOptionsKeys(
  byName: ReadonlyMap<string, AnyPlugin>,
  pluginOptions: Readonly<Record<string, unknown>> | undefined,
): void {
  for (const key of Object.keys(pluginOptions ?? {})) {
    if (!byName.has(key)) {
      throw new PluginOptionsError(key, "pluginOptions", `no plugin named "${key}" is loaded`);
    }
  }
}
