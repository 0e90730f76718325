import express, { type Request, type Router } from "express";
import type { z } from "zod";
import type { GatewayCaller, GatewayClient, GatewayHealth } from "../../gateway/src/gateway-client";
import { GatewayError } from "../../gateway/src/gateway-client";
import { parseBody } from "./request-shapes";
import { RestError } from "./rest-error";
import { httpStatusFor, type StatusOverrides } from "./status-table";

/**
 * A REST endpoint as data: method, path, what it accepts and answers (zod
 * shapes), its handler, and the statuses where its legacy contract departs
 * from the shared table. The router checks the body against `body`, and
 * openapi.ts documents the route from the same record.
 */

export type HttpMethod = "GET" | "POST" | "PATCH";

export interface RestReply {
  status: number;
  body: unknown;
}

export type ServiceUrls = Record<"users" | "products" | "orders", string>;

/** What a handler may use, built per request. */
export interface RouteContext<Body = unknown> {
  gateway: GatewayCaller;
  /** What the gateway knows of each subgraph's health, read as the legacy services reported health. */
  gatewayHealth(): Promise<GatewayHealth>;
  serviceUrls(): ServiceUrls;
  /** The JSON body, checked against the route's `body` shape. */
  body: Body;
}

/** A documented answer: a description alone means `{"error": ...}`. */
export type Reply =
  string | { description: string; schema?: z.ZodType; headers?: Record<string, { description: string; schema: z.ZodType }> };

export interface Route<Body = unknown> {
  method: HttpMethod;
  /** Express syntax: `/api/orders/:id`. */
  path: string;
  /** One line for the OpenAPI document. */
  summary: string;
  /** The JSON body's shape; without it the route takes no body. */
  body?: z.ZodType<Body>;
  /** What each `:name` segment of the path is. */
  pathParams?: Record<string, string>;
  query?: Record<string, { description: string; required: boolean }>;
  headers?: Record<string, { description: string; schema: z.ZodType }>;
  /** Its answers by status, beside the failures every route may meet (openapi.ts). */
  responses: Record<number, Reply>;
  /** Runs no GraphQL operation, so none of an operation's failures apply (health, the service list, the OpenAPI document). */
  runsNoOperation?: boolean;
  statusOverrides?: StatusOverrides;
  handle(req: Request, context: RouteContext<Body>): Promise<RestReply>;
}

/** A route whose handler gets its body typed from its `body` shape. */
export const route = <Body = undefined>(spec: Route<Body>): Route => spec as Route;

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
        body: route.body && parseBody(route.body, req),
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
