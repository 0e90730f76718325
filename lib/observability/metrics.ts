import type { RequestHandler } from "express";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from "prom-client";
import { readEnv, type MetricsSettings } from "../config";
import { BoundedLabels } from "./bounded-labels";

const DEFAULT_SETTINGS: MetricsSettings = { maxOperationNames: readEnv({}).METRICS_MAX_OPERATION_NAMES };

/**
 * Routes are the code's templates, a few dozen; the cap only guards against a
 * template that would carry a raw path some day.
 */
const MAX_ROUTES = 200;

/**
 * prom-client's process metrics (CPU, memory, handles, GC, event-loop delay), collected once per process and shown
 * in every service's registry under that service's label. Collected per service, each start in a process that goes
 * on would add a GC observer and an event-loop timer that prom-client cannot stop (prometheus/client_js#500), each
 * holding its stopped service for good and each called on every collection: the tests, which start hundreds of
 * services in a few processes, kept hundreds of each (test/service-metrics.test.ts).
 */
let processMetrics: Metric[] | undefined;

function processMetricsOnce(): Metric[] {
  if (!processMetrics) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    processMetrics = registry.getMetricsAsArray().map(({ name }) => registry.getSingleMetric(name)!);
  }
  return processMetrics;
}

/**
 * Prometheus metrics of one service (prom-client), served at its /metrics.
 * Each service has its own registry, so that services started in one process
 * (the tests do) keep their counts apart. Besides the process metrics and the
 * HTTP ones here, the GraphQL plugin (graphql-metrics.ts), the database module
 * and the domain services add theirs through counter/histogram/gauge.
 * Where it is served (`settings.listener`) is metrics-server.ts's and http.ts's
 * concern; every label value comes from a bounded set (docs/operations.md).
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<"method" | "route" | "status">;
  private readonly httpDuration: Histogram<"method" | "route" | "status">;
  private readonly routes = new BoundedLabels(new Set(), MAX_ROUTES);

  constructor(
    readonly service: string,
    readonly settings: MetricsSettings = DEFAULT_SETTINGS,
  ) {
    this.registry.setDefaultLabels({ service });
    for (const metric of processMetricsOnce()) this.registry.registerMetric(metric);
    const labelNames = ["method", "route", "status"] as const;
    this.httpRequests = this.counter("http_requests_total", "HTTP requests answered, by route and status", labelNames);
    this.httpDuration = this.histogram("http_request_duration_seconds", "Time to answer an HTTP request", labelNames);
  }

  counter<Label extends string>(name: string, help: string, labelNames: readonly Label[] = []): Counter<Label> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<Label extends string>(
    name: string,
    help: string,
    labelNames: readonly Label[] = [],
    buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  ): Histogram<Label> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  /** A gauge read when scraped. */
  gauge<Label extends string>(
    name: string,
    help: string,
    labelNames: readonly Label[],
    collect: (gauge: Gauge<Label>) => void,
  ): Gauge<Label> {
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        collect(this);
      },
    });
  }

  /**
   * Counts and times every request by its route pattern (`/api/orders/:id`), never by its raw path. The mount
   * path (`/graphql`) is the one part taken from the request: Express matches it regardless of case, so it is
   * lower-cased (the code's mount paths are), and `/GraphQL` is not a series of its own. A path no route
   * matched is `unmatched`. (The method is one of the few Node's HTTP parser accepts, the status a number.)
   */
  httpMiddleware(): RequestHandler {
    return (req, res, next) => {
      const stopTimer = this.httpDuration.startTimer({ method: req.method });
      res.once("finish", () => {
        const mount = req.baseUrl.toLowerCase();
        const route = this.routes.labelOf(req.route ? `${mount}${String(req.route.path)}` : mount || "unmatched");
        const labels = { method: req.method, route, status: String(res.statusCode) };
        this.httpRequests.inc(labels);
        stopTimer(labels);
      });
      next();
    };
  }

  /**
   * Lets go of every metric, for a service that stops while its process goes on (a restart in one process, the
   * tests). Emptied, the registry no longer holds the gauges' callbacks and through them the service (its database
   * pool, its bcrypt threads, its modules).
   */
  close(): void {
    this.registry.clear();
  }

  /** GET /metrics in Prometheus's text format. */
  endpoint(): RequestHandler {
    return async (_req, res) => {
      res.set("content-type", this.registry.contentType).send(await this.registry.metrics());
    };
  }
}
