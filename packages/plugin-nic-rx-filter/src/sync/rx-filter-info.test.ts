import { describe, expect, it } from "vitest";
import { findRxFilterInfo } from "./rx-filter-info.js";

// A reply as QEMU 7.2 sends it for a virtio-net NIC.
const REPLY = [
  {
    name: "net0",
    promiscuous: true,
    "multicast-overflow": false,
    "unicast-overflow": false,
    multicast: "normal",
    unicast: "normal",
    vlan: "normal",
    "broadcast-allowed": false,
    "main-mac": "52:54:00:12:34:56",
    "vlan-table": [],
    "unicast-table": [],
    "multicast-table": ["01:00:5e:00:00:01", "33:33:00:00:00:01"],
  },
];

describe("findRxFilterInfo", () => {
  it("picks the NIC by name and ignores unknown members", () => {
    const info = findRxFilterInfo([{ ...REPLY[0], "future-member": { x: 1 } }], "net0");
    expect(info).toMatchObject({
      name: "net0",
      promiscuous: true,
      "main-mac": "52:54:00:12:34:56",
    });
    expect(info).not.toHaveProperty("future-member");
  });

  it("explains a missing NIC", () => {
    expect(findRxFilterInfo(REPLY, "net1")).toMatch(/no NIC named "net1"/);
  });

  it.each([
    ["not an array", { name: "net0" }],
    ["promiscuous missing", [{ ...REPLY[0], promiscuous: undefined }]],
    ["an unknown multicast mode", [{ ...REPLY[0], multicast: "some" }]],
    ["a table that is not an array", [{ ...REPLY[0], "multicast-table": "01:00:5e:00:00:01" }]],
  ])("refuses a malformed reply: %s", (_what, reply) => {
    expect(findRxFilterInfo(reply, "net0")).toMatch(/malformed query-rx-filter reply/);
  });
});
