import { createHash } from "node:crypto";

/**
 * The uuid of a domain configured without one: derived from its name, so it is the same at
 * every daemon start without being stored anywhere (RFC 9562 version 8, name-based).
 */
export function uuidFromName(name: string): string {
  const h = createHash("sha256").update(`virtevent-domain:${name}`).digest();
  h[6] = (h[6] & 0x0f) | 0x80;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
