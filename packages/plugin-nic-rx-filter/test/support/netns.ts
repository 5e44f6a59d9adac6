import { randomBytes } from "node:crypto";
import { type CommandOutput, runCommand } from "./exec.js";
import { onExitCleanup, runQuietlySync } from "./exit-cleanup.js";

/**
 * A network namespace created for one test file, with a random name so parallel runs never
 * collide. Everything the test puts in it (taps, veths, macvtaps, QEMU) lives and dies with it.
 *
 * @example
 * const ns = await NetNamespace.create();
 * try { await ns.addTap("tap0"); } finally { await ns.dispose(); }
 */
export class NetNamespace {
  private disposed = false;
  private readonly forgetExitCleanup: () => void;

  private constructor(readonly name: string) {
    this.forgetExitCleanup = onExitCleanup(() => runQuietlySync("ip", ["netns", "del", name]));
  }

  /** Creates `vent-<random>` and brings its loopback up. */
  static async create(): Promise<NetNamespace> {
    const name = `vent-${process.pid}-${randomBytes(4).toString("hex")}`;
    await runCommand("ip", ["netns", "add", name]);
    const ns = new NetNamespace(name);
    try {
      await ns.ip(["link", "set", "dev", "lo", "up"]);
    } catch (e) {
      await ns.dispose();
      throw e;
    }
    return ns;
  }

  /** Runs `ip -n <ns> args...`. */
  ip(args: readonly string[]): Promise<CommandOutput> {
    return runCommand("ip", ["-n", this.name, ...args]);
  }

  /** Runs `ip -j -n <ns> args...` and parses its JSON output. */
  async ipJson(args: readonly string[]): Promise<unknown> {
    const { stdout } = await runCommand("ip", ["-j", "-n", this.name, ...args]);
    return JSON.parse(stdout) as unknown;
  }

  /** Creates a persistent tap device `name` (QEMU attaches to it with `ifname=`). */
  async addTap(name: string): Promise<void> {
    await this.ip(["tuntap", "add", "dev", name, "mode", "tap"]);
  }

  /** Creates a veth pair `a` / `b`, both up. */
  async addVethPair(a: string, b: string): Promise<void> {
    await this.ip(["link", "add", a, "type", "veth", "peer", "name", b]);
    await this.ip(["link", "set", "dev", a, "up"]);
    await this.ip(["link", "set", "dev", b, "up"]);
  }

  /** Creates a macvtap `name` in bridge mode over `parent`. */
  async addMacvtap(name: string, parent: string): Promise<void> {
    await this.ip([
      "link",
      "add",
      "link",
      parent,
      "name",
      name,
      "type",
      "macvtap",
      "mode",
      "bridge",
    ]);
  }

  /** True while `ip netns list` shows this namespace. */
  async exists(): Promise<boolean> {
    const { stdout } = await runCommand("ip", ["netns", "list"]);
    return stdout.split("\n").some((line) => line.split(" ")[0] === this.name);
  }

  /**
   * Deletes the namespace. Virtual devices inside (tap, veth, macvtap) go with it; processes
   * started in it must be stopped first or they keep it alive. Idempotent.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await runCommand("ip", ["netns", "del", this.name]);
    // Only once it is really gone: if deleting failed, the exit-time fallback still tries.
    this.forgetExitCleanup();
  }
}
