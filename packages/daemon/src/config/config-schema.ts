import { z } from "zod";

/** Linux interface names: 1–15 characters, no slash, whitespace or colon. */
const IFNAME = /^[A-Za-z0-9_.-][A-Za-z0-9_.@-]{0,14}$/;
const DOMAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ALIAS = /^[A-Za-z0-9_][A-Za-z0-9_.\-/]{0,127}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** A disk whose tray the daemon follows (ide-cd, scsi-cd, ...), by its qdev id. */
export const DiskConfig = z
  .object({
    alias: z.string().regex(ALIAS, "a qdev id such as cd0 (letters, digits, _ . - /)"),
  })
  .strict();

/** A NIC and the host device behind it. */
export const NicConfig = z
  .object({
    alias: z.string().regex(ALIAS, "a qdev id such as net0"),
    hostInterface: z.string().regex(IFNAME, "a Linux interface name (1-15 characters)"),
    /** Mirror the guest's rx filter onto the host device; false (default): the guest is untrusted. */
    trustGuestRxFilters: z.boolean().default(false),
    /** The MAC configured for the NIC, lowercase; NIC_MAC_CHANGE reports changes from it. */
    mac: z.string().regex(MAC, "a lowercase MAC such as 52:54:00:12:34:56").optional(),
  })
  .strict();

/** How the daemon starts QEMU for a launched domain. */
export const LaunchConfig = z
  .object({
    binary: z.string().min(1).default("qemu-system-x86_64"),
    /** QEMU arguments; the daemon adds its own `-qmp` socket and `-name`. */
    args: z.array(z.string()).default([]),
  })
  .strict();

/** A domain: either attached to an existing monitor socket or launched by the daemon. */
export const DomainConfig = z
  .object({
    name: z
      .string()
      .regex(DOMAIN_NAME, "letters, digits, _ . - (at most 64, not starting with _ . -)"),
    uuid: z.uuid().optional(),
    qmp: z.string().min(1, "the path of the domain's QMP unix socket").optional(),
    launch: LaunchConfig.optional(),
    devices: z
      .object({
        disks: z.array(DiskConfig).default([]),
        nics: z.array(NicConfig).default([]),
      })
      .strict()
      .default({ disks: [], nics: [] }),
  })
  .strict()
  .superRefine((d, ctx) => {
    if ((d.qmp === undefined) === (d.launch === undefined)) {
      ctx.addIssue({
        code: "custom",
        message: 'exactly one of "qmp" (attach to a running QEMU) or "launch" (start QEMU)',
        path: ["qmp"],
      });
    }
  });

/** A plugin to load: an npm package name (or path) whose default export is a plugin. */
export const PluginConfig = z
  .object({
    package: z.string().min(1),
    /** Passed to the plugin's options schema; omit for a plugin that takes none. */
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** The reference daemon's whole configuration file. */
export const DaemonConfig = z
  .object({
    eventLoop: z.string().default("node"),
    plugins: z.array(PluginConfig).default([]),
    stateDir: z.string().min(1, "a directory for persisted state"),
    /** Also fsync every state write, so that it survives a host crash (see FileStateStore). */
    stateFsync: z.boolean().default(false),
    apiSocket: z
      .object({
        path: z.string().min(1),
        /** 0600 (owner only) or 0660 (owner and `group`). */
        mode: z.enum(["0600", "0660"]).default("0600"),
        group: z.string().min(1).optional(),
      })
      .strict()
      .superRefine((s, ctx) => {
        if (s.mode === "0660" && s.group === undefined) {
          ctx.addIssue({ code: "custom", message: 'mode "0660" needs a "group"', path: ["group"] });
        }
      }),
    logLevel: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
    metrics: z
      .object({
        host: z.enum(["127.0.0.1", "::1", "localhost"]).default("127.0.0.1"),
        port: z.number().int().min(0).max(65535),
      })
      .strict()
      .optional(),
    domains: z.array(DomainConfig).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Map<string, number>();
    c.domains.forEach((d, i) => {
      const prev = seen.get(d.name);
      if (prev !== undefined) {
        ctx.addIssue({
          code: "custom",
          message: `duplicate domain name "${d.name}" (also domains[${prev}])`,
          path: ["domains", i, "name"],
        });
      }
      seen.set(d.name, i);
    });
  });

export type DaemonConfig = z.infer<typeof DaemonConfig>;
export type DomainConfig = z.infer<typeof DomainConfig>;
export type NicConfig = z.infer<typeof NicConfig>;
export type DiskConfig = z.infer<typeof DiskConfig>;
