import { describe, expect, it } from "vitest";
import { DeviceTrayMovedSchema, TrayChange, TrayChangeSchema } from "./tray-events.js";

describe("DeviceTrayMovedSchema", () => {
  it("accepts QEMU's data, with an empty device and unknown members", () => {
    const data = { device: "", id: "cd0", "tray-open": true, future: 1 };
    expect(DeviceTrayMovedSchema.parse(data)).toEqual({ device: "", id: "cd0", "tray-open": true });
  });

  it.each([
    ["no id", { device: "", "tray-open": true }],
    ["an empty id", { device: "", id: "", "tray-open": false }],
    ["tray-open as a number", { device: "", id: "cd0", "tray-open": 1 }],
    ["no device", { id: "cd0", "tray-open": true }],
    ["no data", undefined],
  ])("refuses %s", (_why, data) => {
    expect(DeviceTrayMovedSchema.safeParse(data).success).toBe(false);
  });
});

describe("TrayChange", () => {
  it("is the public tray-change event with devAlias and reason", () => {
    expect(TrayChange.id).toBe("tray-change");
    expect(TrayChangeSchema.parse({ devAlias: "cd0", reason: "close" })).toEqual({
      devAlias: "cd0",
      reason: "close",
    });
    expect(TrayChangeSchema.safeParse({ devAlias: "cd0", reason: "moved" }).success).toBe(false);
  });
});
