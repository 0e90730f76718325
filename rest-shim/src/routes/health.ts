import type { SubgraphName } from "../../../lib/config";
import type { GatewayHealth } from "../gateway-client";
import type { Route } from "../routing";

/**
 * Health as the legacy services reported it, read from the gateway's /health:
 * a service is healthy when the gateway is up and says its subgraph is.
 */

export const SERVICE_NAMES: Record<SubgraphName, string> = {
  users: "user-service",
  products: "product-service",
  orders: "order-service",
};

const isUp = (health: GatewayHealth, subgraph: SubgraphName) => health.gateway && health.subgraphs[subgraph];

/** Ports 8001 and 8002: `{"status":"ok"}`. */
export function okHealthRoute(subgraph: SubgraphName): Route {
  return {
    method: "GET",
    path: "/health",
    async handle(_req, { gatewayHealth }) {
      const up = isUp(await gatewayHealth(), subgraph);
      return { status: up ? 200 : 503, body: { status: up ? "ok" : "unhealthy" } };
    },
  };
}

/** Port 8003: `{"status":"healthy","service":"order-service"}`. */
export const ordersHealthRoute: Route = {
  method: "GET",
  path: "/health",
  async handle(_req, { gatewayHealth }) {
    const up = isUp(await gatewayHealth(), "orders");
    return { status: up ? 200 : 503, body: { status: up ? "healthy" : "unhealthy", service: SERVICE_NAMES.orders } };
  },
};

/** Port 8000: the gateway and every service. */
export const gatewayHealthRoute: Route = {
  method: "GET",
  path: "/health",
  async handle(_req, { gatewayHealth }) {
    const health = await gatewayHealth();
    const word = (up: boolean) => (up ? "healthy" : "unhealthy");
    const services = Object.fromEntries(
      (Object.keys(SERVICE_NAMES) as SubgraphName[]).map((subgraph) => [SERVICE_NAMES[subgraph], word(isUp(health, subgraph))]),
    );
    const allUp = health.gateway && Object.values(health.subgraphs).every(Boolean);
    return { status: allUp ? 200 : 503, body: { gateway: word(health.gateway), services } };
  },
};

/** Port 8000: where each legacy service answers. */
export const servicesRoute: Route = {
  method: "GET",
  path: "/services",
  async handle(_req, { serviceUrls }) {
    const urls = serviceUrls();
    return {
      status: 200,
      body: {
        services: {
          [SERVICE_NAMES.users]: urls.users,
          [SERVICE_NAMES.products]: urls.products,
          [SERVICE_NAMES.orders]: urls.orders,
        },
      },
    };
  },
};
