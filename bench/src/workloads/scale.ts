import type { BenchContext } from "../lib/context.js";
import type { WorkloadResult } from "../lib/report.js";

export async function scale(_ctx: BenchContext): Promise<WorkloadResult> {
  throw new Error("not written yet");
}
