import type { DeviceState } from "@virtevent/core";
import { describe, expect, it } from "vitest";
import { aliasOfEvent, nicConfigOf, nicConfigsOf } from "./nic-device.js";

describe("aliasOfEvent", () => {
  it("prefers the NIC's name", () => {
    expect(aliasOfEvent({ name: "net0", path: "/machine/peripheral/other/virtio-backend" })).toBe(
      "net0",
    );
  });

  it("takes the qdev id from the QOM path when the name is absent or empty", () => {
    expect(aliasOfEvent({ path: "/machine/peripheral/net0/virtio-backend" })).toBe("net0");
    expect(aliasOfEvent({ name: "", path: "/machine/peripheral/nic1" })).toBe("nic1");
  });

  it("has no alias for a NIC without an id", () => {
    expect(
      aliasOfEvent({ path: "/machine/peripheral-anon/device[0]/virtio-backend" }),
    ).toBeUndefined();
    expect(aliasOfEvent({ path: "garbage" })).toBeUndefined();
  });
});

describe("nicConfigOf", () => {
  const devices = new Map<string, DeviceState>([
    ["net0", { hostInterface: "vnet0", trustGuestRxFilters: true, mac: "52:54:00:00:00:01" }],
    ["net1", { hostInterface: "vnet1" }],
    ["cd0", { trayOpen: false }],
    ["bad0", { hostInterface: "vnet0; reboot", trustGuestRxFilters: true }],
    ["bad1", { hostInterface: "vnet2", trustGuestRxFilters: "yes" }],
  ]);

  it("reads a NIC record, untrusted by default", () => {
    expect(nicConfigOf(devices, "net0")).toEqual({
      alias: "net0",
      hostInterface: "vnet0",
      trustGuestRxFilters: true,
      mac: "52:54:00:00:00:01",
    });
    expect(nicConfigOf(devices, "net1")).toEqual({
      alias: "net1",
      hostInterface: "vnet1",
      trustGuestRxFilters: false,
    });
  });

  it("ignores other devices and invalid NIC records", () => {
    expect(nicConfigOf(devices, "cd0")).toBeUndefined();
    expect(nicConfigOf(devices, "bad0")).toBeUndefined();
    expect(nicConfigOf(devices, "bad1")).toBeUndefined();
    expect(nicConfigOf(devices, "nope")).toBeUndefined();
    expect(nicConfigsOf(devices).map((n) => n.alias)).toEqual(["net0", "net1"]);
  });
});
