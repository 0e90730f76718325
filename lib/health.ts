import { Router } from "express";

/** One dependency's check: true when it answers. May be slow or reject; `healthRoutes` bounds it. */
export type HealthCheck = () => Promise<boolean>;

export const LIVE_PATH = "/health/live";
export const READY_PATH = "/health/ready";

/**
 * A check bounded by `timeoutMs` (a check still running then counts as down) that never rejects, and of which
 * one runs at a time: probes, monitors and the legacy /health arriving together share one database query or one
 * call per subgraph, so a burst of probes cannot load what it measures.
 */
export function boundedCheck(check: HealthCheck, timeoutMs: number): HealthCheck {
  let running: Promise<boolean> | undefined;
  const once = async () => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(resolve, timeoutMs, false)));
    try {
      return await Promise.race([check().catch(() => false), late]);
    } finally {
      clearTimeout(timer);
      running = undefined;
    }
  };
  return () => (running ??= once());
}

/** Runs every check at once: each one's state, and whether all answered. */
export async function runChecks(
  checks: Record<string, HealthCheck>,
): Promise<{ ready: boolean; checks: Record<string, "ok" | "down"> }> {
  const states = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => [name, (await check()) ? "ok" : "down"] as const),
  );
  return { ready: states.every(([, state]) => state === "ok"), checks: Object.fromEntries(states) };
}

/**
 * Health as orchestrators read it (docs/operations.md, "Health"):
 * - GET /health/live: 200 while the process answers HTTP. It asks nothing else, so a database or subgraph outage
 *   never gets a healthy process restarted.
 * - GET /health/ready: 200 `{"status":"ready"}` when every dependency answers, else 503 `{"status":"not ready"}`;
 *   `checks` names each dependency and its state. Each check is bounded (`boundedCheck`), so the answer comes
 *   within the timeout whatever a dependency does.
 * Neither is cached by anyone in between.
 */
export function healthRoutes(checks: Record<string, HealthCheck>): Router {
  const router = Router();
  router.get(LIVE_PATH, (_req, res) => {
    res.set("cache-control", "no-store").json({ status: "live" });
  });
  router.get(READY_PATH, async (_req, res) => {
    const result = await runChecks(checks);
    res
      .status(result.ready ? 200 : 503)
      .set("cache-control", "no-store")
      .json({ status: result.ready ? "ready" : "not ready", checks: result.checks });
  });
  return router;
}
