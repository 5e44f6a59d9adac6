import { readFileSync } from "node:fs";
import { chmod, chown, lstat, mkdir, stat, unlink } from "node:fs/promises";
import { createConnection } from "node:net";
import { dirname } from "node:path";
import { ApiSocketError } from "../daemon-error.js";

/** How long a connection attempt to an existing socket may take before it counts as stale. */
export const STALE_PROBE_TIMEOUT_MS = 1000;

/** Who may use the API socket. */
export interface SocketAccess {
  /** 0o600 (owner only, default) or 0o660 (owner and `group`). */
  mode: 0o600 | 0o660;
  /** Group name or numeric gid, required with 0o660. */
  group?: string;
}

/** Resolves a group name (from /etc/group) or a numeric gid. */
export function resolveGid(group: string): number {
  if (/^\d+$/.test(group)) return Number(group);
  for (const line of readFileSync("/etc/group", "utf8").split("\n")) {
    const [name, , gid] = line.split(":");
    if (name === group && gid !== undefined) return Number(gid);
  }
  throw new ApiSocketError(group, `unknown group "${group}" (not in /etc/group)`);
}

/**
 * Makes the socket's directory private (0700, or 0750 with a group) whatever the umask: created
 * when missing; an existing one must already be that strict and ours, since loosening or
 * tightening a shared directory behind the admin's back would be worse than refusing.
 */
export async function preparePrivateDir(path: string, access: SocketAccess): Promise<void> {
  const dir = dirname(path);
  const wanted = access.mode === 0o660 ? 0o750 : 0o700;
  const existed = await stat(dir).then(
    () => true,
    () => false,
  );
  if (!existed) {
    await mkdir(dir, { recursive: true, mode: wanted });
    await chmod(dir, wanted);
    if (access.group !== undefined) await chown(dir, -1, resolveGid(access.group));
    return;
  }
  const st = await stat(dir);
  const uid = process.getuid?.() ?? st.uid;
  const loose = st.mode & 0o777 & ~wanted;
  if (st.uid !== uid || loose !== 0) {
    throw new ApiSocketError(
      path,
      `directory ${dir} has mode ${(st.mode & 0o777).toString(8).padStart(4, "0")} and owner ${st.uid}; ` +
        `the API socket needs a directory owned by uid ${uid} with mode ${wanted.toString(8).padStart(4, "0")} or stricter`,
    );
  }
}

/**
 * Removes a stale socket left by a daemon that died; refuses when something answers on it
 * (another daemon is serving) or when the path is not a socket.
 */
export async function clearStaleSocket(path: string): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return;
  if (!st.isSocket())
    throw new ApiSocketError(path, "exists and is not a socket; refusing to replace it");
  const live = await new Promise<boolean>((resolve) => {
    const probe = createConnection(path);
    const timer = setTimeout(() => {
      probe.destroy();
      resolve(true);
    }, STALE_PROBE_TIMEOUT_MS);
    probe.once("connect", () => {
      clearTimeout(timer);
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (live) throw new ApiSocketError(path, "another daemon is serving this socket");
  await unlink(path).catch(() => {});
}

/** Applies the socket's final mode and group after it was bound. */
export async function applySocketAccess(path: string, access: SocketAccess): Promise<void> {
  await chmod(path, access.mode);
  if (access.group !== undefined) await chown(path, -1, resolveGid(access.group));
}
