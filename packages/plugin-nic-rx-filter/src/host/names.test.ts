import { describe, expect, it } from "vitest";
import { isNicRxError } from "../errors/nic-rx-error.js";
import { assertInterfaceName, assertNetnsName, isValidInterfaceName } from "./names.js";

describe("interface names", () => {
  it.each(["tap0", "vnet12", "macvtap0", "br-lan.10", "eth_0", "a", "abcdefghijklmno"])(
    "accepts %j",
    (name) => {
      expect(isValidInterfaceName(name)).toBe(true);
    },
  );

  it.each([
    "",
    "abcdefghijklmnop",
    "-help",
    ".",
    "..",
    "tap 0",
    "tap0\n",
    "a/b",
    "a:b",
    "$(id)",
    "tap;reboot",
  ])("refuses %j", (name) => {
    expect(isValidInterfaceName(name)).toBe(false);
    expect(() => assertInterfaceName(name)).toThrow(/invalid interface name/);
  });

  it("throws NIC_RX_ERR_INVALID_NAME errors", () => {
    expect.assertions(1);
    try {
      assertNetnsName("-n");
    } catch (e) {
      expect(isNicRxError(e, "NIC_RX_ERR_INVALID_NAME")).toBe(true);
    }
  });
});
