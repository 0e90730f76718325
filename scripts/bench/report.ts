// What a bench run gives: its result's shape (also written as JSON) and the printed tables.
import type { RuntimeStats } from "./processes";

export interface Measurement {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /**
   * Requests sent, answered or not when the load stopped. The ones still in flight then (up to one per connection)
   * are served while the bench waits for quiet, inside the CPU window: CPU is divided by these, not by the answers
   * counted (at 50 connections and a few hundred answers, that tail alone made a process look a fifth costlier).
   */
  requestsSent: number;
  /** Answers that were not what they should be: non-2xx, errors, or a read differing from the first answer. */
  wrongAnswers: number;
  /** Each service's event-loop delay and GC during the run (processes.ts). */
  runtime: Record<string, RuntimeStats>;
  /** CPU milliseconds each process (the services, Hive Gateway, the load generator) spent per request during the run. */
  cpuMsPerRequest: Record<string, number>;
}

export interface BenchResult {
  startedAt: string;
  backend: "postgres" | "pglite";
  options: { durationSeconds: number; requestsPerLoad?: number; connections: number; compiled: boolean; redis: boolean };
  startupMs: number;
  residentMemoryMiB: Record<string, number>;
  measurements: Measurement[];
  /** SQL statements each subgraph ran per federated order query (db_query_duration_seconds_count on its /metrics). */
  statementsPerFederatedQuery: Record<string, number>;
  /** One createOrder at a time: statements per database, and products' interactive transactions (where row locks outlive a round trip). */
  statementsPerOrder: OrderStatements;
  ratios: Record<string, number>;
  stockCheck: { product: string; stockTaken: number; unitsInOrders: number }[];
}

/** Per order, by subgraph database. */
export interface OrderStatements {
  statements: Record<string, number>;
  /** Interactive transactions. */
  transactions: Record<string, number>;
  /** Round trips made inside them (COMMIT included): on products, the most a product row can stay locked across. */
  statementsInTransactions: Record<string, number>;
}

export function formatTable(result: BenchResult): string {
  const rows = result.measurements.map(
    (m) =>
      `| ${m.name} | ${m.requestsPerSecond.toFixed(0)} | ${m.p50Ms} | ${m.p99Ms} | ${(m.p99Ms / Math.max(m.p50Ms, 1)).toFixed(1)} | ${m.requests} |`,
  );
  const ratios = Object.entries(result.ratios).map(([name, value]) => `| ${name} | ${value} |`);
  const cpuColumns = [...new Set(result.measurements.flatMap((m) => Object.keys(m.cpuMsPerRequest)))];
  const runtimeColumns = [...new Set(result.measurements.flatMap((m) => Object.keys(m.runtime)))];
  const memory = Object.entries(result.residentMemoryMiB).map(([entry, mib]) => `| ${entry} | ${mib} |`);
  const total = Object.values(result.residentMemoryMiB).reduce((sum, mib) => sum + mib, 0);
  return [
    `${result.options.compiled ? "compiled" : "TypeScript through SWC"}, backend ${result.backend}${result.options.redis ? " + Redis" : ""}, ${result.options.connections} connections, ${result.options.requestsPerLoad ? `${result.options.requestsPerLoad} requests` : `${result.options.durationSeconds} s`} each`,
    "",
    "| target | req/s | p50 ms | p99 ms | p99 / p50 | requests |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
    "CPU milliseconds per request, by process:",
    "",
    `| target | ${cpuColumns.join(" | ")} |`,
    `| --- | ${cpuColumns.map(() => "---").join(" | ")} |`,
    ...result.measurements.map(
      (m) => `| ${m.name} | ${cpuColumns.map((column) => m.cpuMsPerRequest[column] ?? "").join(" | ")} |`,
    ),
    "",
    "Event-loop delay p99 / max ms, GC ms per request (major collections), by service:",
    "",
    `| target | ${runtimeColumns.join(" | ")} |`,
    `| --- | ${runtimeColumns.map(() => "---").join(" | ")} |`,
    ...result.measurements.map(
      (m) =>
        `| ${m.name} | ${runtimeColumns
          .map((column) => {
            const stats = m.runtime[column];
            return stats
              ? `${stats.eventLoopDelayP99Ms} / ${stats.eventLoopDelayMaxMs}, GC ${stats.gcMsPerRequest} (${stats.majorGcs})`
              : "";
          })
          .join(" | ")} |`,
    ),
    "",
    "| ratio (req/s) | value |",
    "| --- | --- |",
    ...ratios,
    "",
    `SQL statements per federated order query: ${Object.entries(result.statementsPerFederatedQuery)
      .map(([name, count]) => `${name} ${count}`)
      .join(", ")}`,
    orderStatementsLine(result.statementsPerOrder),
    `start-up to all healthy: ${result.startupMs} ms`,
    "",
    "| process | resident MiB |",
    "| --- | --- |",
    ...memory,
    `| all | ${total} |`,
  ].join("\n");
}

export function orderStatementsLine({ statements, transactions, statementsInTransactions }: OrderStatements): string {
  const each = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([name, count]) => `${name} ${count}`)
      .join(", ");
  return [
    `SQL statements per createOrder: ${each(statements)}`,
    `interactive transactions per createOrder: ${each(transactions)}`,
    `round trips inside them (products: while a product row is locked): ${each(statementsInTransactions)}`,
  ].join("\n");
}
