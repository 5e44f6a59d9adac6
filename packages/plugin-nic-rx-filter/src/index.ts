// Public surface of @virtevent/plugin-nic-rx-filter. Test helpers live in
// "@virtevent/plugin-nic-rx-filter/testing".

export type { NicRxErrorCode } from "./errors/nic-rx-error.js";
export { isNicRxError, NIC_RX_ERROR_CODES, NicRxError } from "./errors/nic-rx-error.js";
export {
  HostOperationError,
  HostReadError,
  InvalidMacError,
  InvalidNameError,
  IpCommandError,
  NicRxAbortedError,
} from "./errors/nic-rx-errors.js";
export type {
  HostDeviceState,
  HostMulticastAddress,
  HostNetworkCallOptions,
  HostOperation,
  HostOperationResult,
} from "./host/host-network.js";
export { describeOperation, HostNetwork } from "./host/host-network.js";
export type { IpRunner, IpRunOptions } from "./host/ip-runner.js";
export { createIpRunner, IP_COMMAND_TIMEOUT_MS, MAX_IP_OUTPUT_BYTES } from "./host/ip-runner.js";
export type { Iproute2HostNetworkOptions } from "./host/iproute2-host-network.js";
export { Iproute2HostNetwork } from "./host/iproute2-host-network.js";
export {
  assertInterfaceName,
  isValidInterfaceName,
  MAX_INTERFACE_NAME_CHARS,
  MAX_NETNS_NAME_CHARS,
} from "./host/names.js";
export type { MacAddress } from "./mac/mac-address.js";
export { isAssignableMac, isGroupMac, isZeroMac, parseMac, toMac } from "./mac/mac-address.js";
export { aliasOfEvent, NicDeviceSchema, nicConfigOf, nicConfigsOf } from "./plugin/nic-device.js";
export { NicMacChange, NicMacChangeSchema, NicRxFilterChanged } from "./plugin/nic-events.js";
export type { NicRxFilterCounts } from "./plugin/nic-rx-filter-stats.js";
export { NicRxFilterCounters, NicRxFilterStats } from "./plugin/nic-rx-filter-stats.js";
export { LAST_SEEN_MAC_KEY_PREFIX } from "./plugin/nic-syncer.js";
// The default export is what a daemon configuration loads: { "package": "@virtevent/plugin-nic-rx-filter" }.
export {
  NIC_SYNC_TIMEOUT_MS,
  NicRxFilterChangedDataSchema,
  NicRxFilterOptionsSchema,
  nicRxFilterPlugin,
  nicRxFilterPlugin as default,
} from "./plugin/plugin.js";
export type { ApplySyncOptions, MacChange, SyncResult } from "./sync/apply-sync.js";
export { applySync } from "./sync/apply-sync.js";
export type { NicConfig, RejectedGuestData, SyncPlan } from "./sync/plan-sync.js";
export { MAX_MULTICAST_ENTRIES, planSync } from "./sync/plan-sync.js";
export type { RxFilterInfo } from "./sync/rx-filter-info.js";
export {
  findRxFilterInfo,
  QueryRxFilterReplySchema,
  RxFilterInfoSchema,
  RxFilterModeSchema,
} from "./sync/rx-filter-info.js";
