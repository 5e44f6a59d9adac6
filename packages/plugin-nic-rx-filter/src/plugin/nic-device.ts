import type { DeviceState } from "@virtevent/core";
import { z } from "zod";
import { isValidInterfaceName } from "../host/names.js";
import { parseMac } from "../mac/mac-address.js";
import type { NicConfig } from "../sync/plan-sync.js";

/**
 * The fields of a domain's device record (alias → record, in core's domain registry) that make
 * it a NIC this plugin manages: `hostInterface` names the host device, `trustGuestRxFilters`
 * (default false) lets the guest change it, `mac` is the configured MAC. Other plugins' fields
 * in the same record are ignored.
 *
 * @example
 * daemon.domains.define({ name: "vm1", devices: { net0: { hostInterface: "vnet0", trustGuestRxFilters: true } } });
 */
export const NicDeviceSchema = z.object({
  hostInterface: z.string().refine(isValidInterfaceName, "a Linux interface name"),
  trustGuestRxFilters: z.boolean().default(false),
  mac: z
    .string()
    .refine((m) => parseMac(m) !== undefined, "a MAC address")
    .optional(),
});

/** The NIC configuration of device `alias`, or `undefined` if it is not a (valid) NIC record. */
export function nicConfigOf(
  devices: ReadonlyMap<string, DeviceState>,
  alias: string,
): NicConfig | undefined {
  const parsed = NicDeviceSchema.safeParse(devices.get(alias));
  if (!parsed.success) return undefined;
  const { hostInterface, trustGuestRxFilters, mac } = parsed.data;
  return mac === undefined
    ? { alias, hostInterface, trustGuestRxFilters }
    : { alias, hostInterface, trustGuestRxFilters, mac };
}

/** Every NIC configured on a domain, in alias order. */
export function nicConfigsOf(devices: ReadonlyMap<string, DeviceState>): NicConfig[] {
  return [...devices.keys()]
    .sort()
    .map((alias) => nicConfigOf(devices, alias))
    .filter((nic): nic is NicConfig => nic !== undefined);
}

// QEMU names a NIC's backend /machine/peripheral/<qdev id>/virtio-backend (or the device
// itself for other models); NICs without an id live under peripheral-anon and have no alias.
const PERIPHERAL_PATH = /^\/machine\/peripheral\/([^/]+)(?:\/|$)/;

/**
 * The alias NIC_RX_FILTER_CHANGED refers to: its `name`, or the qdev id in its QOM `path` when
 * `name` is absent; `undefined` for a NIC without an id.
 */
export function aliasOfEvent(data: { name?: string; path: string }): string | undefined {
  if (data.name !== undefined && data.name !== "") return data.name;
  return PERIPHERAL_PATH.exec(data.path)?.[1];
}
