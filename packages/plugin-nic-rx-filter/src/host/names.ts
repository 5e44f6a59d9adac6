import { InvalidNameError } from "../errors/nic-rx-errors.js";

/** Linux limits an interface name to IFNAMSIZ - 1 bytes. */
export const MAX_INTERFACE_NAME_CHARS = 15;
/** Namespace names are file names under /run/netns; we accept a conservative length. */
export const MAX_NETNS_NAME_CHARS = 64;

// Stricter than the kernel (which refuses only "/", ":", whitespace, "." and ".."): names
// reach `ip` as arguments, so nothing that could read as an option or a keyword separator.
const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** True when `name` is an interface name the adapters will use. */
export function isValidInterfaceName(name: string): boolean {
  return name.length <= MAX_INTERFACE_NAME_CHARS && NAME_PATTERN.test(name);
}

/** Throws {@link InvalidNameError} unless {@link isValidInterfaceName}. */
export function assertInterfaceName(name: string): void {
  if (!isValidInterfaceName(name)) throw new InvalidNameError("interface", name);
}

/** Throws {@link InvalidNameError} unless `name` is a usable network namespace name. */
export function assertNetnsName(name: string): void {
  if (name.length > MAX_NETNS_NAME_CHARS || !NAME_PATTERN.test(name)) {
    throw new InvalidNameError("network namespace", name);
  }
}
