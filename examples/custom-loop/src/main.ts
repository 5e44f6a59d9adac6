// Entry point: `node dist/main.js [implementation-name]` (default "instrumented").
import { runDemo } from "./demo.js";

await runDemo(process.argv[2] ?? "instrumented", (line) => console.log(line));
