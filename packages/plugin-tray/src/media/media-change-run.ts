import { randomUUID } from "node:crypto";
import type { CommandChannel, DomainRef, Logger } from "@virtevent/core";
import { isQmpError } from "@virtevent/qmp";
import {
  type DriveOutcome,
  MediaChangeError,
  type MediumOutcome,
  TrayDeviceNotFoundError,
  TrayLockedError,
  type TrayPosition,
} from "../errors/tray-errors.js";
import { TRAY_PLUGIN_NAME } from "../plugin.js";
import { parseTrays, type TrayInfo } from "../resync/query-block.js";
import type { ChangeMediaDaemon, ChangeMediaResult, ResolvedMediaOptions } from "./change-media.js";
import { TrayWatch } from "./tray-watch.js";

/**
 * Prefix of the block node names `changeMedia` creates with `blockdev-add`. Such a node stays
 * alive after it is removed from the drive, so it can be put back on a rollback, and is deleted
 * with `blockdev-del` once replaced. (QEMU node names are at most 31 characters.)
 */
export const MEDIA_NODE_PREFIX = "vt-tray-";

/** True when `e` means QEMU answered (so the state is known), not that the monitor failed. */
function qemuAnswered(e: unknown): boolean {
  return isQmpError(e, "QMP_ERR_COMMAND");
}

/** One run of `changeMedia`: its steps and their rollbacks. @internal */
export class MediaChangeRun {
  private readonly id: string;
  private readonly log: Logger;

  constructor(
    private readonly daemon: ChangeMediaDaemon,
    private readonly ref: DomainRef,
    private readonly channel: CommandChannel,
    private readonly alias: string,
    private readonly options: ResolvedMediaOptions,
  ) {
    this.id = ref.name;
    this.log = daemon.logger.child({
      plugin: TRAY_PLUGIN_NAME,
      domain: ref.name,
      uuid: ref.uuid,
      alias,
    });
  }

  async execute(): Promise<ChangeMediaResult> {
    const before = await this.preflight();
    const node = this.options.insert === undefined ? undefined : await this.addNode();
    try {
      if (!before.open) await this.openTray();
    } catch (e) {
      await this.deleteNode(node);
      throw e;
    }
    await this.swapMedium(before, node);
    // The old medium is out for good: a node this package added is deleted, or it would leak.
    if (before.nodeName?.startsWith(MEDIA_NODE_PREFIX)) await this.deleteNode(before.nodeName);
    await this.step("blockdev-close-tray", { id: this.alias }, () => ({
      tray: "open",
      medium:
        node !== undefined ? "replaced" : before.nodeName !== undefined ? "removed" : "unchanged",
    }));
    this.log.info({ previous: before.file, medium: this.options.insert }, "medium changed");
    return {
      domain: this.ref.uuid,
      alias: this.alias,
      previous: before.file,
      medium: this.options.insert,
      forced: this.options.force && !before.open,
    };
  }

  /** Finds the drive; nothing is changed yet. */
  private async preflight(): Promise<TrayInfo> {
    const reply = await this.step("query-block", undefined, () => ({
      tray: "unmoved",
      medium: "unchanged",
    }));
    const tray = parseTrays(reply).find((t) => t.alias === this.alias);
    if (tray === undefined) throw new TrayDeviceNotFoundError(this.id, this.alias);
    return tray;
  }

  /** Opens the new image before the tray moves: a bad file fails with nothing changed. */
  private async addNode(): Promise<string> {
    const name = `${MEDIA_NODE_PREFIX}${randomUUID().slice(0, 8)}`;
    await this.step(
      "blockdev-add",
      {
        driver: "raw",
        "node-name": name,
        "read-only": true,
        file: { driver: "file", filename: this.options.insert, "read-only": true },
      },
      () => ({ tray: "unmoved", medium: "unchanged" }),
    );
    return name;
  }

  private async openTray(): Promise<void> {
    // Subscribed before the command is sent, so that the event cannot slip past.
    const watch = new TrayWatch(
      this.daemon.events,
      this.daemon.loop,
      this.ref.uuid,
      this.alias,
      "open",
    );
    try {
      const args = { id: this.alias, force: this.options.force };
      await this.step("blockdev-open-tray", args, (e) => ({
        tray: qemuAnswered(e) ? "unmoved" : "unknown",
        medium: "unchanged",
      }));
      if (await watch.wait(this.options.timeoutMs, this.ref.signal)) return;
    } catch (e) {
      if (e instanceof MediaChangeError) throw e;
      throw this.failure("waiting for the tray to open", e, {
        tray: "unknown",
        medium: "unchanged",
      });
    } finally {
      watch.dispose();
    }
    // No event: the tray is asked again, in case its event was folded into a later one.
    const now = await this.step("query-block", undefined, () => ({
      tray: "unknown",
      medium: "unchanged",
    }));
    if (parseTrays(now).find((t) => t.alias === this.alias)?.open === true) return;
    this.log.warn(
      { timeoutMs: this.options.timeoutMs },
      "the guest kept the tray locked: cancelled",
    );
    throw new TrayLockedError(this.id, this.alias, this.options.timeoutMs);
  }

  /** With the tray open: takes the old medium out and puts the new one in, or rolls back. */
  private async swapMedium(before: TrayInfo, node: string | undefined): Promise<void> {
    try {
      await this.command("blockdev-remove-medium", { id: this.alias });
    } catch (e) {
      await this.deleteNode(node);
      const tray = await this.closeTrayQuietly();
      throw this.failure("blockdev-remove-medium", e, {
        tray,
        medium: qemuAnswered(e) ? "unchanged" : "unknown",
      });
    }
    if (node === undefined) return;
    try {
      await this.command("blockdev-insert-medium", { id: this.alias, "node-name": node });
    } catch (e) {
      const medium = await this.putBack(before, e);
      await this.deleteNode(node);
      const tray = await this.closeTrayQuietly();
      throw this.failure("blockdev-insert-medium", e, { tray, medium });
    }
  }

  /** Re-inserts the old medium after a failed insert, when it is a node that still exists. */
  private async putBack(before: TrayInfo, insertError: unknown): Promise<MediumOutcome> {
    if (!qemuAnswered(insertError)) return "unknown";
    if (before.nodeName === undefined) return "unchanged";
    if (!before.nodeName.startsWith(MEDIA_NODE_PREFIX)) return "removed";
    try {
      await this.command("blockdev-insert-medium", {
        id: this.alias,
        "node-name": before.nodeName,
      });
      return "unchanged";
    } catch {
      return "removed";
    }
  }

  private async closeTrayQuietly(): Promise<TrayPosition> {
    try {
      await this.command("blockdev-close-tray", { id: this.alias });
      return "closed";
    } catch (e) {
      return qemuAnswered(e) ? "open" : "unknown";
    }
  }

  /** Deletes a node this package added; a failure is only logged (it leaks a node, no more). */
  private async deleteNode(node: string | undefined): Promise<void> {
    if (node === undefined) return;
    try {
      await this.command("blockdev-del", { "node-name": node });
    } catch (err) {
      this.log.warn({ err, node }, "cannot delete a media node");
    }
  }

  /** Runs a command; on failure throws a MediaChangeError with the outcome `onError` gives. */
  private async step(
    command: string,
    args: Record<string, unknown> | undefined,
    onError: (e: unknown) => DriveOutcome,
  ): Promise<unknown> {
    try {
      return await this.command(command, args);
    } catch (e) {
      throw this.failure(command, e, onError(e));
    }
  }

  private command(command: string, args?: Record<string, unknown>): Promise<unknown> {
    return this.channel.execute(command, args, { signal: this.ref.signal });
  }

  private failure(step: string, cause: unknown, outcome: DriveOutcome): MediaChangeError {
    return new MediaChangeError(this.id, this.alias, step, outcome, { cause });
  }
}
