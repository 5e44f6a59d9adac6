import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/load-config.js";
import { loadPlugins } from "./plugin-loader.js";

const plugin = (name: string) => ({ name, core: "^0.1.0" });
const config = (...packages: string[]) =>
  parseConfig(
    {
      stateDir: "/s",
      apiSocket: { path: "/a" },
      plugins: packages.map((p) => ({ package: p, options: { p } })),
    },
    "t",
  );

describe("loadPlugins", () => {
  it("takes the default export, a `plugin` export, or the only plugin-shaped export", async () => {
    const modules: Record<string, unknown> = {
      a: { default: plugin("a") },
      b: { plugin: plugin("b"), helper: 1 },
      c: { cPlugin: plugin("c"), TrayChange: { id: "x" } },
    };
    const { plugins, pluginOptions } = await loadPlugins(
      config("a", "b", "c"),
      async (s) => modules[s],
    );
    expect(plugins.map((p) => p.name)).toEqual(["a", "b", "c"]);
    expect(pluginOptions).toEqual({ a: { p: "a" }, b: { p: "b" }, c: { p: "c" } });
  });

  it("names every package that exports no plugin or cannot be imported", async () => {
    const modules: Record<string, unknown> = {
      two: { x: plugin("x"), y: plugin("y") },
      none: { z: 1 },
    };
    const importer = async (s: string) => {
      if (!(s in modules)) throw new Error(`Cannot find package '${s}'`);
      return modules[s];
    };
    await expect(loadPlugins(config("two", "none", "missing"), importer)).rejects.toThrow(
      /config\.plugins\[0\]\.package: "two" exports no plugin[\s\S]*config\.plugins\[1\]\.package: "none" exports no plugin[\s\S]*config\.plugins\[2\]\.package: cannot import "missing"/,
    );
  });
});
