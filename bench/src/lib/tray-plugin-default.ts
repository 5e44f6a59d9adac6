// The tray plugin as virteventd's configuration can load it.
//
// virteventd imports each configured plugin package and takes its default export (or a named
// `plugin` export). @virtevent/plugin-tray exported its plugin only as `trayPlugin` when the
// bench was written (a configuration naming the package was refused with "exports no plugin").
// The bench's configurations name this module (by absolute path) instead, which works with or
// without a default export in the package; the plugin object is the package's own, unchanged,
// so the figures are those of the real tray plugin.
//
// Once every checkout of the package has its default export, lib/virteventd.ts can name
// "@virtevent/plugin-tray" directly and this file can go.
export { trayPlugin as default } from "@virtevent/plugin-tray";
