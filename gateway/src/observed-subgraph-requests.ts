import type { GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import type { Histogram } from "prom-client";
import type { BreakerSettings } from "../../lib/circuit-breaker";
import type { SubgraphName } from "../../lib/config";
import type { ServiceMetrics } from "../../lib/observability/metrics";
import type { GatewayContext } from "./context";
import type { ResponseBudgets } from "./response-size";
import { SubgraphRequests } from "./subgraph-requests";

/**
 * The gateway's subgraph requests, observed: each fetch is timed and counted
 * per subgraph and outcome (ok, errors in the answer, failed). The client
 * request's id goes with each fetch as with every call between services
 * (timedFetch, lib/graphql-client.ts), so the subgraph logs it under that id.
 */
export function subgraphFetchMetrics(metrics: ServiceMetrics): Histogram<"subgraph" | "outcome"> {
  return metrics.histogram("gateway_subgraph_fetch_duration_seconds", "Gateway fetches from each subgraph, by outcome", [
    "subgraph",
    "outcome",
  ]);
}

export class ObservedSubgraphRequests extends SubgraphRequests {
  private readonly subgraph: SubgraphName;
  private readonly fetches: Histogram<"subgraph" | "outcome">;

  constructor(
    url: string,
    timeoutMs: number,
    serviceToken: string,
    breaker: BreakerSettings,
    budgets: ResponseBudgets,
    observed: { subgraph: SubgraphName; fetches: Histogram<"subgraph" | "outcome"> },
  ) {
    super(url, timeoutMs, serviceToken, breaker, budgets);
    this.subgraph = observed.subgraph;
    this.fetches = observed.fetches;
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): ReturnType<SubgraphRequests["process"]> {
    const stopTimer = this.fetches.startTimer({ subgraph: this.subgraph });
    let outcome = "failed";
    try {
      const response = await super.process(options);
      outcome = response.errors?.length ? "errors" : "ok";
      return response;
    } finally {
      stopTimer({ outcome });
    }
  }
}
