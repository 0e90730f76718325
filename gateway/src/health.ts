import type { SubgraphName } from "../../lib/config";
import { healthUrlOf } from "../../lib/health-url";

export type SubgraphHealth = Record<SubgraphName, "ok" | "unhealthy">;

const TIMEOUT_MS = 2000;

/** Asks each subgraph's /health (beside its /graphql) in parallel. */
export async function checkSubgraphs(urls: Record<SubgraphName, string>): Promise<SubgraphHealth> {
  const entries = await Promise.all(
    (Object.keys(urls) as SubgraphName[]).map(
      async (name) => [name, (await isUp(healthUrlOf(urls[name]))) ? "ok" : "unhealthy"] as const,
    ),
  );
  return Object.fromEntries(entries) as SubgraphHealth;
}

async function isUp(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    return response.ok;
  } catch {
    return false;
  }
}
