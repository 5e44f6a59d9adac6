import { createRequire } from "node:module";

// package.json sits two levels up from both src/plugin/ (tests) and dist/plugin/ (builds).
const manifest = createRequire(import.meta.url)("../../package.json") as { version: string };

/** The installed version of `@virtevent/core`; plugins' `core` ranges are checked against it. */
export const CORE_VERSION: string = manifest.version;
