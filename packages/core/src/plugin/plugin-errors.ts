import { CoreError } from "../errors/core-error.js";

/**
 * A plugin (or the set of plugins) is invalid; thrown before any plugin code runs. `plugin`
 * and `field` name what to fix; each kind of problem has its own subclass and code.
 */
export class PluginValidationError extends CoreError {
  constructor(
    code: string,
    /** The plugin at fault. */
    readonly plugin: string,
    /** The field at fault (`core`, `dependsOn`, `qmpEvents.DEVICE_TRAY_MOVED`, `options.mtu`). */
    readonly field: string,
    detail: string,
  ) {
    super(code, `plugin "${plugin}", field ${field}: ${detail}`);
  }
}

/** A required field is missing or has the wrong type, or the name is malformed. */
export class PluginDefinitionError extends PluginValidationError {
  constructor(plugin: string, field: string, detail: string) {
    super("VIRTEVENT_ERR_PLUGIN_DEFINITION", plugin, field, detail);
  }
}

/** Two plugins have the same name. */
export class PluginDuplicateNameError extends PluginValidationError {
  constructor(plugin: string) {
    super(
      "VIRTEVENT_ERR_PLUGIN_DUPLICATE",
      plugin,
      "name",
      "another plugin has the same name; each plugin may be loaded once",
    );
  }
}

/** A plugin depends on one that is not loaded. */
export class PluginMissingDependencyError extends PluginValidationError {
  constructor(
    plugin: string,
    readonly dependency: string,
  ) {
    super(
      "VIRTEVENT_ERR_PLUGIN_MISSING_DEPENDENCY",
      plugin,
      "dependsOn",
      `depends on "${dependency}", which is not among the daemon's plugins`,
    );
  }
}

/** Plugins depend on each other in a cycle. */
export class PluginDependencyCycleError extends PluginValidationError {
  constructor(readonly cycle: readonly string[]) {
    super(
      "VIRTEVENT_ERR_PLUGIN_DEPENDENCY_CYCLE",
      cycle[0] ?? "?",
      "dependsOn",
      `dependency cycle ${cycle.join(" → ")}`,
    );
  }
}

/** The installed core version is outside the plugin's `core` range (or the range is invalid). */
export class PluginCoreRangeError extends PluginValidationError {
  constructor(
    plugin: string,
    readonly range: string,
    readonly coreVersion: string,
  ) {
    super(
      "VIRTEVENT_ERR_PLUGIN_CORE_RANGE",
      plugin,
      "core",
      `requires @virtevent/core ${JSON.stringify(range)}, but ${coreVersion} is installed`,
    );
  }
}

/** Two plugins claim the same monitor (QMP) event. */
export class PluginMonitorEventTakenError extends PluginValidationError {
  constructor(
    plugin: string,
    readonly eventName: string,
    readonly claimedBy: string,
  ) {
    super(
      "VIRTEVENT_ERR_PLUGIN_MONITOR_EVENT_TAKEN",
      plugin,
      `qmpEvents.${eventName}`,
      `event ${eventName} is already handled by plugin "${claimedBy}"; one plugin per event`,
    );
  }
}

/** A public domain event id is declared twice (or collides with core's `lifecycle`). */
export class PluginDomainEventTakenError extends PluginValidationError {
  constructor(
    plugin: string,
    field: string,
    readonly eventId: string,
    readonly claimedBy: string,
  ) {
    super(
      "VIRTEVENT_ERR_PLUGIN_DOMAIN_EVENT_TAKEN",
      plugin,
      field,
      `domain event id "${eventId}" is already defined by ${claimedBy}`,
    );
  }
}

/** A process event type gets a second handler. */
export class PluginWorkerTakenError extends PluginValidationError {
  constructor(
    plugin: string,
    field: string,
    readonly eventName: string,
    readonly claimedBy: string,
  ) {
    super(
      "VIRTEVENT_ERR_PLUGIN_WORKER_TAKEN",
      plugin,
      field,
      `process event "${eventName}" already has a handler from plugin "${claimedBy}"`,
    );
  }
}

/** The plugin's options fail its schema, or options were given that nothing accepts. */
export class PluginOptionsError extends PluginValidationError {
  constructor(plugin: string, field: string, detail: string) {
    super("VIRTEVENT_ERR_PLUGIN_OPTIONS", plugin, field, detail);
  }
}

/** A plugin's `setup` threw or rejected; the plugins set up before it were disposed. */
export class PluginSetupError extends CoreError {
  constructor(
    readonly plugin: string,
    cause: unknown,
  ) {
    super(
      "VIRTEVENT_ERR_PLUGIN_SETUP",
      `plugin "${plugin}" failed in setup: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** `PluginHost.start()` was called a second time, or after close. */
export class PluginHostStartedError extends CoreError {
  constructor() {
    super("VIRTEVENT_ERR_PLUGIN_HOST_STARTED", "the plugin host was already started (or closed)");
  }
}
