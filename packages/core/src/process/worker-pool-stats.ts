import type { Logger } from "../common/logger.js";
import type { Job, Lane } from "./lane.js";
import type { JobOutcome, LaneStats, PluginWorkerStats, WorkerPoolStats } from "./worker-pool.js";

/** The worker pool's counters. @internal */
export class PoolCounters {
  submitted = 0;
  coalesced = 0;
  overflowDrops = 0;
  staleDrops = 0;
  rejected = 0;
  staleEmits = 0;
  lateSettles = 0;
  private readonly plugins = new Map<string, PluginWorkerStats>();

  /** The counters of `plugin`, created on first use. */
  plugin(plugin: string): PluginWorkerStats {
    let stats = this.plugins.get(plugin);
    if (stats === undefined) {
      stats = { completed: 0, errors: 0, timeouts: 0, stuck: 0, cancelled: 0 };
      this.plugins.set(plugin, stats);
    }
    return stats;
  }

  /** The counters of `job`'s plugin (cached on its kind: looked up once per registration). */
  of(job: Job): PluginWorkerStats {
    const kind = job.kind;
    kind.stats ??= this.plugin(kind.plugin);
    return kind.stats;
  }

  /**
   * Classifies how a settled job ended, counts it for its plugin and logs failures: a
   * rejection after the job's signal was aborted (stale domain, pool closed) is expected and
   * counted as cancelled, not as an error.
   */
  recordOutcome(
    job: Job,
    failed: boolean,
    error: unknown,
    log: { loggerOf(job: Job): Logger },
  ): JobOutcome {
    if (job.timedOut) return "timed-out"; // counted when the timeout fired
    const stats = this.of(job);
    if (!failed) {
      stats.completed++;
      return "done";
    }
    if (job.aborted) {
      stats.cancelled++;
      log.loggerOf(job).debug({ err: error }, "handler ended by its aborted signal");
      return "cancelled";
    }
    stats.errors++;
    log.loggerOf(job).error({ err: error }, "handler failed");
    return "failed";
  }

  /** A copy safe to hand out. */
  snapshot(running: number, lanes: Iterable<Lane>): WorkerPoolStats {
    const laneStats: LaneStats[] = [];
    let queued = 0;
    let stuckLanes = 0;
    for (const lane of lanes) {
      queued += lane.size;
      const entry: LaneStats = {
        domainUuid: lane.domainUuid,
        queued: lane.size,
        running: lane.running !== undefined,
        overflowDrops: lane.overflowDrops,
      };
      if (lane.running?.stuck) {
        stuckLanes++;
        entry.stuck = { plugin: lane.running.plugin, event: lane.running.event };
      }
      laneStats.push(entry);
    }
    const plugins: Record<string, PluginWorkerStats> = {};
    for (const [name, stats] of this.plugins) plugins[name] = { ...stats };
    return {
      running,
      queued,
      submitted: this.submitted,
      coalesced: this.coalesced,
      overflowDrops: this.overflowDrops,
      staleDrops: this.staleDrops,
      rejected: this.rejected,
      staleEmits: this.staleEmits,
      lateSettles: this.lateSettles,
      stuckLanes,
      lanes: laneStats,
      plugins,
    };
  }
}
