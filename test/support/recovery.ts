import { emptyRecoveryReport, type RecoveryReport } from "../../subgraphs/orders/src/placement/order-recovery";
import { until } from "./until";

/**
 * Runs recovery until a round leaves nothing unfinished, as the recovery worker would over its next runs: on a
 * loaded machine one of a run's calls may time out, and the next run retries it. A round is one run, or several at
 * once (one per orders replica). Answers what all the rounds did, added up.
 */
export async function recoverFully(
  round: () => Promise<RecoveryReport | RecoveryReport[]>,
  timeoutMs = 30_000,
): Promise<RecoveryReport> {
  const total = emptyRecoveryReport();
  await until(async () => {
    const reports = [await round()].flat();
    for (const report of reports) {
      for (const field of Object.keys(total) as (keyof RecoveryReport)[])
        if (field !== "unfinished") total[field] += report[field];
    }
    return reports.every((report) => report.unfinished === 0);
  }, timeoutMs);
  return total;
}
