// Test helpers of @virtevent/plugin-nic-rx-filter: the recording HostNetwork.

export type { OperationFault, RecordedOperation } from "./recording-host-network.js";
export { defaultDeviceState, RecordingHostNetwork } from "./recording-host-network.js";
