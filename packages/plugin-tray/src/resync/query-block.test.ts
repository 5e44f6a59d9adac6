import { describe, expect, it } from "vitest";
import { parseTrays } from "./query-block.js";

describe("parseTrays", () => {
  it("keeps drives with a tray, keyed by qdev, with lock and medium", () => {
    const reply = [
      { device: "", qdev: "cd0", tray_open: false, locked: true, removable: true },
      {
        device: "",
        qdev: "cd1",
        tray_open: true,
        locked: false,
        inserted: { "node-name": "vt-tray-1", file: "/iso/a.iso", ro: true },
      },
      { device: "disk0", qdev: "/machine/peripheral/virtio0/virtio-backend", locked: false },
    ];
    expect(parseTrays(reply)).toEqual([
      { alias: "cd0", open: false, locked: true, nodeName: undefined, file: undefined },
      { alias: "cd1", open: true, locked: false, nodeName: "vt-tray-1", file: "/iso/a.iso" },
    ]);
  });

  it("skips malformed entries and drives without an attached device", () => {
    const reply = [
      { device: "", qdev: "cd0", tray_open: "yes" },
      { device: "floppy", tray_open: true },
      null,
      { device: "", qdev: "cd2", tray_open: true },
    ];
    expect(parseTrays(reply).map((t) => t.alias)).toEqual(["cd2"]);
  });

  it("throws when the reply is not an array", () => {
    expect(() => parseTrays({ oops: true })).toThrow();
  });
});
