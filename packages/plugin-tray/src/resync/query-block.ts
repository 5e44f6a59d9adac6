import { z } from "zod";

/** The part of one `query-block` entry this package reads; other members are ignored. */
export const BlockInfoSchema = z.object({
  device: z.string(),
  /** The attached device's qdev id, or its QOM path when it has none. */
  qdev: z.string().optional(),
  /** Present only for devices with a tray. */
  tray_open: z.boolean().optional(),
  locked: z.boolean().optional(),
  inserted: z
    .object({
      "node-name": z.string().optional(),
      file: z.string().optional(),
    })
    .optional(),
});

/** One `query-block` entry, as read here. */
export type BlockInfo = z.infer<typeof BlockInfoSchema>;

/** A drive with a tray, from `query-block`. */
export interface TrayInfo {
  /** The key TRAY_CHANGE uses: the qdev id (or QOM path), as in DEVICE_TRAY_MOVED's `id`. */
  readonly alias: string;
  readonly open: boolean;
  /** The guest locked the tray: opening it without `force` is only a request to the guest. */
  readonly locked: boolean;
  /** The inserted medium's node name, when there is one. */
  readonly nodeName: string | undefined;
  /** The inserted medium's file, when there is one. */
  readonly file: string | undefined;
}

/**
 * The drives with a tray in a `query-block` reply. Entries that do not match
 * {@link BlockInfoSchema}, that have no tray or no attached device are skipped; a reply that is
 * not an array throws a ZodError.
 */
export function parseTrays(reply: unknown): TrayInfo[] {
  const entries = z.array(z.unknown()).parse(reply);
  const trays: TrayInfo[] = [];
  for (const raw of entries) {
    const parsed = BlockInfoSchema.safeParse(raw);
    if (!parsed.success) continue;
    const b = parsed.data;
    if (b.tray_open === undefined || b.qdev === undefined || b.qdev === "") continue;
    trays.push({
      alias: b.qdev,
      open: b.tray_open,
      locked: b.locked ?? false,
      nodeName: b.inserted?.["node-name"],
      file: b.inserted?.file,
    });
  }
  return trays;
}
