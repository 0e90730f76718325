// The processes measured: the platform's services, and the Hive Gateways started beside them
// (scripts/bench/hive-gateway.ts), with the CPU time each spends per request.
import { spawn } from "node:child_process";
import path from "node:path";
import { TYPESCRIPT_ENTRY_ARGS } from "../../lib/processes";
import { cpuMillisecondsOf, freePort, type PlatformProcess } from "../../test/support/platform-process";
import type { Measurement } from "./report";

/** The platform's service processes by short name (users, products, orders, gateway; the gateway also serves the REST shim). */
export function serviceProcesses(platform: PlatformProcess): Record<string, number> {
  return Object.fromEntries(
    Object.entries(platform.servicePids()).map(([entry, pid]) => [path.basename(path.dirname(path.dirname(entry))), pid]),
  );
}

/** Runs a load and adds how much CPU time each process spent on it, per request. */
export async function withCpuPerRequest(
  pids: Record<string, number>,
  run: () => Promise<Omit<Measurement, "cpuMsPerRequest">>,
): Promise<Measurement> {
  const cpu = (): Record<string, number> => ({
    ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMillisecondsOf(pid)])),
    "load generator": process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000,
  });
  const before = cpu();
  const measurement = await run();
  const after = cpu();
  const perRequest = (name: string) =>
    Math.round(((after[name] - before[name]) / Math.max(measurement.requestsSent, 1)) * 100) / 100;
  return { ...measurement, cpuMsPerRequest: Object.fromEntries(Object.keys(after).map((name) => [name, perRequest(name)])) };
}

/**
 * Compiled runs are measured as production runs them (the Dockerfile, the manifests): NODE_ENV=production, which
 * also turns off graphql-js's development checks (its instanceOf took 5% of a subgraph's CPU). Hive Gateway gets the same.
 */
export function productionMode(options: { compiled?: boolean }): Record<string, string> {
  return options.compiled ? { NODE_ENV: "production" } : {};
}

/**
 * Hive Gateway on the platform's running subgraphs, in a process of its own: its default runtime (query planning
 * and execution in JavaScript) or the router runtime (Hive Router's Rust query planner, `unifiedGraphHandler`).
 */
export type HiveGateway = Awaited<ReturnType<typeof startHiveGateway>>;

export async function startHiveGateway(
  platform: PlatformProcess,
  serviceToken: string,
  runtime: "default" | "router",
  options: { compiled?: boolean },
) {
  const port = await freePort();
  const child = spawn(process.execPath, [...TYPESCRIPT_ENTRY_ARGS, path.join(__dirname, "hive-gateway.ts")], {
    env: {
      ...process.env,
      HIVE_PORT: String(port),
      USERS_URL: platform.env.USERS_URL,
      PRODUCTS_URL: platform.env.PRODUCTS_URL,
      ORDERS_URL: platform.env.ORDERS_URL,
      SERVICE_TOKEN: serviceToken,
      HIVE_RUNTIME: runtime,
      ...productionMode(options),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`Hive Gateway (${runtime} runtime) exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** What a service's Node runtime did during one load: where a tail comes from (GC pauses, a blocked event loop). */
export interface RuntimeStats {
  /** Event-loop delay over the load (Node's monitorEventLoopDelay, through prom-client's default metrics), ms. */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** GC pauses (wall milliseconds) per request sent, and the major (mark-compact) collections, during the load. */
  gcMsPerRequest: number;
  majorGcs: number;
}

const SERVICES = ["gateway", "users", "products", "orders"] as const;

/**
 * Runs a load and reads each service's runtime figures around it from its /metrics: prom-client resets the
 * event-loop delay histogram on each scrape, so the scrape before the load starts a fresh window; GC figures
 * are counters, read as differences.
 */
export async function withRuntimeStats<T extends { requestsSent: number }>(
  platform: PlatformProcess,
  run: () => Promise<T>,
): Promise<T & { runtime: Record<string, RuntimeStats> }> {
  const scrape = () => Promise.all(SERVICES.map(async (service) => (await fetch(platform.metricsUrl(service))).text()));
  const before = await scrape();
  const result = await run();
  const after = await scrape();
  const runtime = Object.fromEntries(
    SERVICES.map((service, index) => {
      const gcSeconds = (text: string) => sumOf(text, "nodejs_gc_duration_seconds_sum");
      const majors = (text: string) => sumOf(text, 'nodejs_gc_duration_seconds_count{kind="major"');
      const round = (ms: number) => Math.round(ms * 100) / 100;
      return [
        service,
        {
          eventLoopDelayP99Ms: round(sumOf(after[index], "nodejs_eventloop_lag_p99_seconds") * 1000),
          eventLoopDelayMaxMs: round(sumOf(after[index], "nodejs_eventloop_lag_max_seconds") * 1000),
          gcMsPerRequest: round(((gcSeconds(after[index]) - gcSeconds(before[index])) * 1000) / Math.max(result.requestsSent, 1)),
          majorGcs: majors(after[index]) - majors(before[index]),
        },
      ] as const;
    }),
  );
  return { ...result, runtime };
}

/** The sum of a Prometheus text exposition's samples whose line starts with `prefix` (all label sets of a metric). */
function sumOf(text: string, prefix: string): number {
  return text
    .split("\n")
    .filter((line) => line.startsWith(prefix))
    .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
}
