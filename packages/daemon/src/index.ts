// Public surface of @virtevent/daemon: the reference daemon's building blocks.

export type { ApiNotification } from "./api/api-client.js";
export { ApiClient, ApiClientError, DEFAULT_CALL_TIMEOUT_MS } from "./api/api-client.js";
export type { ConnectionEnd } from "./api/api-connection.js";
export {
  ApiConnection,
  CLIENT_CLOSE_GRACE_MS,
  MAX_CLIENT_BUFFER_BYTES,
  MAX_REQUEST_LINE_BYTES,
} from "./api/api-connection.js";
export type { ApiMethod, ApiServerOptions } from "./api/api-server.js";
export { ApiServer, apiMethod } from "./api/api-server.js";
export { RpcErrorCode, RpcMethodError } from "./api/json-rpc.js";
export type { SocketAccess } from "./api/socket-path.js";
export { STALE_PROBE_TIMEOUT_MS } from "./api/socket-path.js";
export type { EventNotificationParams } from "./cli/format-event.js";
export { formatEventLine } from "./cli/format-event.js";
export type { CliIo } from "./cli/virtevent-cli.js";
export { DEFAULT_SOCKET_PATH, EXIT, runVirteventCli } from "./cli/virtevent-cli.js";
export { runVirteventd } from "./cli/virteventd-cli.js";
export {
  DaemonConfig,
  DiskConfig,
  DomainConfig,
  LaunchConfig,
  NicConfig,
  PluginConfig,
} from "./config/config-schema.js";
export { formatIssues, loadConfig, parseConfig } from "./config/load-config.js";
export { ApiSocketError, ConfigError, DaemonError, isDaemonError } from "./daemon-error.js";
export type { LaunchedQemu } from "./qemu/qemu-launcher.js";
export {
  isQemuAlive,
  launchQemu,
  QEMU_START_TIMEOUT_MS,
  QEMU_STOP_GRACE_MS,
  QemuLaunchError,
  stopQemu,
} from "./qemu/qemu-launcher.js";
export type { ApiMethodContext } from "./virteventd/api-methods.js";
export { createApiMethods, RPC_NO_SUCH_DOMAIN, RPC_UNAVAILABLE } from "./virteventd/api-methods.js";
export { uuidFromName } from "./virteventd/domain-identity.js";
export { deviceRecords, LAUNCH_RECORD_KEY, ManagedDomain } from "./virteventd/managed-domain.js";
export type { MetricsSources } from "./virteventd/metrics.js";
export { createMetricsRegistry, serveMetrics } from "./virteventd/metrics.js";
export { loadPlugins } from "./virteventd/plugin-loader.js";
export type { VirteventdOptions } from "./virteventd/virteventd.js";
export { TRAY_PLUGIN_PACKAGE, Virteventd } from "./virteventd/virteventd.js";
