import { describe, expect, it } from "vitest";
import { isNicRxError } from "../errors/nic-rx-error.js";
import { isAssignableMac, isGroupMac, isZeroMac, parseMac, toMac } from "./mac-address.js";

describe("parseMac", () => {
  it("canonicalises to lowercase", () => {
    expect(parseMac("52:54:00:AB:cd:EF")).toBe("52:54:00:ab:cd:ef");
  });

  it.each([
    "",
    "52:54:00:ab:cd",
    "52:54:00:ab:cd:ef:01",
    "52-54-00-ab-cd-ef",
    "5254.00ab.cdef",
    "52:54:00:ab:cd:eg",
    " 52:54:00:ab:cd:ef",
    "52:54:00:ab:cd:ef\n",
    "52:54:00:ab:cd:e;",
    "$(reboot)x:xx:xx",
  ])("refuses %j", (value) => {
    expect(parseMac(value)).toBeUndefined();
  });

  it("refuses non-strings", () => {
    expect(parseMac(42)).toBeUndefined();
    expect(parseMac(undefined)).toBeUndefined();
  });
});

describe("toMac", () => {
  it("throws a NIC_RX_ERR_INVALID_MAC error for garbage", () => {
    expect.assertions(1);
    try {
      toMac("nope");
    } catch (e) {
      expect(isNicRxError(e, "NIC_RX_ERR_INVALID_MAC")).toBe(true);
    }
  });
});

describe("MAC classes", () => {
  it("tells group MACs by the low bit of the first octet", () => {
    expect(isGroupMac(toMac("01:00:5e:00:00:01"))).toBe(true);
    expect(isGroupMac(toMac("33:33:00:00:00:01"))).toBe(true);
    expect(isGroupMac(toMac("ff:ff:ff:ff:ff:ff"))).toBe(true);
    expect(isGroupMac(toMac("52:54:00:00:00:01"))).toBe(false);
    expect(isGroupMac(toMac("02:00:00:00:00:00"))).toBe(false);
  });

  it("only a unicast non-zero MAC is assignable", () => {
    expect(isZeroMac(toMac("00:00:00:00:00:00"))).toBe(true);
    expect(isAssignableMac(toMac("00:00:00:00:00:00"))).toBe(false);
    expect(isAssignableMac(toMac("03:00:00:00:00:01"))).toBe(false);
    expect(isAssignableMac(toMac("52:54:00:12:34:56"))).toBe(true);
  });
});
