import path from "node:path";
import { z } from "zod";

/**
 * Every setting of the platform, read from the environment in this one place.
 * Each service takes the slice it needs; nothing else reads process.env.
 * The README's configuration table lists the same names and defaults.
 */

type Env = Record<string, string | undefined>;

/**
 * Ports that fetch refuses to call (the Fetch standard's "bad ports", the list
 * in Node's undici): a service there could never be reached by the others, so
 * such a port is refused here, when the configuration is read, instead of
 * every call failing later. test/config.test.ts checks each against Node's fetch.
 */
export const FETCH_BLOCKED_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113,
  115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556,
  563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667,
  6668, 6669, 6679, 6697, 10080,
]);

const blockedPortMessage = (port: number) =>
  `${port} is a port that fetch refuses to call (a "bad port" of the Fetch standard, e.g. 6000 for X11); choose another`;

const port = (fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .superRefine((value, context) => {
      if (FETCH_BLOCKED_PORTS.has(value)) context.addIssue({ code: "custom", message: blockedPortMessage(value) });
    })
    .default(fallback);

/** A URL the platform fetches: its port must be one fetch accepts. */
const fetchableUrl = (fallback: string) =>
  z
    .string()
    .url()
    .superRefine((value, context) => {
      const url = new URL(value);
      const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
      if (FETCH_BLOCKED_PORTS.has(port)) context.addIssue({ code: "custom", message: blockedPortMessage(port) });
    })
    .default(fallback);
const optionalUrl = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .pipe(z.string().url().optional())
  .optional();

const EnvSchema = z.object({
  NODE_ENV: z.string().default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  HOST: z.string().default("127.0.0.1"),
  DATA_DIR: z.string().default(".data"),

  JWT_SECRET: z.string().min(16, "JWT_SECRET must be at least 16 characters").optional(),
  SERVICE_TOKEN: z.string().min(16, "SERVICE_TOKEN must be at least 16 characters").optional(),

  USERS_DATABASE_URL: optionalUrl,
  PRODUCTS_DATABASE_URL: optionalUrl,
  ORDERS_DATABASE_URL: optionalUrl,

  GATEWAY_PORT: port(4000),
  USERS_PORT: port(4001),
  PRODUCTS_PORT: port(4002),
  ORDERS_PORT: port(4003),

  USERS_URL: fetchableUrl("http://localhost:4001/graphql"),
  PRODUCTS_URL: fetchableUrl("http://localhost:4002/graphql"),
  ORDERS_URL: fetchableUrl("http://localhost:4003/graphql"),
  GATEWAY_URL: fetchableUrl("http://localhost:4000/graphql"),

  REST_GATEWAY_PORT: port(8000),
  REST_USERS_PORT: port(8001),
  REST_PRODUCTS_PORT: port(8002),
  REST_ORDERS_PORT: port(8003),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(100),
  MAX_QUERY_DEPTH: z.coerce.number().int().min(2).default(12),

  /** open: the legacy anonymous API (embedded default); enforced: roles and ownership apply. Default: enforced in production. */
  AUTH_MODE: z.enum(["open", "enforced"]).optional(),
  /** Shared state across replicas (rate limits, login throttling); in-process memory when unset. */
  REDIS_URL: optionalUrl,

  /** The GraphiQL playground at /graphql (and introspection with it). Default: on in development, off in production. */
  GRAPHQL_PLAYGROUND: z.enum(["true", "false"]).optional(),

  /** Traces are exported over OTLP to this collector when set (the OpenTelemetry SDK reads every OTEL_* variable itself). */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(["http/protobuf", "http/json", "grpc"]).optional(),
  /** Default: each service's own name (gateway, users-subgraph, …). */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
});

export type PlatformEnv = z.infer<typeof EnvSchema>;

/** Every variable the platform reads (the README's table and docker-compose use these names). */
export const ENV_VARIABLES = Object.keys(EnvSchema.shape) as (keyof PlatformEnv)[];

export function readEnv(env: Env = process.env): PlatformEnv {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  return parsed.data;
}

export const SUBGRAPH_NAMES = ["users", "products", "orders"] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/** Where a subgraph keeps its data: a PostgreSQL server, or embedded PGlite. */
export type DatabaseConfig =
  { kind: "postgres"; url: string } | { kind: "pglite"; dataDir: string | undefined /* undefined = in memory */ };

export function isProduction(env: PlatformEnv): boolean {
  return env.NODE_ENV === "production";
}

export type AuthMode = "open" | "enforced";

/** AUTH_MODE when set; otherwise enforced in production and open in development (the legacy anonymous API). */
export function authModeOf(env: PlatformEnv): AuthMode {
  return env.AUTH_MODE ?? (isProduction(env) ? "enforced" : "open");
}

/** GRAPHQL_PLAYGROUND when set; otherwise on in development and off in production. */
export function playgroundEnabled(env: PlatformEnv): boolean {
  return env.GRAPHQL_PLAYGROUND ? env.GRAPHQL_PLAYGROUND === "true" : !isProduction(env);
}

/** Introspection is what the playground's docs and completion run on: allowed wherever the playground is, and in development. */
export function introspectionAllowed(env: PlatformEnv): boolean {
  return !isProduction(env) || playgroundEnabled(env);
}

/** Traces are exported only to a configured OTLP endpoint; otherwise the SDK is not even started. */
export function tracingEnabled(env: PlatformEnv): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export function databaseConfigFor(name: SubgraphName, env: PlatformEnv): DatabaseConfig {
  const url = { users: env.USERS_DATABASE_URL, products: env.PRODUCTS_DATABASE_URL, orders: env.ORDERS_DATABASE_URL }[name];
  if (url) return { kind: "postgres", url };
  return { kind: "pglite", dataDir: path.resolve(env.DATA_DIR, name) };
}

export function subgraphPort(name: SubgraphName, env: PlatformEnv): number {
  return { users: env.USERS_PORT, products: env.PRODUCTS_PORT, orders: env.ORDERS_PORT }[name];
}

export function subgraphUrls(env: PlatformEnv): Record<SubgraphName, string> {
  return { users: env.USERS_URL, products: env.PRODUCTS_URL, orders: env.ORDERS_URL };
}
