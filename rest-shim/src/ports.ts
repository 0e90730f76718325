import { openApiDocument, type PortKind } from "./openapi/document";
import { gatewayHealthRoute, okHealthRoute, ordersHealthRoute, servicesRoute } from "./routes/health";
import { ordersRoutes } from "./routes/orders";
import { productsRoutes } from "./routes/products";
import { USERS_GATEWAY_PATHS, USERS_SERVICE_PATHS, usersRoutes } from "./routes/users";
import type { Route } from "./routing";

export type { PortKind };
export const PORT_KINDS: PortKind[] = ["gateway", "users", "products", "orders"];

const openApiRoute = (kind: PortKind): Route => ({
  method: "GET",
  path: "/openapi.json",
  handle: async () => ({ status: 200, body: openApiDocument(kind) }),
});

/** What each of the four ports serves, as the legacy services did (the gateway-style one: all of it). */
export function portRoutes(kind: PortKind): Route[] {
  switch (kind) {
    case "users":
      return [...usersRoutes(USERS_SERVICE_PATHS), okHealthRoute("users"), openApiRoute(kind)];
    case "products":
      return [...productsRoutes, okHealthRoute("products"), openApiRoute(kind)];
    case "orders":
      return [...ordersRoutes, ordersHealthRoute, openApiRoute(kind)];
    case "gateway":
      return [
        ...usersRoutes(USERS_GATEWAY_PATHS),
        ...productsRoutes,
        ...ordersRoutes,
        gatewayHealthRoute,
        servicesRoute,
        openApiRoute(kind),
      ];
  }
}
