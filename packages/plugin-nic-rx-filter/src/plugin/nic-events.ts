import { defineDomainEvent, defineProcessEvent } from "@virtevent/core";
import { z } from "zod";

/**
 * The process event of this plugin: "sync the NIC `alias` with its guest". The monitor callback
 * submits it for every NIC_RX_FILTER_CHANGED (coalesced per NIC); a daemon submits it after
 * changing a NIC's configuration (its trust) so the host follows (RELIABILITY row 20).
 *
 * @example
 * daemon.workers.submit(vm.uuid, NicRxFilterChanged, { alias: "net0" }, { coalesceKey: "net0" });
 */
export const NicRxFilterChanged = defineProcessEvent<{ alias: string }>("nic-rx-filter/changed");

/** Payload of {@link NicMacChange}. */
export const NicMacChangeSchema = z.object({
  /** The NIC's alias (qdev id). */
  alias: z.string(),
  oldMac: z.string(),
  newMac: z.string(),
});

/**
 * NIC_MAC_CHANGE: the guest gave a trusted NIC a MAC other than the one last seen (at first,
 * the configured one). Emitted whether or not the host device accepted the new MAC.
 */
export const NicMacChange = defineDomainEvent("nic-mac-change", NicMacChangeSchema);
