import type { AnyPlugin } from "@virtevent/core";
import type { DaemonConfig } from "../config/config-schema.js";
import { ConfigError } from "../daemon-error.js";

function looksLikePlugin(v: unknown): v is AnyPlugin {
  const p = v as { name?: unknown; core?: unknown } | undefined;
  return (
    typeof p === "object" && p !== null && typeof p.name === "string" && typeof p.core === "string"
  );
}

/** The default export, else a `plugin` export, else the module's only plugin-shaped export. */
function pickPlugin(mod: Record<string, unknown>): AnyPlugin | undefined {
  if (looksLikePlugin(mod.default)) return mod.default;
  if (looksLikePlugin(mod.plugin)) return mod.plugin;
  const candidates = Object.values(mod).filter(looksLikePlugin);
  return candidates.length === 1 ? candidates[0] : undefined;
}

/**
 * Imports every configured plugin package (its default export, a `plugin` export, or its only
 * plugin-shaped export)
 * and returns the plugins with their raw options by plugin name. A package that cannot be
 * imported or exports no plugin is a configuration error naming the entry.
 */
export async function loadPlugins(
  config: DaemonConfig,
  importer: (specifier: string) => Promise<unknown> = (s) => import(s),
): Promise<{ plugins: AnyPlugin[]; pluginOptions: Record<string, unknown> }> {
  const plugins: AnyPlugin[] = [];
  const pluginOptions: Record<string, unknown> = {};
  const issues: string[] = [];
  for (const [i, entry] of config.plugins.entries()) {
    let mod: unknown;
    try {
      mod = await importer(entry.package);
    } catch (e) {
      issues.push(
        `config.plugins[${i}].package: cannot import "${entry.package}": ${(e as Error).message}`,
      );
      continue;
    }
    const plugin = pickPlugin(mod as Record<string, unknown>);
    if (!plugin) {
      issues.push(
        `config.plugins[${i}].package: "${entry.package}" exports no plugin (expected a default export made with definePlugin, or exactly one plugin export)`,
      );
      continue;
    }
    plugins.push(plugin);
    if (entry.options !== undefined) pluginOptions[plugin.name] = entry.options;
  }
  if (issues.length > 0) throw new ConfigError("plugins", issues);
  return { plugins, pluginOptions };
}
