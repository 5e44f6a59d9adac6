import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import type { z } from "zod";
import { ConfigError } from "../daemon-error.js";
import { DaemonConfig } from "./config-schema.js";

/** Formats zod issues as `field.path: message`, one per line, with the config's own paths. */
export function formatIssues(error: z.ZodError, root = "config"): string[] {
  return error.issues.map((issue) => {
    let path = root;
    for (const key of issue.path) {
      path += typeof key === "number" ? `[${key}]` : `.${String(key)}`;
    }
    return `${path}: ${issue.message}`;
  });
}

/**
 * Validates a parsed configuration object; throws a {@link ConfigError} naming every bad field.
 * Relative paths (stateDir, apiSocket.path, domains[].qmp) are resolved against `baseDir`.
 */
export function parseConfig(raw: unknown, source: string, baseDir = process.cwd()): DaemonConfig {
  const result = DaemonConfig.safeParse(raw);
  if (!result.success) throw new ConfigError(source, formatIssues(result.error));
  const config = result.data;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  return {
    ...config,
    stateDir: abs(config.stateDir),
    apiSocket: { ...config.apiSocket, path: abs(config.apiSocket.path) },
    domains: config.domains.map((d) => (d.qmp ? { ...d, qmp: abs(d.qmp) } : d)),
  };
}

/** Reads and validates a JSON configuration file (relative paths resolve against its folder). */
export async function loadConfig(file: string): Promise<DaemonConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new ConfigError(file, [`cannot read the file: ${(e as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, [`not valid JSON: ${(e as Error).message}`]);
  }
  return parseConfig(raw, file, dirname(resolve(file)));
}
