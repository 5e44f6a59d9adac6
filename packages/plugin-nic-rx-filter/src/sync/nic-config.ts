/** What the sync needs to know about one NIC of a domain. */
export interface NicConfig {
  /** The NIC's qdev id (QMP `name`), also its alias in public events. */
  alias: string;
  /** The host device backing it (tap or macvtap), e.g. `vnet0`. */
  hostInterface: string;
  /**
   * Whether the guest's rx filter may change the host device. Default false: a guest could
   * otherwise spoof MACs or make the host device promiscuous.
   */
  trustGuestRxFilters: boolean;
  /** The MAC the NIC was configured with; the first "last seen" MAC for NIC_MAC_CHANGE. */
  mac?: string;
}
