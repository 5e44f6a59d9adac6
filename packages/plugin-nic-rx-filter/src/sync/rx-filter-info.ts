import { z } from "zod";

/** How a NIC filters one kind of traffic (`unicast`, `multicast`, `vlan` modes). */
export const RxFilterModeSchema = z.enum(["normal", "none", "all"]);

/**
 * One element of a `query-rx-filter` reply (QEMU's RxFilterInfo), as far as a sync reads it.
 * Unknown members are ignored (zod strips them); so are the fields a sync never uses
 * (unicast mode and table, vlan mode, broadcast). The MAC strings and table entries come from
 * the guest: they are typed `unknown` here on purpose and validated one by one by the planner,
 * so a single bad entry drops that entry, not the whole reply.
 */
export const RxFilterInfoSchema = z.object({
  name: z.string(),
  promiscuous: z.boolean(),
  multicast: RxFilterModeSchema,
  "multicast-overflow": z.boolean(),
  "main-mac": z.unknown(),
  "vlan-table": z.array(z.unknown()),
  "multicast-table": z.array(z.unknown()),
});

/** A parsed RxFilterInfo. */
export type RxFilterInfo = z.infer<typeof RxFilterInfoSchema>;

/** The reply of `query-rx-filter`: one RxFilterInfo per NIC asked for. */
export const QueryRxFilterReplySchema = z.array(RxFilterInfoSchema);

/**
 * The RxFilterInfo of NIC `name` in a raw `query-rx-filter` reply, or why there is none
 * (malformed reply, NIC missing).
 */
export function findRxFilterInfo(reply: unknown, name: string): RxFilterInfo | string {
  const parsed = QueryRxFilterReplySchema.safeParse(reply);
  if (!parsed.success) return `malformed query-rx-filter reply: ${parsed.error.message}`;
  const info = parsed.data.find((i) => i.name === name);
  return info ?? `query-rx-filter has no NIC named ${JSON.stringify(name)}`;
}
