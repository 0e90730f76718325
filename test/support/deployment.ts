// What the deployment tests (docker-compose.test.ts, kubernetes.test.ts) hold
// the files they check to: the platform's services, their ports as the code
// reads them, their entry points, and the NGINX front door of compose.
import fs from "node:fs";
import path from "node:path";
import { metricsSettingsOf, readEnv, type PlatformEnv } from "../../lib/config";

export const root = path.resolve(__dirname, "../..");
export const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");

export const SUBGRAPHS = ["users", "products", "orders"] as const;
/** The Node processes: the subgraphs and the gateway, which also serves the legacy REST API (no process of its own). */
export const APP_SERVICES = [...SUBGRAPHS, "gateway"] as const;
export type AppService = (typeof APP_SERVICES)[number];

/** lib/config.ts with nothing set. */
export const DEFAULTS = readEnv({});
/** lib/config.ts in production (NODE_ENV=production alone), as compose and Kubernetes run it: metrics ports of their own. */
export const PRODUCTION_DEFAULTS = readEnv({ NODE_ENV: "production" });

/**
 * The legacy REST API's ports (rest-shim/src/ports.ts's PORT_KINDS, in that order), which the
 * gateway's process opens beside its own.
 */
export const restPorts = (env: PlatformEnv): number[] => [
  env.REST_GATEWAY_PORT,
  env.REST_USERS_PORT,
  env.REST_PRODUCTS_PORT,
  env.REST_ORDERS_PORT,
];

/** The port of a service's own metrics listener (lib/config.ts metricsSettingsOf), undefined where it has none. */
export const metricsPort = (name: AppService, env: PlatformEnv): number | undefined =>
  metricsSettingsOf(name, env).listener?.port;

/** The ports each Node service listens on, read the way its main.ts reads them: its own first, its metrics port last. */
export function listeningPorts(name: AppService, env: PlatformEnv): number[] {
  const metrics = metricsPort(name, env);
  const ports = {
    users: [env.USERS_PORT],
    products: [env.PRODUCTS_PORT],
    orders: [env.ORDERS_PORT],
    gateway: [env.GATEWAY_PORT, ...restPorts(env)],
  }[name];
  return metrics === undefined ? ports : [...ports, metrics];
}

/** The service's source entry, which `npm run build` (tsconfig.build.json) compiles to dist/<same path>.js. */
export const SOURCE_ENTRY: Record<AppService, string> = {
  users: "subgraphs/users/src/main.ts",
  products: "subgraphs/products/src/main.ts",
  orders: "subgraphs/orders/src/main.ts",
  gateway: "gateway/src/main.ts",
};

/** The command that runs a service in the image: its compiled entry with plain node. */
export const imageCommandOf = (name: AppService): string[] => ["node", `dist/${SOURCE_ENTRY[name].replace(/\.ts$/, ".js")}`];

export interface NginxLocation {
  modifier: string;
  path: string;
  proxyPass: string | undefined;
  body: string;
}

/** The upstreams and locations of an NGINX server config, and where it sends a request path. */
export function parseNginx(text: string) {
  const conf = text.replace(/#.*$/gm, "");
  const upstreams: Record<string, string | undefined> = Object.fromEntries(
    [...conf.matchAll(/upstream\s+([\w-]+)\s*\{([^}]*)\}/g)].map((match) => [
      match[1],
      match[2].match(/server\s+([^\s;]+)/)?.[1],
    ]),
  );
  const locations: NginxLocation[] = [...conf.matchAll(/location\s+(=\s*|~\*?\s*|\^~\s*)?(\S+)\s*\{([^}]*)\}/g)].map((match) => ({
    modifier: (match[1] ?? "").trim(),
    path: match[2],
    proxyPass: match[3].match(/proxy_pass\s+([^\s;]+)/)?.[1],
    body: match[3],
  }));

  /**
   * Where NGINX sends a request path, as `host:port`: an exact match first, then the longest
   * prefix (regex locations are not used here). Undefined when the location proxies nowhere.
   */
  function routeOf(requestPath: string): string | undefined {
    if (locations.some((location) => location.modifier.startsWith("~"))) throw new Error("regex locations are not modelled");
    const exact = locations.find((location) => location.modifier === "=" && location.path === requestPath);
    const prefix = locations
      .filter((location) => location.modifier !== "=" && requestPath.startsWith(location.path))
      .sort((a, b) => b.path.length - a.path.length)[0];
    const chosen = exact ?? prefix;
    if (!chosen) throw new Error(`no location for ${requestPath}`);
    if (!chosen.proxyPass) return undefined;
    const target = new URL(chosen.proxyPass);
    return upstreams[target.host] ?? target.host;
  }

  return { conf, upstreams, locations, routeOf };
}

/** Request paths that tell the front door's routes apart (docker/nginx/default.conf's comment lists them). */
export const FRONT_DOOR_SAMPLE_PATHS = [
  "/graphql",
  "/graphql/playground/graphiql.min.js",
  "/health",
  "/metrics",
  "/api/users/register",
  "/api/products/1",
  "/api/orders/user/1",
  "/services",
  "/docs",
  "/openapi.json",
];
