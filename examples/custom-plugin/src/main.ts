// Entry point: `node dist/main.js` runs the plugin against a FakeQmpServer and prints what a
// subscriber sees. reflect-metadata must load before any decorated class (tsyringe).
import "reflect-metadata";
import { runDemo } from "./demo.js";

await runDemo((line) => console.log(line));
