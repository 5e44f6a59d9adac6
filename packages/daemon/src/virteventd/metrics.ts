import { createServer, type Server } from "node:http";
import type { Daemon } from "@virtevent/core";
import type { QmpCounters } from "@virtevent/qmp";
import { Gauge, Registry } from "prom-client";

/** What the metrics read at each scrape. */
export interface MetricsSources {
  daemon: Daemon;
  /** QMP counters per domain name (connected monitors only). */
  qmpCounters(): Map<string, QmpCounters>;
  apiClients(): number;
}

/**
 * Prometheus metrics of a running virteventd, read from the live counters at each scrape:
 * QMP traffic per domain, worker lanes, public events, API clients.
 */
export function createMetricsRegistry(src: MetricsSources): Registry {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        collect(this);
      },
    });
  gauge("virtevent_qmp_messages_in_total", "QMP messages received", ["domain"], (g) => {
    for (const [d, c] of src.qmpCounters()) g.set({ domain: d }, c.messagesIn);
  });
  gauge("virtevent_qmp_events_total", "QMP events received, by name", ["domain", "event"], (g) => {
    for (const [d, c] of src.qmpCounters())
      for (const [e, n] of c.eventsByName) g.set({ domain: d, event: e }, n);
  });
  gauge(
    "virtevent_qmp_dropped_total",
    "QMP messages dropped, by reason",
    ["domain", "reason"],
    (g) => {
      for (const [d, c] of src.qmpCounters())
        for (const [r, n] of c.dropped) g.set({ domain: d, reason: r }, n);
    },
  );
  gauge(
    "virtevent_qmp_protocol_errors_total",
    "QMP protocol errors by the peer",
    ["domain"],
    (g) => {
      for (const [d, c] of src.qmpCounters()) g.set({ domain: d }, c.protocolErrors);
    },
  );
  gauge("virtevent_qmp_commands_total", "QMP commands by outcome", ["domain", "outcome"], (g) => {
    for (const [d, c] of src.qmpCounters()) {
      for (const [outcome, n] of Object.entries(c.commands)) g.set({ domain: d, outcome }, n);
    }
  });
  gauge("virtevent_worker_jobs", "worker pool counters", ["kind"], (g) => {
    const s = src.daemon.workers.stats();
    for (const kind of [
      "running",
      "queued",
      "submitted",
      "coalesced",
      "overflowDrops",
      "staleDrops",
      "rejected",
      "stuckLanes",
    ] as const) {
      g.set({ kind }, s[kind]);
    }
  });
  gauge(
    "virtevent_worker_plugin_total",
    "worker outcomes per plugin",
    ["plugin", "outcome"],
    (g) => {
      for (const [plugin, stats] of Object.entries(src.daemon.workers.stats().plugins)) {
        for (const [outcome, n] of Object.entries(stats))
          if (typeof n === "number") g.set({ plugin, outcome }, n);
      }
    },
  );
  gauge("virtevent_domain_events_total", "public domain events", ["kind"], (g) => {
    for (const [kind, n] of Object.entries(src.daemon.events.stats)) g.set({ kind }, n);
  });
  gauge("virtevent_api_clients", "connected API-socket clients", [], (g) =>
    g.set(src.apiClients()),
  );
  gauge("virtevent_domains", "domains by state", ["state"], (g) => {
    for (const d of src.daemon.domains.list()) g.inc({ state: d.state });
  });
  return registry;
}

/** Serves `/metrics` on `host:port` (loopback only, by configuration). */
export async function serveMetrics(
  registry: Registry,
  host: string,
  port: number,
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end("not found; try /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      (e: Error) => res.writeHead(500).end(`${e.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
