// One load (autocannon, every answer checked), and the subgraphs' statement counters read around loads.
import autocannon from "autocannon";
import type { PlatformProcess } from "../../test/support/platform-process";
import type { Measurement, OrderStatements } from "./report";
import type { LoadTarget } from "./targets";

/** Runs one autocannon load, checking every answer. */
export async function load(
  name: string,
  target: LoadTarget,
  options: { durationSeconds: number; connections: number; requestsPerLoad?: number },
  { warmUp = false } = {},
): Promise<Omit<Measurement, "cpuMsPerRequest" | "runtime">> {
  const expected = target.nextBody ? undefined : await firstAnswer(target);
  let wrongAnswers = 0;
  let firstWrong: string | undefined;
  const result = await autocannon({
    url: target.url,
    connections: options.connections,
    // autocannon looks whether to stop once per sample, every second by default: a short load would still run a
    // whole second. Its per-sample figures then cover a fraction of a second, so the rate below is the answers over
    // the time the load took.
    ...(options.requestsPerLoad
      ? { amount: options.requestsPerLoad, sampleInt: 50 }
      : { duration: options.durationSeconds, sampleInt: Math.min(1000, options.durationSeconds * 1000) }),
    requests: [
      {
        method: target.method,
        headers: target.headers,
        body: target.body,
        setupRequest: (request) => (target.nextBody ? { ...request, body: target.nextBody() } : request),
        onResponse: (status, body) => {
          const wrong = expected === undefined ? status !== 200 || body.includes('"errors"') : body !== expected;
          if (wrong && wrongAnswers++ === 0) firstWrong = `${status} ${body.slice(0, 300)}`;
        },
      },
    ],
  });
  // Non-2xx answers are already among the wrong bodies above; errors and timeouts got no answer at all (in a
  // warm-up, cold code and the first connections may take longer than autocannon's 10 s: only wrong answers count).
  if (!warmUp) wrongAnswers += result.errors + result.timeouts;
  if (wrongAnswers > 0) {
    throw new Error(
      `${name}: ${wrongAnswers} wrong answers (${result.errors} connection errors, ${result.timeouts} timeouts; first wrong answer: ${firstWrong ?? "none"})`,
    );
  }
  return {
    name,
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    requestsSent: result.requests.sent,
    wrongAnswers,
  };
}

export async function firstAnswer(target: LoadTarget): Promise<string> {
  const response = await fetch(target.url, { method: target.method, headers: target.headers, body: target.body });
  const text = await response.text();
  if (!response.ok || text.includes('"errors"')) throw new Error(`${target.url} answered ${response.status}: ${text}`);
  return text;
}

/** Sends `target` 20 times, one after another, and reads how many statements each subgraph's database ran per request. */
export async function statementsPerRequest(
  platform: PlatformProcess,
  target: LoadTarget,
  metric = "db_query_duration_seconds_count",
): Promise<Record<string, number>> {
  await untilQuiet(platform, STRICTLY_QUIET_MS);
  const before = await statementCounts(platform, metric);
  const requests = 20;
  for (let i = 0; i < requests; i += 1) await firstAnswer(target);
  const after = await statementCounts(platform, metric);
  return Object.fromEntries(Object.keys(before).map((name) => [name, (after[name] - before[name]) / requests]));
}

/**
 * For one order placed at a time: statements per subgraph database, and how
 * many of them each database ran inside interactive transactions (a row lock
 * taken in one is held across those round trips; outside one, a statement
 * commits on its own and holds its locks only while it runs).
 */
export async function orderStatements(platform: PlatformProcess, target: LoadTarget): Promise<OrderStatements> {
  await untilQuiet(platform, STRICTLY_QUIET_MS);
  const before = await Promise.all(ORDER_STATEMENT_METRICS.map((metric) => statementCounts(platform, metric)));
  const requests = 20;
  for (let i = 0; i < requests; i += 1) await firstAnswer({ ...target, body: target.nextBody!() });
  const after = await Promise.all(ORDER_STATEMENT_METRICS.map((metric) => statementCounts(platform, metric)));
  const perOrder = (index: number) =>
    Object.fromEntries(Object.keys(after[index]).map((name) => [name, (after[index][name] - before[index][name]) / requests]));
  return { statements: perOrder(0), transactions: perOrder(1), statementsInTransactions: perOrder(2) };
}

const ORDER_STATEMENT_METRICS = [
  "db_query_duration_seconds_count",
  "db_transaction_statements_count",
  "db_transaction_statements_sum",
] as const;

/** A counter each subgraph exposes on its /metrics (by default the statements its database has run so far). */
async function statementCounts(
  platform: PlatformProcess,
  metric = "db_query_duration_seconds_count",
): Promise<Record<string, number>> {
  return Object.fromEntries(
    await Promise.all(
      (["users", "products", "orders"] as const).map(async (name) => {
        const text = await (await fetch(platform.metricsUrl(name))).text();
        const line = text.split("\n").find((row) => row.startsWith(metric));
        return [name, Number(line?.split(" ").pop() ?? NaN)] as const;
      }),
    ),
  );
}

/**
 * Autocannon stops by closing its connections, but the requests already sent
 * are still being answered. Wait until the databases have gone quiet (no
 * statement for `quietMs`, looked at every 200 ms), so that this tail is not
 * counted in the next measurement. Between loads one look is enough (a tail of
 * at most one request per connection is noise in a rate or a CPU figure);
 * before statements are counted exactly, a whole second: a request of the
 * tail can sit between two statements for a while (in the gateway, or in a GC
 * pause) on a machine this loaded.
 */
export async function untilQuiet(platform: PlatformProcess, quietMs = 200): Promise<void> {
  const lookEveryMs = 200;
  let last = JSON.stringify(await statementCounts(platform));
  for (let quietFor = 0; quietFor < quietMs;) {
    await new Promise((resolve) => setTimeout(resolve, lookEveryMs));
    const now = JSON.stringify(await statementCounts(platform));
    quietFor = now === last ? quietFor + lookEveryMs : 0;
    last = now;
  }
}

/** Before statements are counted one request at a time: no statement of an earlier load may land among them. */
export const STRICTLY_QUIET_MS = 1_000;
