// virteventd loads a plugin package by its default export (or a `plugin` export);
// @virtevent/plugin-tray exports `trayPlugin` by name only, so the bench points the daemon's
// configuration at this module instead of the package.
export { trayPlugin as default } from "@virtevent/plugin-tray";
