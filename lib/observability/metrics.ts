import type { RequestHandler } from "express";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics of one service (prom-client), served at its /metrics.
 * Each service has its own registry, so that services started in one process
 * (the tests do) keep their counts apart. Besides the process metrics and the
 * HTTP ones here, the GraphQL plugin (graphql-metrics.ts), the database module
 * and the domain services add theirs through counter/histogram/gauge.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<"method" | "route" | "status">;
  private readonly httpDuration: Histogram<"method" | "route" | "status">;

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
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

  /** Counts and times every request by its route pattern (`/api/orders/:id`), never by its raw path. */
  httpMiddleware(): RequestHandler {
    return (req, res, next) => {
      const stopTimer = this.httpDuration.startTimer({ method: req.method });
      res.once("finish", () => {
        const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : req.baseUrl || "unmatched";
        const labels = { method: req.method, route, status: String(res.statusCode) };
        this.httpRequests.inc(labels);
        stopTimer(labels);
      });
      next();
    };
  }

  /** GET /metrics in Prometheus's text format. */
  endpoint(): RequestHandler {
    return async (_req, res) => {
      res.set("content-type", this.registry.contentType).send(await this.registry.metrics());
    };
  }
}
