import { describe, expect, it } from "vitest";
import { parseDeviceState } from "./iproute2-json.js";

// Output captured from iproute2 6.1 on a tap device.
const LINK =
  '[{"ifindex":2,"ifname":"t0","flags":["NO-CARRIER","BROADCAST","MULTICAST","ALLMULTI","PROMISC","UP"],"mtu":1500,"address":"52:54:00:11:22:33","broadcast":"ff:ff:ff:ff:ff:ff"}]';
const MADDR =
  '[{"ifindex":2,"ifname":"t0","maddr":[{"link":"33:33:00:00:00:01"},{"link":"01:00:5e:01:02:03","features":"static"},{"link":"01:00:5e:00:00:01"},{"family":"inet","address":"224.0.0.1"},{"family":"inet6","address":"ff02::1"}]}]';

describe("parseDeviceState", () => {
  it("reads flags, address and the link-layer multicast list", () => {
    expect(parseDeviceState("t0", LINK, MADDR)).toEqual({
      mac: "52:54:00:11:22:33",
      promisc: true,
      allmulticast: true,
      multicast: true,
      multicastAddresses: [
        { mac: "33:33:00:00:00:01", static: false },
        { mac: "01:00:5e:01:02:03", static: true },
        { mac: "01:00:5e:00:00:01", static: false },
      ],
    });
  });

  it("reads cleared flags as off", () => {
    const link = '[{"ifname":"t0","flags":["BROADCAST"],"address":"52:54:00:11:22:33"}]';
    expect(parseDeviceState("t0", link, "[]")).toMatchObject({
      promisc: false,
      allmulticast: false,
      multicast: false,
      multicastAddresses: [],
    });
  });

  it("accepts empty maddr output", () => {
    expect(parseDeviceState("t0", LINK, "")).toMatchObject({ multicastAddresses: [] });
  });

  it.each([
    ["garbage", "{]", MADDR, /unreadable/],
    ["another device", LINK.replace('"t0"', '"t1"'), MADDR, /device not found/],
    ["a non-Ethernet address", LINK.replace("52:54:00:11:22:33", "0.0.0.0"), MADDR, /Ethernet/],
    ["flags missing", '[{"ifname":"t0","address":"52:54:00:11:22:33"}]', MADDR, /unexpected/],
    ["maddr not an array", LINK, '{"maddr":1}', /unexpected ip -j maddr/],
  ])("explains %s", (_what, link, maddr, message) => {
    expect(parseDeviceState("t0", link, maddr)).toMatch(message);
  });
});
