import { openApiDocument } from "./openapi";
import { OpenApiDocument } from "./response-shapes";
import { legacyGatewayHealthRoute, ordersHealthRoute, serviceHealthRoute, servicesRoute } from "./routes/health";
import { ordersRoutes } from "./routes/orders";
import { productsRoutes } from "./routes/products";
import { USERS_LEGACY_GATEWAY_PATHS, USERS_SERVICE_PATHS, usersRoutes } from "./routes/users";
import { route, type Route } from "./routing";

/**
 * The shim's four ports, as the legacy system had them: port 8000, the legacy
 * gateway (every endpoint, CORS and a per-client rate limit), and one port per
 * legacy service. Not to be confused with the GraphQL gateway the shim calls.
 */
export type PortKind = "legacyGateway" | "users" | "products" | "orders";
export const PORT_KINDS: PortKind[] = ["legacyGateway", "users", "products", "orders"];

/** Whether a port is the legacy gateway's, which alone speaks CORS and limits each client's rate. */
export const isLegacyGateway = (kind: PortKind) => kind === "legacyGateway";

/** No port in the titles: the ports move (PORT_OFFSET, REST_*_PORT), the legacy service each serves does not. */
const TITLES: Record<PortKind, string> = {
  legacyGateway: "Legacy REST API: gateway-style entry",
  users: "Legacy REST API: user service",
  products: "Legacy REST API: product service",
  orders: "Legacy REST API: order service",
};

function servedRoutes(kind: PortKind): Route[] {
  switch (kind) {
    case "users":
      return [...usersRoutes(USERS_SERVICE_PATHS), serviceHealthRoute("users")];
    case "products":
      return [...productsRoutes, serviceHealthRoute("products")];
    case "orders":
      return [...ordersRoutes, ordersHealthRoute];
    case "legacyGateway":
      return [
        ...usersRoutes(USERS_LEGACY_GATEWAY_PATHS),
        ...productsRoutes,
        ...ordersRoutes,
        legacyGatewayHealthRoute,
        servicesRoute,
      ];
  }
}

/** What each of the four ports serves, its OpenAPI document included, made from the same routes. */
export function portRoutes(kind: PortKind): Route[] {
  const routes: Route[] = [
    ...servedRoutes(kind),
    route({
      method: "GET",
      path: "/openapi.json",
      summary: "This document.",
      responses: { 200: { description: "The OpenAPI document.", schema: OpenApiDocument } },
      runsNoOperation: true,
      handle: async () => ({ status: 200, body: document }),
    }),
  ];
  const document = openApiDocument({ title: TITLES[kind], routes, rateLimited: isLegacyGateway(kind) });
  return routes;
}
