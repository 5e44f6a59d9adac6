/** One event notification as the daemon sends it over the API socket. */
export interface EventNotificationParams {
  callbackId: number;
  domain: { name: string; uuid: string };
  event: string;
  data: unknown;
  timestamp: string;
}

function formatValue(v: unknown): string {
  if (v === undefined) return "-";
  if (typeof v === "string") return /\s/.test(v) || v === "" ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/**
 * The human-readable line `virtevent events` prints, in the spirit of `virsh event --loop`:
 * `2026-11-21T08:00:00.000Z event 'tray-change' for domain 'vm1': devAlias=cd0 reason=open`.
 */
export function formatEventLine(n: EventNotificationParams): string {
  const data =
    n.data !== null && typeof n.data === "object" && !Array.isArray(n.data)
      ? Object.entries(n.data as Record<string, unknown>)
          .map(([k, v]) => `${k}=${formatValue(v)}`)
          .join(" ")
      : formatValue(n.data);
  return `${n.timestamp} event '${n.event}' for domain '${n.domain.name}': ${data}`;
}
