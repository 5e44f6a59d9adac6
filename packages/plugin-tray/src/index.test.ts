import { describe, expect, it } from "vitest";
import trayDefault, * as api from "./index.js";

describe("@virtevent/plugin-tray exports", () => {
  it("default-exports the plugin, as virteventd's plugin loader expects", () => {
    expect(trayDefault).toBe(api.trayPlugin);
    expect(trayDefault.name).toBe(api.TRAY_PLUGIN_NAME);
    expect(typeof api.changeMedia).toBe("function");
  });

  it("takes no options, and refuses unknown ones", () => {
    expect(api.TrayPluginOptionsSchema.parse(undefined)).toEqual({});
    expect(api.TrayPluginOptionsSchema.safeParse({ trays: [] }).success).toBe(false);
  });
});
