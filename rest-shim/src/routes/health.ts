import type { z } from "zod";
import type { SubgraphName } from "../../../lib/config";
import type { GatewayHealth } from "../../../gateway/src/gateway-client";
import { LegacyGatewayHealth, OrderServiceHealth, SERVICE_NAMES, ServiceHealth, Services } from "../response-shapes";
import { route, type Route } from "../routing";

/**
 * Health as the legacy services reported it, from the gateway's check of each
 * subgraph's /health: a service is healthy when the gateway is up and says its
 * subgraph is. None of these runs a GraphQL operation.
 */

const isUp = (health: GatewayHealth, subgraph: SubgraphName) => health.gateway && health.subgraphs[subgraph];
const upOrDown = (schema: z.ZodType) => ({
  200: { description: "Up.", schema },
  503: { description: "Down.", schema },
});

/** Ports 8001 and 8002: `{"status":"ok"}`. */
export function serviceHealthRoute(subgraph: "users" | "products"): Route {
  return route({
    method: "GET",
    path: "/health",
    summary: subgraph === "users" ? "User service health." : "Product service health.",
    responses: upOrDown(ServiceHealth),
    runsNoOperation: true,
    async handle(_req, { gatewayHealth }) {
      const up = isUp(await gatewayHealth(), subgraph);
      return { status: up ? 200 : 503, body: { status: up ? "ok" : "unhealthy" } };
    },
  });
}

/** Port 8003: `{"status":"healthy","service":"order-service"}`. */
export const ordersHealthRoute = route({
  method: "GET",
  path: "/health",
  summary: "Order service health.",
  responses: upOrDown(OrderServiceHealth),
  runsNoOperation: true,
  async handle(_req, { gatewayHealth }) {
    const up = isUp(await gatewayHealth(), "orders");
    return { status: up ? 200 : 503, body: { status: up ? "healthy" : "unhealthy", service: SERVICE_NAMES.orders } };
  },
});

/** Port 8000, the legacy gateway: the GraphQL gateway and every service. */
export const legacyGatewayHealthRoute = route({
  method: "GET",
  path: "/health",
  summary: "The gateway and every service.",
  responses: upOrDown(LegacyGatewayHealth),
  runsNoOperation: true,
  async handle(_req, { gatewayHealth }) {
    const health = await gatewayHealth();
    const word = (up: boolean) => (up ? "healthy" : "unhealthy");
    const services = Object.fromEntries(
      (Object.keys(SERVICE_NAMES) as SubgraphName[]).map((subgraph) => [SERVICE_NAMES[subgraph], word(isUp(health, subgraph))]),
    );
    const allUp = health.gateway && Object.values(health.subgraphs).every(Boolean);
    return { status: allUp ? 200 : 503, body: { gateway: word(health.gateway), services } };
  },
});

/** Port 8000: where each legacy service answers. */
export const servicesRoute = route({
  method: "GET",
  path: "/services",
  summary: "Where each service answers.",
  responses: { 200: { description: "The services.", schema: Services } },
  runsNoOperation: true,
  async handle(_req, { serviceUrls }) {
    const urls = serviceUrls();
    const services = Object.fromEntries(
      (Object.keys(SERVICE_NAMES) as SubgraphName[]).map((subgraph) => [SERVICE_NAMES[subgraph], urls[subgraph]]),
    );
    return { status: 200, body: { services } };
  },
});
