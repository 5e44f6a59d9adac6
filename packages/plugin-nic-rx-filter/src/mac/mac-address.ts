import { InvalidMacError } from "../errors/nic-rx-errors.js";

/**
 * A MAC address in canonical form: six lowercase hex pairs separated by colons. Only
 * {@link parseMac} makes one, so a value of this type has been validated and is safe to pass
 * to `ip` as an argument.
 */
export type MacAddress = string & { readonly __brand: "MacAddress" };

const MAC_PATTERN = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

/** The canonical form of `value` (case-insensitive input), or `undefined` if it is not a MAC. */
export function parseMac(value: unknown): MacAddress | undefined {
  if (typeof value !== "string" || value.length !== 17) return undefined;
  const lower = value.toLowerCase();
  return MAC_PATTERN.test(lower) ? (lower as MacAddress) : undefined;
}

/** Like {@link parseMac} but throws {@link InvalidMacError}. */
export function toMac(value: string): MacAddress {
  const mac = parseMac(value);
  if (mac === undefined) throw new InvalidMacError(value);
  return mac;
}

function firstOctet(mac: MacAddress): number {
  return Number.parseInt(mac.slice(0, 2), 16);
}

/** True when the group (I/G) bit of the first octet is set: a multicast (or broadcast) MAC. */
export function isGroupMac(mac: MacAddress): boolean {
  return (firstOctet(mac) & 0x01) === 0x01;
}

/** True for 00:00:00:00:00:00. */
export function isZeroMac(mac: MacAddress): boolean {
  return mac === "00:00:00:00:00:00";
}

/** True for a MAC a host interface may take as its own address: unicast and not all zeros. */
export function isAssignableMac(mac: MacAddress): boolean {
  return !isGroupMac(mac) && !isZeroMac(mac);
}
