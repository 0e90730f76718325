import type { SubgraphName } from "../../lib/config";
import { boundedCheck, READY_PATH, runChecks, type HealthCheck } from "../../lib/health";
import { healthUrlOf } from "../../lib/health-url";

export type SubgraphHealth = Record<SubgraphName, "ok" | "unhealthy">;

/** One check per subgraph: its /health/ready (beside its /graphql, so its database too) answers 200 within `timeoutMs`. */
export function subgraphChecks(urls: Record<SubgraphName, string>, timeoutMs: number): Record<SubgraphName, HealthCheck> {
  const checkOf = (name: SubgraphName) =>
    boundedCheck(() => answersOk(healthUrlOf(urls[name], READY_PATH), timeoutMs), timeoutMs);
  return { users: checkOf("users"), products: checkOf("products"), orders: checkOf("orders") };
}

/** The same checks in the words of the legacy /health. */
export async function checkSubgraphs(checks: Record<SubgraphName, HealthCheck>): Promise<SubgraphHealth> {
  const states = (await runChecks(checks)).checks as Record<SubgraphName, "ok" | "down">;
  const word = (name: SubgraphName) => (states[name] === "ok" ? "ok" : "unhealthy");
  return { users: word("users"), products: word("products"), orders: word("orders") };
}

async function answersOk(url: string, timeoutMs: number): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  await response.body?.cancel();
  return response.ok;
}
