import express, { type Request, type Router } from "express";
import type { GatewayCaller, GatewayClient, GatewayHealth } from "./gateway-client";
import { GatewayError } from "./gateway-client";
import { RestError } from "./rest-error";
import { httpStatusFor, type StatusOverrides } from "./status-table";

/**
 * A REST endpoint as data: method, path, handler, and the statuses where its
 * legacy contract departs from the shared table. Route tables are plain
 * values, so the OpenAPI test can compare them with the document.
 */

export type HttpMethod = "GET" | "POST" | "PATCH";

export interface RestReply {
  status: number;
  body: unknown;
}

export type ServiceUrls = Record<"users" | "products" | "orders", string>;

/** What a handler may use, built per request. */
export interface RouteContext {
  gateway: GatewayCaller;
  gatewayHealth(): Promise<GatewayHealth>;
  serviceUrls(): ServiceUrls;
}

export interface Route {
  method: HttpMethod;
  /** Express syntax: `/api/orders/:id`. */
  path: string;
  statusOverrides?: StatusOverrides;
  handle(req: Request, context: RouteContext): Promise<RestReply>;
}

export interface RouterDeps {
  gateway: GatewayClient;
  serviceUrls(): ServiceUrls;
}

/** Mounts the routes; a known path asked with another method gets 405 and an Allow header. */
export function routerFor(routes: Route[], deps: RouterDeps): Router {
  const router = express.Router();
  for (const route of routes) {
    const method = route.method.toLowerCase() as Lowercase<HttpMethod>;
    router[method](route.path, async (req, res) => {
      const context: RouteContext = {
        gateway: deps.gateway.forRequest(req),
        gatewayHealth: () => deps.gateway.health(),
        serviceUrls: deps.serviceUrls,
      };
      try {
        const reply = await route.handle(req, context);
        res.status(reply.status).json(reply.body);
      } catch (error) {
        // Only the gateway's coded errors depend on the route; the rest go to the error handler.
        if (!(error instanceof GatewayError)) throw error;
        if (error.retryAfterSeconds !== undefined) res.set("Retry-After", String(error.retryAfterSeconds));
        const status = httpStatusFor(error.code, route.statusOverrides);
        // A code mapped below 400 (ACCEPTED_PENDING: 202) is an answer, not an error.
        res.status(status).json(status < 400 ? { message: error.message } : { error: error.message });
      }
    });
  }
  for (const [path, methods] of methodsByPath(routes)) {
    const allow = methods.includes("GET") ? [...methods, "HEAD"] : methods;
    router.all(path, (req, res) => {
      res.set("Allow", [...allow, "OPTIONS"].join(", "));
      if (req.method === "OPTIONS") {
        res.status(204).end();
        return;
      }
      throw new RestError(405, `Method ${req.method} not allowed`);
    });
  }
  return router;
}

function methodsByPath(routes: Route[]): Map<string, HttpMethod[]> {
  const byPath = new Map<string, HttpMethod[]>();
  for (const route of routes) byPath.set(route.path, [...(byPath.get(route.path) ?? []), route.method]);
  return byPath;
}
