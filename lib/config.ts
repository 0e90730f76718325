import path from "node:path";
import { z } from "zod";
import type { BreakerSettings } from "./circuit-breaker";

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

const portNumber = z.coerce
  .number()
  .int()
  .min(0)
  .max(65535)
  .superRefine((value, context) => {
    if (FETCH_BLOCKED_PORTS.has(value)) context.addIssue({ code: "custom", message: blockedPortMessage(value) });
  });
/** A port whose default depends on the mode (metrics listeners: see metricsSettingsOf). */
const optionalPort = z.preprocess((value) => (value === "" ? undefined : value), portNumber.optional());

/** A URL the platform fetches: its port must be one fetch accepts. */
const urlOnFetchablePort = z
  .string()
  .url()
  .superRefine((value, context) => {
    const url = new URL(value);
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    if (FETCH_BLOCKED_PORTS.has(port)) context.addIssue({ code: "custom", message: blockedPortMessage(port) });
  });

/** Each service's port when PORT_OFFSET is 0, and the URL variable that follows it. */
const DEFAULT_PORTS = {
  GATEWAY_PORT: 4000,
  USERS_PORT: 4001,
  PRODUCTS_PORT: 4002,
  ORDERS_PORT: 4003,
  REST_GATEWAY_PORT: 8000,
  REST_USERS_PORT: 8001,
  REST_PRODUCTS_PORT: 8002,
  REST_ORDERS_PORT: 8003,
} as const;
type PortName = keyof typeof DEFAULT_PORTS;
const URL_PORTS = {
  GATEWAY_URL: "GATEWAY_PORT",
  USERS_URL: "USERS_PORT",
  PRODUCTS_URL: "PRODUCTS_PORT",
  ORDERS_URL: "ORDERS_PORT",
} as const;
type UrlName = keyof typeof URL_PORTS;

/** Fills the ports PORT_OFFSET moves, then the URLs that follow them, where they are not set. */
function withPortsAndUrls(env: z.infer<typeof EnvSchema>, context: z.RefinementCtx) {
  const ports = {} as Record<PortName, number>;
  for (const [name, fallback] of Object.entries(DEFAULT_PORTS) as [PortName, number][]) {
    ports[name] = env[name] ?? fallback + env.PORT_OFFSET;
    if (env[name] === undefined && FETCH_BLOCKED_PORTS.has(ports[name])) {
      const message = `${blockedPortMessage(ports[name])} (from PORT_OFFSET=${env.PORT_OFFSET})`;
      context.addIssue({ code: "custom", path: [name], message });
    }
  }
  const urls = {} as Record<UrlName, string>;
  for (const [name, portName] of Object.entries(URL_PORTS) as [UrlName, PortName][]) {
    urls[name] = env[name] ?? `http://localhost:${ports[portName]}/graphql`;
  }
  return { ...env, ...ports, ...urls };
}

const optionalUrl = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .pipe(z.string().url().optional())
  .optional();

/** Shared secrets must be at least 32 bytes (256 bits, as HS256 needs): a shorter one can be guessed offline from one token. */
export const MIN_SECRET_BYTES = 32;

/**
 * Largest request body read, in bytes: the GraphQL endpoint's (the longest
 * document the query limits allow, with its variables, fits many times over),
 * and the legacy REST API's (its largest body is a product).
 */
export const MAX_BODY_BYTES = { graphql: 1_000_000, rest: 100_000 } as const;
const secret = (name: string) =>
  z
    .string()
    .refine(
      (value) => Buffer.byteLength(value, "utf8") >= MIN_SECRET_BYTES,
      `${name} must be at least ${MIN_SECRET_BYTES} bytes (make one with \`openssl rand -hex 32\`)`,
    )
    .optional();

const splitList = (text: string): string[] =>
  text
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

/** "true"/"false" (or 1/0); unset means "use the default". */
const booleanFlag = z
  .enum(["true", "false", "1", "0"])
  .transform((value) => value === "true" || value === "1")
  .optional();

const EnvSchema = z.object({
  NODE_ENV: z.string().default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  HOST: z.string().default("127.0.0.1"),
  DATA_DIR: z.string().default(".data"),

  /** Signs users' access tokens. Required in production (lib/secrets.ts). */
  JWT_SECRET: secret("JWT_SECRET"),
  /** The credential services present to each other. Required in production (lib/secrets.ts). */
  SERVICE_TOKEN: secret("SERVICE_TOKEN"),

  USERS_DATABASE_URL: optionalUrl,
  PRODUCTS_DATABASE_URL: optionalUrl,
  ORDERS_DATABASE_URL: optionalUrl,
  /**
   * Connections each service process keeps to its PostgreSQL database (every replica has its own pool, so the
   * server sees replicas × services × this many). A request that finds none free within Prisma's wait for a
   * transaction slot answers SERVICE_UNAVAILABLE with retryable: true.
   */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),

  /** Added to every default port (4000-4003, 8000-8003, and the production metrics ports 9400-9403): one setting moves the whole platform. */
  PORT_OFFSET: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535 - 9403) // the highest default port: ORDERS_METRICS_PORT in production
    .default(0),
  GATEWAY_PORT: portNumber.optional(),
  USERS_PORT: portNumber.optional(),
  PRODUCTS_PORT: portNumber.optional(),
  ORDERS_PORT: portNumber.optional(),

  /** Unset: http://localhost:<the service's port>/graphql, so that they follow the ports. */
  USERS_URL: urlOnFetchablePort.optional(),
  PRODUCTS_URL: urlOnFetchablePort.optional(),
  ORDERS_URL: urlOnFetchablePort.optional(),
  GATEWAY_URL: urlOnFetchablePort.optional(),
  /** Where the gateway polls for a new supergraph (besides watching gateway/supergraph.graphql); unset: the file only. */
  SUPERGRAPH_URL: optionalUrl,
  /** How often the gateway looks at its supergraph file (and SUPERGRAPH_URL) for a new one. */
  SUPERGRAPH_POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(5_000),

  /**
   * Each process's own Prometheus listener, serving /metrics only (docs/operations.md, "Metrics"). Default: 9400
   * (gateway, with the REST API's counts), 9401-9403 (subgraphs) in production; unset in development, where
   * /metrics is served on the service's own ports instead.
   */
  METRICS_PORT: optionalPort,
  USERS_METRICS_PORT: optionalPort,
  PRODUCTS_METRICS_PORT: optionalPort,
  ORDERS_METRICS_PORT: optionalPort,
  /** Where the metrics listeners bind; only Prometheus needs to reach them. */
  METRICS_HOST: z.string().default("127.0.0.1"),
  /** Operation names besides the platform's own documents that get their own metrics label, first come; the rest count as `other`. */
  METRICS_MAX_OPERATION_NAMES: z.coerce.number().int().min(0).max(10_000).default(100),

  REST_GATEWAY_PORT: portNumber.optional(),
  REST_USERS_PORT: portNumber.optional(),
  REST_PRODUCTS_PORT: portNumber.optional(),
  REST_ORDERS_PORT: portNumber.optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(100),

  /** GraphQL abuse limits at the gateway (GraphQL Armor, plus a list-aware cost estimate). */
  MAX_QUERY_DEPTH: z.coerce.number().int().min(2).default(12),
  MAX_QUERY_ALIASES: z.coerce.number().int().min(0).default(15),
  MAX_QUERY_DIRECTIVES: z.coerce.number().int().min(0).default(20),
  MAX_QUERY_TOKENS: z.coerce.number().int().min(50).default(2000),
  MAX_QUERY_COST: z.coerce.number().int().min(10).default(50_000),
  /** Operations estimated above this cost are expensive: each client may have only EXPENSIVE_QUERIES_PER_CLIENT in flight. */
  EXPENSIVE_QUERY_COST: z.coerce.number().int().min(1).default(10_000),
  /** Expensive operations one client (signed-in user, else address) may have in flight at once in a gateway; more get TOO_MANY_REQUESTS. */
  EXPENSIVE_QUERIES_PER_CLIENT: z.coerce.number().int().min(1).default(2),
  /** Largest answer the gateway sends (subgraph answers counted as they arrive); beyond it RESPONSE_TOO_LARGE, no data. */
  MAX_RESPONSE_BYTES: z.coerce.number().int().min(10_000).default(5_000_000),
  /** Introspection (and the playground, and field suggestions); default: on in open mode, off in enforced mode. */
  GRAPHQL_INTROSPECTION: booleanFlag,
  /** Automatic persisted queries (docs/security.md, "Persisted documents"); off: a hash alone answers PERSISTED_QUERY_NOT_SUPPORTED. */
  GRAPHQL_APQ: z.enum(["true", "false"]).default("true"),
  /** How long a registered APQ document is kept (in Redis with REDIS_URL, shared by the replicas; else in this process). */
  GRAPHQL_APQ_TTL_SECONDS: z.coerce.number().int().min(60).max(604_800).default(86_400),
  /** Bound of the in-process APQ store (least recently used documents go first); used when REDIS_URL is unset. */
  GRAPHQL_APQ_MEMORY_MB: z.coerce.number().int().min(1).max(1_024).default(16),
  /**
   * Trusted documents: off = any document runs; allow = listed documents may also be sent by id; require = only
   * listed documents run, by id or exact text. Default: off in open mode, allow in enforced mode (docs/security.md).
   */
  GRAPHQL_TRUSTED_DOCUMENTS: z.enum(["off", "allow", "require"]).optional(),
  /** The operator's own trusted documents ({ "<sha256 of text>": "<text>" }), listed besides gateway/trusted-documents.json. */
  GRAPHQL_TRUSTED_DOCUMENTS_FILE: z.string().min(1).optional(),
  /** Requests a minute on the gateway's /graphql and REST calls through it, per client address and per signed-in user. */
  GRAPHQL_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  GRAPHQL_USER_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  /** Subscriptions (docs/subscriptions.md) one WebSocket or SSE connection may hold at once; more are refused with TOO_MANY_REQUESTS. */
  SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(10),
  /** Subscriptions one client address may hold at once in a gateway, over all its connections. */
  SUBSCRIPTIONS_PER_CLIENT: z.coerce.number().int().min(1).default(50),
  /** A WebSocket holding no subscription this long is closed (also the wait for `connection_init`). */
  SUBSCRIPTION_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(60),
  /** How often a WebSocket is pinged; one not answering by the next ping is dropped. */
  SUBSCRIPTION_KEEPALIVE_SECONDS: z.coerce.number().int().min(1).default(12),
  /** Events a subscription may have waiting for a slow client; one more ends it (SLOW_CONSUMER), nothing is buffered beyond. */
  SUBSCRIPTION_MAX_PENDING_EVENTS: z.coerce.number().int().min(1).default(100),
  /**
   * Proxies whose X-Forwarded-For is believed (express `trust proxy`): comma-separated addresses,
   * CIDR ranges or the names loopback, linklocal, uniquelocal. Default: nobody.
   */
  TRUST_PROXY: z
    .string()
    .default("")
    .transform((text) => splitList(text)),
  /** Origins browsers may call from (CORS): `*`, or a comma-separated list of origins. */
  CORS_ORIGINS: z
    .string()
    .default("*")
    .transform((text) => splitList(text)),

  /** How long the gateway keeps an account's role (or that it is gone), and orders a buyer it let order, between asks to the users subgraph; 0 asks every time. */
  ACCOUNT_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(60).default(5),

  /** How long the gateway waits for a subgraph's answer before failing with SERVICE_UNAVAILABLE. */
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(1).default(10_000),
  /** How long a service waits for another (orders → products, users) before treating it as unavailable. Below the gateway's, so the caller's answer arrives first. */
  SERVICE_CALL_TIMEOUT_MS: z.coerce.number().int().min(1).default(3_000),
  /** How long /health/ready (and /health) waits for each dependency (a subgraph's database, the gateway's subgraphs) before calling it down. Below the probes' own timeouts. */
  HEALTH_CHECK_TIMEOUT_MS: z.coerce.number().int().min(1).default(1_000),
  /** How long the scripts (`npm run seed`) wait for the gateway's answer. */
  GATEWAY_CALL_TIMEOUT_MS: z.coerce.number().int().min(1).default(15_000),
  /** Failures in a row (timeouts, no connection, 5xx; never coded business errors) after which calls to a service or subgraph fail at once with SERVICE_UNAVAILABLE. */
  CIRCUIT_BREAKER_FAILURES: z.coerce.number().int().min(1).default(5),
  /** How long such an open circuit refuses calls before it lets one through to try the dependency again. */
  CIRCUIT_BREAKER_COOLDOWN_MS: z.coerce.number().int().min(1).default(10_000),
  /** How often the orders recovery worker drives unfinished orders, cancels and reservations to their end (it also runs at start-up). */
  ORDERS_RECOVERY_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(30),
  /**
   * How long an order's status move waits for another move on the same order to finish (PostgreSQL's
   * lock_timeout, in that transaction only) before answering CONFLICT with retryable: true, so that a
   * queue of moves on one order never holds the pool's connections for long.
   */
  ORDERS_LOCK_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(500),
  /** How long createOrder's idempotency keys are kept (housekeeping only; at least 24 hours). */
  ORDERS_IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().int().min(24).default(24),

  /** Whether only accounts that have verified their email address may order (createOrder answers FORBIDDEN otherwise). */
  ORDERS_REQUIRE_VERIFIED_EMAIL: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true"),

  /** NATS server with JetStream the orders subgraph publishes order events to (docs/events.md); unset: events wait in the outbox. */
  NATS_URL: optionalUrl,
  /** The JetStream stream of order events (created or updated by the orders relay at start). */
  NATS_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "NATS_STREAM is letters, digits, _ and -")
    .default("ORDERS"),
  /** Order events are published on <prefix>.placed, <prefix>.status_changed and <prefix>.cancelled. */
  NATS_SUBJECT_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, "NATS_SUBJECT_PREFIX is dot-separated tokens without wildcards")
    .default("orders"),
  /** How often the order events relay looks for unpublished events when nothing wakes it (and retries an unreachable NATS). */
  ORDERS_EVENTS_POLL_SECONDS: z.coerce.number().int().min(1).default(5),

  /** open: the legacy anonymous API (embedded default); enforced: roles and ownership apply. Default: enforced in production. */
  AUTH_MODE: z.enum(["open", "enforced"]).optional(),
  /** Shared state across replicas (rate limits, login throttling, the products read cache); in-process memory when unset. */
  REDIS_URL: optionalUrl,
  /** Prefix of every key the platform writes in Redis, so that several platforms (or test runs) can share one server. */
  REDIS_KEY_PREFIX: z.string().trim().min(1).max(100).default("shop"),
  /** Longest time a cached product or catalogue page is kept in Redis; invalidation is immediate, this only bounds a missed one. */
  PRODUCTS_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),

  /** Lifetime of an access token. Short, because a refresh token gets a new one without the password. */
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  /** Lifetime of a refresh token; each use replaces it with a new one of the same lifetime. */
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(30 * 86_400),
  /** bcrypt work factor for new password hashes; 10 is the least accepted. */
  BCRYPT_COST: z.coerce.number().int().min(10, "BCRYPT_COST must be at least 10").max(15).default(12),
  /** Worker threads of the users subgraph that hash and check passwords, so that bcrypt never runs on its event loop. */
  BCRYPT_THREADS: z.coerce.number().int().min(1).max(64).default(2),
  /** Hashes and checks that may wait for a thread; beyond that, register and login answer TOO_MANY_REQUESTS at once. */
  BCRYPT_QUEUE: z.coerce.number().int().min(0).default(16),
  /** Longest a hash or check waits for a thread before its register or login answers TOO_MANY_REQUESTS; below SUBGRAPH_TIMEOUT_MS (checked at start). */
  BCRYPT_MAX_WAIT_MS: z.coerce.number().int().min(100).default(3_000),
  /** Failed logins allowed per account (email) within the window, then TOO_MANY_REQUESTS until it passes. */
  LOGIN_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  /** Failed logins allowed per client address within the window. */
  LOGIN_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(50),
  LOGIN_THROTTLE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  /** Account changes (profile edits, closing, admin actions, data exports) per signed-in caller an hour, then TOO_MANY_REQUESTS. */
  ACCOUNT_CHANGES_PER_HOUR: z.coerce.number().int().min(1).default(30),

  /** SMTP server account emails are sent through (smtp://user:pass@host:587, smtps://…); unset: written to the log and DATA_DIR/mail/. */
  SMTP_URL: z
    .string()
    .trim()
    .transform((value) => (value === "" ? undefined : value))
    .pipe(z.url({ protocol: /^smtps?$/, error: "SMTP_URL must be an smtp:// or smtps:// URL" }).optional())
    .optional(),
  /** The From of account emails. */
  MAIL_FROM: z.string().trim().min(3).default("Federated Shop <no-reply@localhost>"),
  /** Where people reach the shop: the links in account emails start with it. */
  PUBLIC_URL: z.url().default("http://localhost:4000"),
  /** How often the mail relay looks for unsent account emails when nothing wakes it; a failed send is retried after this, doubling up to 10 minutes. */
  MAIL_RELAY_POLL_SECONDS: z.coerce.number().int().min(1).default(5),
  /** How long a password-reset link works (once). */
  PASSWORD_RESET_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3_600),
  /** How long an email-verification link works (once). */
  EMAIL_VERIFICATION_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(2 * 86_400),
  /** Account emails (reset, verification) one address or one account can ask for within LOGIN_THROTTLE_WINDOW_SECONDS; beyond, TOO_MANY_REQUESTS. */
  ACCOUNT_EMAILS_PER_WINDOW: z.coerce.number().int().min(1).default(5),

  /**
   * Apollo Gateway's anonymous usage figures, which it sends to Apollo from every gateway along with the cloud provider it
   * finds by probing ten providers' metadata addresses at each start. Off here unless set to false (Apollo's own
   * variable, which it reads as true or 1: a shop sends nothing to a third party unless its operator allows it).
   */
  APOLLO_TELEMETRY_DISABLED: booleanFlag,

  /** The GraphiQL playground at /graphql (and introspection with it). Default: on in development, off in production. */
  GRAPHQL_PLAYGROUND: z.enum(["true", "false"]).optional(),

  /** The admin's password for `npm run create-admin` and `npm run seed`, instead of a --password flag that the shell keeps. */
  ADMIN_PASSWORD: z.string().min(1).optional(),

  /** Traces are exported over OTLP to this collector when set (the OpenTelemetry SDK reads every OTEL_* variable itself). */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(["http/protobuf", "http/json", "grpc"]).optional(),
  /** Default: each service's own name (gateway, users-subgraph, …). */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
});

const PlatformEnvSchema = EnvSchema.superRefine((env, context) => {
  // A password check's wait for a bcrypt thread ends before the gateway's wait for the users subgraph, so that a
  // flood answers TOO_MANY_REQUESTS (try again in n seconds), not SERVICE_UNAVAILABLE. Each process checks what it
  // reads: where the services have environments of their own, the users subgraph's needs SUBGRAPH_TIMEOUT_MS too.
  if (env.BCRYPT_MAX_WAIT_MS >= env.SUBGRAPH_TIMEOUT_MS) {
    context.addIssue({
      code: "custom",
      path: ["BCRYPT_MAX_WAIT_MS"],
      message: `must be below SUBGRAPH_TIMEOUT_MS (${env.SUBGRAPH_TIMEOUT_MS}), the gateway's wait for the users subgraph`,
    });
  }
}).transform(withPortsAndUrls);
export type PlatformEnv = z.infer<typeof PlatformEnvSchema>;

/** Every variable the platform reads (the README's table and docker-compose use these names). */
export const ENV_VARIABLES = Object.keys(EnvSchema.shape) as (keyof PlatformEnv)[];

/**
 * A variable's default as it would be written in the environment ("" for an empty one), or undefined
 * when unset means something of its own (derived from another setting, or off): `.env.example` shows these.
 */
export function envDefault(name: keyof PlatformEnv): string | undefined {
  if (name in DEFAULT_PORTS) return String(DEFAULT_PORTS[name as PortName]);
  return rawDefaultOf(EnvSchema.shape[name]);
}

function rawDefaultOf(schema: z.ZodType): string | undefined {
  const definition = schema._zod.def as { type: string; defaultValue?: unknown; in?: z.ZodType };
  if (definition.type === "default") return String(definition.defaultValue);
  if (definition.type === "pipe" && definition.in) return rawDefaultOf(definition.in);
  return undefined;
}

export function readEnv(env: Env = process.env): PlatformEnv {
  const parsed = PlatformEnvSchema.safeParse(env);
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
  | { kind: "postgres"; url: string; /** DATABASE_POOL_SIZE */ poolSize: number }
  | { kind: "pglite"; dataDir: string | undefined /* undefined = in memory */ };

/**
 * Node options every service process runs with (`npm start` passes them, the Dockerfile sets them as NODE_OPTIONS):
 * a young generation of at most 8 MB a semi-space instead of V8's larger default, which each process otherwise keeps
 * at the size start-up grew it to. It holds the idle platform near 540 MiB instead of 625, at a CPU cost within the
 * bench's noise (docs/benchmarks.md, "Memory"). A NODE_OPTIONS of the caller's own comes after, so it wins.
 */
export const SERVICE_NODE_OPTIONS = "--max-semi-space-size=8";

export function isProduction(env: PlatformEnv): boolean {
  return env.NODE_ENV === "production";
}

export type AuthMode = "open" | "enforced";

/** AUTH_MODE when set; otherwise enforced in production and open in development (the legacy anonymous API). */
export function authModeOf(env: PlatformEnv): AuthMode {
  return env.AUTH_MODE ?? (isProduction(env) ? "enforced" : "open");
}

/** How the platform tells who is asking, and how hard it makes guessing passwords. Each service takes what it needs. */
export interface SecuritySettings {
  authMode: AuthMode;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  bcryptCost: number;
  /** bcrypt's worker threads, and how many hashes may wait for one and how long (BCRYPT_THREADS, BCRYPT_QUEUE, BCRYPT_MAX_WAIT_MS). */
  hashing: { threads: number; queue: number; maxWaitMs: number };
  loginThrottle: { failuresPerAccount: number; failuresPerAddress: number; windowSeconds: number };
  /** ACCOUNT_CHANGES_PER_HOUR (subgraphs/users/src/account-throttle.ts). */
  accountChangesPerHour: number;
  /** Where throttling counters live when several processes share them; in memory when unset. */
  redisUrl: string | undefined;
  /** Prefix of this platform's keys in Redis (REDIS_KEY_PREFIX). */
  redisKeyPrefix: string;
}

export function securitySettingsOf(env: PlatformEnv): SecuritySettings {
  return {
    authMode: authModeOf(env),
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
    bcryptCost: env.BCRYPT_COST,
    hashing: { threads: env.BCRYPT_THREADS, queue: env.BCRYPT_QUEUE, maxWaitMs: env.BCRYPT_MAX_WAIT_MS },
    loginThrottle: {
      failuresPerAccount: env.LOGIN_FAILURES_PER_ACCOUNT,
      failuresPerAddress: env.LOGIN_FAILURES_PER_ADDRESS,
      windowSeconds: env.LOGIN_THROTTLE_WINDOW_SECONDS,
    },
    accountChangesPerHour: env.ACCOUNT_CHANGES_PER_HOUR,
    redisUrl: env.REDIS_URL,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
  };
}

/**
 * GRAPHQL_INTROSPECTION when set; otherwise on in open mode, and in enforced mode wherever the playground is on
 * (its docs pane and completion run on introspection): in development by default, in production only where
 * GRAPHQL_PLAYGROUND=true asks for it (docs/security.md).
 */
export function introspectionEnabled(env: PlatformEnv): boolean {
  return env.GRAPHQL_INTROSPECTION ?? (authModeOf(env) === "open" || playgroundEnabled(env));
}

export type TrustedDocumentsMode = "off" | "allow" | "require";

/** GRAPHQL_TRUSTED_DOCUMENTS when set; otherwise off in open mode and allow in enforced mode (ids work, nothing refused). */
export function trustedDocumentsModeOf(env: PlatformEnv): TrustedDocumentsMode {
  return env.GRAPHQL_TRUSTED_DOCUMENTS ?? (authModeOf(env) === "open" ? "off" : "allow");
}

/** The gateway's GraphQL abuse limits. */
export interface GraphQLLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
  /** Estimated cost above which an operation counts against its client's in-flight limit. */
  expensiveCost: number;
  expensivePerClient: number;
  maxResponseBytes: number;
}

export function graphqlLimitsOf(env: PlatformEnv): GraphQLLimits {
  return {
    maxDepth: env.MAX_QUERY_DEPTH,
    maxAliases: env.MAX_QUERY_ALIASES,
    maxDirectives: env.MAX_QUERY_DIRECTIVES,
    maxTokens: env.MAX_QUERY_TOKENS,
    maxCost: env.MAX_QUERY_COST,
    expensiveCost: env.EXPENSIVE_QUERY_COST,
    expensivePerClient: env.EXPENSIVE_QUERIES_PER_CLIENT,
    maxResponseBytes: env.MAX_RESPONSE_BYTES,
  };
}

/** The limits of the gateway's subscriptions (gateway/src/subscriptions/). */
export interface SubscriptionLimits {
  perConnection: number;
  perClient: number;
  idleTimeoutMs: number;
  keepAliveMs: number;
  maxPendingEvents: number;
}

export function subscriptionLimitsOf(env: PlatformEnv): SubscriptionLimits {
  return {
    perConnection: env.SUBSCRIPTIONS_PER_CONNECTION,
    perClient: env.SUBSCRIPTIONS_PER_CLIENT,
    idleTimeoutMs: env.SUBSCRIPTION_IDLE_TIMEOUT_SECONDS * 1000,
    keepAliveMs: env.SUBSCRIPTION_KEEPALIVE_SECONDS * 1000,
    maxPendingEvents: env.SUBSCRIPTION_MAX_PENDING_EVENTS,
  };
}

/** Apollo Gateway's usage figures only where APOLLO_TELEMETRY_DISABLED is set to false (or 0). */
export function apolloTelemetryEnabled(env: PlatformEnv): boolean {
  return env.APOLLO_TELEMETRY_DISABLED === false;
}

/** GRAPHQL_PLAYGROUND when set; otherwise on in development and off in production. */
export function playgroundEnabled(env: PlatformEnv): boolean {
  return env.GRAPHQL_PLAYGROUND ? env.GRAPHQL_PLAYGROUND === "true" : !isProduction(env);
}

/** Traces are exported only to a configured OTLP endpoint; otherwise the SDK is not even started. */
export function tracingEnabled(env: PlatformEnv): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Account emails of the users subgraph: how they are sent, what their links say, how long those work. */
export interface MailSettings {
  /** undefined: no SMTP server, each email goes to the log and to `directory`. */
  smtpUrl: string | undefined;
  from: string;
  publicUrl: string;
  /** DATA_DIR/mail: where emails are written when there is no SMTP_URL. */
  directory: string;
  pollSeconds: number;
  passwordResetTtlSeconds: number;
  emailVerificationTtlSeconds: number;
  /** Emails one address or account may cause per LOGIN_THROTTLE_WINDOW_SECONDS. */
  emailsPerWindow: number;
  windowSeconds: number;
}

export function mailSettingsOf(env: PlatformEnv): MailSettings {
  return {
    smtpUrl: env.SMTP_URL,
    from: env.MAIL_FROM,
    publicUrl: env.PUBLIC_URL,
    directory: path.resolve(env.DATA_DIR, "mail"),
    pollSeconds: env.MAIL_RELAY_POLL_SECONDS,
    passwordResetTtlSeconds: env.PASSWORD_RESET_TTL_SECONDS,
    emailVerificationTtlSeconds: env.EMAIL_VERIFICATION_TTL_SECONDS,
    emailsPerWindow: env.ACCOUNT_EMAILS_PER_WINDOW,
    windowSeconds: env.LOGIN_THROTTLE_WINDOW_SECONDS,
  };
}

/** Where and how the orders subgraph publishes its events; undefined when NATS_URL is unset (events stay in the outbox). */
export interface OrderEventsSettings {
  natsUrl: string;
  stream: string;
  subjectPrefix: string;
  pollSeconds: number;
}

export function orderEventsSettingsOf(env: PlatformEnv): OrderEventsSettings | undefined {
  if (!env.NATS_URL) return undefined;
  return {
    natsUrl: env.NATS_URL,
    stream: env.NATS_STREAM,
    subjectPrefix: env.NATS_SUBJECT_PREFIX,
    pollSeconds: env.ORDERS_EVENTS_POLL_SECONDS,
  };
}

export function databaseConfigFor(name: SubgraphName, env: PlatformEnv): DatabaseConfig {
  const url = { users: env.USERS_DATABASE_URL, products: env.PRODUCTS_DATABASE_URL, orders: env.ORDERS_DATABASE_URL }[name];
  if (url) return { kind: "postgres", url, poolSize: env.DATABASE_POOL_SIZE };
  return { kind: "pglite", dataDir: path.resolve(env.DATA_DIR, name) };
}

/** Where a process's own metrics listener answers in production when its *_METRICS_PORT is unset. */
export const PRODUCTION_METRICS_PORTS: Record<"gateway" | SubgraphName, number> = {
  gateway: 9400,
  users: 9401,
  products: 9402,
  orders: 9403,
};

/** How a process serves and bounds its Prometheus metrics (lib/observability/metrics.ts). */
export interface MetricsSettings {
  /** A listener of its own that serves /metrics only; undefined: /metrics on the service's own ports (development). */
  listener?: { port: number; host: string };
  /** Operation names, besides the known ones, that get a label of their own (first come); the rest count as `other`. */
  maxOperationNames: number;
}

/** The port's variable when set; otherwise the production default, or (in development) no listener of its own. */
export function metricsSettingsOf(service: "gateway" | SubgraphName, env: PlatformEnv): MetricsSettings {
  const configured = {
    gateway: env.METRICS_PORT,
    users: env.USERS_METRICS_PORT,
    products: env.PRODUCTS_METRICS_PORT,
    orders: env.ORDERS_METRICS_PORT,
  }[service];
  const port = configured ?? (isProduction(env) ? PRODUCTION_METRICS_PORTS[service] + env.PORT_OFFSET : undefined);
  return {
    listener: port === undefined ? undefined : { port, host: env.METRICS_HOST },
    maxOperationNames: env.METRICS_MAX_OPERATION_NAMES,
  };
}

export function subgraphPort(name: SubgraphName, env: PlatformEnv): number {
  return { users: env.USERS_PORT, products: env.PRODUCTS_PORT, orders: env.ORDERS_PORT }[name];
}

/** The circuit breakers' settings, for the gateway's subgraph fetches and the services' calls to each other. */
export function circuitBreakerSettingsOf(env: PlatformEnv): BreakerSettings {
  return { failureThreshold: env.CIRCUIT_BREAKER_FAILURES, cooldownMs: env.CIRCUIT_BREAKER_COOLDOWN_MS };
}

export function subgraphUrls(env: PlatformEnv): Record<SubgraphName, string> {
  return { users: env.USERS_URL, products: env.PRODUCTS_URL, orders: env.ORDERS_URL };
}
