import { z } from "zod";
import { parseMac } from "../mac/mac-address.js";
import type { HostDeviceState, HostMulticastAddress } from "./host-network.js";

// The parts of `ip -j link show dev IF` and `ip -j maddr show dev IF` a sync reads. Unknown
// members are ignored (iproute2 adds fields across versions).
const linkSchema = z.array(
  z.object({
    ifname: z.string(),
    flags: z.array(z.string()),
    address: z.string(),
  }),
);

const maddrSchema = z.array(
  z.object({
    ifname: z.string().optional(),
    maddr: z
      .array(z.object({ link: z.string().optional(), features: z.string().optional() }))
      .optional(),
  }),
);

/**
 * Builds a {@link HostDeviceState} from the JSON text of the two commands. Returns an error
 * message instead when the output is not what iproute2 prints for one Ethernet-like device.
 */
export function parseDeviceState(
  iface: string,
  linkJson: string,
  maddrJson: string,
): HostDeviceState | string {
  let linkValue: unknown;
  let maddrValue: unknown;
  try {
    linkValue = JSON.parse(linkJson);
    // `ip -j maddr show` prints nothing at all for a device without multicast entries on some
    // iproute2 versions.
    maddrValue = maddrJson.trim() === "" ? [] : JSON.parse(maddrJson);
  } catch (e) {
    return `unreadable ip -j output: ${String(e)}`;
  }
  const link = linkSchema.safeParse(linkValue);
  if (!link.success) return `unexpected ip -j link output: ${link.error.message}`;
  const device = link.data.find((d) => d.ifname === iface);
  if (!device) return "device not found";
  const mac = parseMac(device.address);
  if (mac === undefined) return `not an Ethernet-like device (address ${device.address})`;
  const maddr = maddrSchema.safeParse(maddrValue);
  if (!maddr.success) return `unexpected ip -j maddr output: ${maddr.error.message}`;

  const multicastAddresses: HostMulticastAddress[] = [];
  for (const entry of maddr.data.filter((d) => d.ifname === undefined || d.ifname === iface)) {
    for (const address of entry.maddr ?? []) {
      const parsed = parseMac(address.link);
      if (parsed === undefined) continue; // inet / inet6 entries: not link layer
      if (multicastAddresses.some((m) => m.mac === parsed)) continue;
      multicastAddresses.push({ mac: parsed, static: address.features === "static" });
    }
  }
  const flags = new Set(device.flags);
  return {
    mac,
    promisc: flags.has("PROMISC"),
    allmulticast: flags.has("ALLMULTI"),
    multicast: flags.has("MULTICAST"),
    multicastAddresses,
  };
}
