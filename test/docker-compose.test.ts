// docker-compose.yml, the Dockerfile and docker/ cannot run here (no Docker
// engine), so these tests hold them to the code instead: every service,
// variable, port, URL, script and file they name must be one the code has.
import fs from "node:fs";
import path from "node:path";
import { parseDocument } from "yaml";
import { ENV_VARIABLES, readEnv, SERVICE_NODE_OPTIONS, type PlatformEnv } from "../lib/config";
import { READY_PATH } from "../lib/health";
import { gatewaySettingsFromEnv } from "../gateway/src/settings";
import {
  APP_SERVICES,
  DEFAULTS,
  SOURCE_ENTRY,
  SUBGRAPHS,
  imageCommandOf,
  listeningPorts,
  metricsPort,
  PRODUCTION_DEFAULTS,
  parseNginx,
  read,
  restPorts,
  root,
  type AppService,
} from "./support/deployment";

type Service = {
  build?: string | { context?: string; dockerfile?: string };
  image?: string;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target: number; published?: number | string })[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
};

const composeDocument = parseDocument(read("docker-compose.yml"), { merge: true });
const compose = composeDocument.toJS() as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = compose.services;

/** What a user exports before `docker compose up`. */
const SHELL = { JWT_SECRET: "a-jwt-secret-of-32-characters-xx", SERVICE_TOKEN: "a-service-token-of-32-characters" };

/** Compose's variable substitution: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$. */
function interpolate(value: string, shell: Record<string, string | undefined>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g, (match, name, colon, kind, arg) => {
    if (match === "$$") return "$";
    const current = shell[name];
    const missing = current === undefined || (colon === ":" && current === "");
    if (!missing) return current as string;
    if (kind === "?") throw new Error(`${name}: ${arg}`);
    return kind === "-" ? arg : "";
  });
}

/** A container's environment as the process inside sees it. */
function environmentOf(name: string, shell: Record<string, string | undefined> = SHELL): Record<string, string> {
  const raw = services[name].environment ?? {};
  const entries: [string, string][] = Array.isArray(raw)
    ? raw.map((line) => [line.split("=")[0], line.slice(line.indexOf("=") + 1)])
    : Object.entries(raw).map(([key, value]) => [key, value === null ? "" : String(value)]);
  return Object.fromEntries(entries.map(([key, value]) => [key, interpolate(value, shell)]));
}

/** The configuration a service's own code derives from its container's environment. */
const configOf = (name: AppService): PlatformEnv => readEnv(environmentOf(name));

/** Where each service answers, by the defaults of lib/config.ts (postgres, redis, nats: their images' ports). */
const DEFAULT_PORT_OF: Record<string, number> = {
  users: DEFAULTS.USERS_PORT,
  products: DEFAULTS.PRODUCTS_PORT,
  orders: DEFAULTS.ORDERS_PORT,
  gateway: DEFAULTS.GATEWAY_PORT,
  postgres: 5432,
  redis: 6379,
  nats: 4222,
  nginx: 80,
  mailpit: 1025,
};

/** The port a URL of this scheme means when it names none. */
const SCHEME_PORT: Record<string, number> = { "http:": 80, "postgresql:": 5432, "redis:": 6379, "nats:": 4222, "smtp:": 25 };

/** Container ports of a `ports:` list ("8000:8000", "127.0.0.1:80:80", "8000-8003:8000-8003", long syntax). */
function publishedPorts(name: string): { host: number; container: number }[] {
  return (services[name].ports ?? []).flatMap((entry) => {
    if (typeof entry === "object") return [{ host: Number(entry.published ?? entry.target), container: Number(entry.target) }];
    const parts = String(entry)
      .replace(/\/(tcp|udp)$/, "")
      .split(":");
    const container = parts[parts.length - 1];
    const host = parts.length > 1 ? parts[parts.length - 2] : container;
    const range = (text: string) => {
      const [from, to = from] = text.split("-").map(Number);
      return Array.from({ length: to - from + 1 }, (_, i) => from + i);
    };
    const hosts = range(host);
    return range(container).map((port, i) => ({ host: hosts[i], container: port }));
  });
}

const commandLine = (name: string): string =>
  [services[name].entrypoint, services[name].command]
    .flat()
    .filter((part) => part !== undefined)
    .join(" ");

const dependsOn = (name: string): Record<string, string | undefined> => {
  const raw = services[name].depends_on ?? [];
  return Array.isArray(raw)
    ? Object.fromEntries(raw.map((dependency) => [dependency, undefined]))
    : Object.fromEntries(Object.entries(raw).map(([dependency, spec]) => [dependency, spec?.condition]));
};

const healthcheckLine = (name: string): string => [services[name].healthcheck?.test ?? []].flat().join(" ");

const bindMounts = (name: string): { source: string; target: string }[] =>
  (services[name].volumes ?? []).flatMap((volume) => {
    const [source, target] = typeof volume === "string" ? volume.split(":") : [volume.source ?? "", volume.target];
    return source.startsWith(".") || source.startsWith("/") ? [{ source: path.resolve(root, source), target }] : [];
  });

describe("docker-compose.yml", () => {
  test("is valid YAML that names exactly the platform's containers", () => {
    expect(composeDocument.errors).toEqual([]);
    expect(Object.keys(services).sort()).toEqual([
      "gateway",
      "mailpit",
      "nats",
      "nginx",
      "orders",
      "postgres",
      "products",
      "redis",
      "users",
    ]);
  });

  test("every Node container shares one Redis, and orders publishes its events to NATS with JetStream on", () => {
    for (const name of APP_SERVICES)
      expect({ name, redis: configOf(name).REDIS_URL }).toEqual({ name, redis: "redis://redis:6379" });
    expect(configOf("orders").NATS_URL).toBe("nats://nats:4222");
    expect(services.nats.command).toContain("-js");
    // Neither is needed to start: without Redis counters fall back to memory, without NATS events wait in the outbox.
    for (const name of APP_SERVICES) expect(Object.keys(dependsOn(name))).not.toEqual(expect.arrayContaining(["redis"]));
  });

  test("the four Node containers run one image, built by the Dockerfile at the root", () => {
    const builds = APP_SERVICES.map((name) => services[name].build);
    for (const build of builds) {
      const context = typeof build === "string" ? build : build?.context;
      const dockerfile = (typeof build === "object" && build.dockerfile) || "Dockerfile";
      expect(path.resolve(root, context ?? "")).toBe(root);
      expect(fs.existsSync(path.join(root, dockerfile))).toBe(true);
    }
    const images = new Set(APP_SERVICES.map((name) => services[name].image));
    expect(images.size).toBe(1);
    expect([...images][0]).toEqual(expect.any(String));
    expect(services.postgres.image).toBe("postgres:15");
    expect(services.nginx.image).toBe("nginx:alpine");
  });

  test.each(APP_SERVICES)("%s sets only variables that lib/config.ts reads", (name) => {
    const known = new Set<string>([...ENV_VARIABLES, "NODE_ENV"]);
    const unknown = Object.keys(environmentOf(name)).filter((variable) => !known.has(variable));
    expect(unknown).toEqual([]);
  });

  test("postgres sets only the postgres image's own variables, and nginx none", () => {
    const imageVariables = [
      "POSTGRES_USER",
      "POSTGRES_PASSWORD",
      "POSTGRES_DB",
      "POSTGRES_INITDB_ARGS",
      "POSTGRES_INITDB_WALDIR",
      "POSTGRES_HOST_AUTH_METHOD",
      "PGDATA",
    ];
    expect(Object.keys(environmentOf("postgres")).filter((variable) => !imageVariables.includes(variable))).toEqual([]);
    expect(environmentOf("nginx")).toEqual({});
  });

  test.each(APP_SERVICES)("%s runs in production mode, listens on all interfaces, and its configuration is valid", (name) => {
    const env = configOf(name);
    expect(env.NODE_ENV).toBe("production");
    expect(env.HOST).toBe("0.0.0.0");
    expect(env.JWT_SECRET).toBe(SHELL.JWT_SECRET);
    expect(env.SERVICE_TOKEN).toBe(SHELL.SERVICE_TOKEN);
  });

  test.each(APP_SERVICES)("%s refuses to start when JWT_SECRET or SERVICE_TOKEN is not exported", (name) => {
    expect(() => environmentOf(name, { SERVICE_TOKEN: SHELL.SERVICE_TOKEN })).toThrow(/JWT_SECRET/);
    expect(() => environmentOf(name, { JWT_SECRET: SHELL.JWT_SECRET })).toThrow(/SERVICE_TOKEN/);
    expect(() => environmentOf(name, { ...SHELL, JWT_SECRET: "" })).toThrow(/JWT_SECRET/);
  });

  test.each(SUBGRAPHS)("the %s subgraph uses its own database on the postgres container, and no other", (name) => {
    const env = environmentOf(name);
    const own = `${name.toUpperCase()}_DATABASE_URL`;
    const databaseVariables = Object.keys(env).filter((variable) => variable.endsWith("_DATABASE_URL"));
    expect(databaseVariables).toEqual([own]);

    const url = new URL(env[own]);
    const postgres = environmentOf("postgres");
    expect(url.protocol).toBe("postgresql:");
    expect(url.hostname).toBe("postgres");
    expect(Number(url.port || 5432)).toBe(DEFAULT_PORT_OF.postgres);
    expect(decodeURIComponent(url.username)).toBe(postgres.POSTGRES_USER ?? "postgres");
    expect(decodeURIComponent(url.password)).toBe(postgres.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${name}`);
  });

  test("the services find each other by service name", () => {
    expect(Object.keys(environmentOf("gateway"))).toEqual(expect.arrayContaining(["USERS_URL", "PRODUCTS_URL", "ORDERS_URL"]));
    // orders takes stock through the products subgraph
    expect(Object.keys(environmentOf("orders"))).toContain("PRODUCTS_URL");
    // No service calls the gateway over HTTP (the REST API runs in its process); the seed script does,
    // run in the gateway's container as docs/containers.md says, so only that container names it.
    expect(read("docs/containers.md")).toContain("docker compose exec gateway node dist/scripts/seed-sample-catalogue.js");
    expect(configOf("gateway").GATEWAY_URL).toBe(`http://gateway:${DEFAULTS.GATEWAY_PORT}/graphql`);
    for (const name of SUBGRAPHS) expect({ name, env: environmentOf(name) }).not.toHaveProperty("env.GATEWAY_URL");
  });

  test("the gateway believes X-Forwarded-For from NGINX only, which forwards GraphQL and REST to it", () => {
    // NGINX's fixed address on compose's own subnet, not a whole private range: a client on the host's LAN
    // reaching a published port must not choose its own rate-limit key.
    const nginxAddress = (services.nginx as { networks?: { default?: { ipv4_address?: string } } }).networks?.default
      ?.ipv4_address;
    expect(nginxAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(configOf("gateway").TRUST_PROXY).toEqual([nginxAddress]);
    const networks = (compose as { networks?: { default?: { ipam?: { config?: { subnet: string }[] } } } }).networks;
    const subnet = networks?.default?.ipam?.config?.[0]?.subnet ?? "";
    expect(subnet).toMatch(/^\d+\.\d+\.\d+\.0\/24$/);
    expect(nginxAddress!.startsWith(subnet.replace(/0\/24$/, ""))).toBe(true);
    // The subgraphs are called by the gateway and by each other, never through a proxy.
    for (const name of SUBGRAPHS) expect({ name, trust: configOf(name).TRUST_PROXY }).toEqual({ name, trust: [] });
  });

  test.each(APP_SERVICES)("every URL %s is given names a service and the port that service listens on", (name) => {
    // PUBLIC_URL is where people reach the shop (the links in account emails), not a service of the network.
    const urls = Object.entries(environmentOf(name)).filter(([variable]) => /_URL$/.test(variable) && variable !== "PUBLIC_URL");
    expect(urls.length).toBeGreaterThan(0);
    for (const [variable, value] of urls) {
      const url = new URL(value);
      const target = url.hostname;
      expect({ variable, target, known: target in services }).toEqual({ variable, target, known: true });
      const port = Number(url.port || SCHEME_PORT[url.protocol]);
      expect({ variable, port }).toEqual({ variable, port: DEFAULT_PORT_OF[target] });
      if ((APP_SERVICES as readonly string[]).includes(target)) {
        expect({ variable, listening: listeningPorts(target as AppService, configOf(target as AppService)) }).toEqual({
          variable,
          listening: expect.arrayContaining([port]),
        });
      }
      const defaultUrl = (DEFAULTS as unknown as Record<string, unknown>)[variable];
      if (typeof defaultUrl === "string")
        expect({ variable, path: url.pathname }).toEqual({ variable, path: new URL(defaultUrl).pathname });
    }
  });

  test.each(APP_SERVICES)("%s listens on the default ports of lib/config.ts in production", (name) => {
    const defaults = listeningPorts(name, PRODUCTION_DEFAULTS);
    expect(listeningPorts(name, configOf(name))).toEqual(defaults);
    for (const { container } of publishedPorts(name)) expect(defaults).toContain(container);
  });

  test("the gateway process's settings open every port it is published on, GraphQL's and the REST API's (rest-platform.e2e shows it opens them)", () => {
    const settings = gatewaySettingsFromEnv(environmentOf("gateway"));
    const opened = [settings.gateway.port, ...Object.values(settings.rest.ports)];
    const byNumber = (a: number, b: number): number => a - b;
    expect(opened.sort(byNumber)).toEqual(
      publishedPorts("gateway")
        .map((port) => port.container)
        .sort(byNumber),
    );
  });

  test("publishes the gateway on 4000 and the REST API's 8000-8003, and NGINX on 80, on the same host ports", () => {
    const published = Object.fromEntries(Object.keys(services).map((name) => [name, publishedPorts(name)]));
    expect(published.gateway).toEqual(listeningPorts("gateway", DEFAULTS).map((port) => ({ host: port, container: port })));
    expect(published.gateway.map((port) => port.container)).toEqual([4000, 8000, 8001, 8002, 8003]);
    expect(restPorts(DEFAULTS)).toEqual([8000, 8001, 8002, 8003]);
    expect(published.nginx).toEqual([{ host: 80, container: 80 }]);
    // Mailpit's web page, to read the account emails; its SMTP port only on the compose network.
    expect(published.mailpit).toEqual([{ host: 8025, container: 8025 }]);
    expect(configOf("users").SMTP_URL).toBe("smtp://mailpit:1025");
    for (const name of [...SUBGRAPHS, "postgres"]) expect({ name, ports: published[name] }).toEqual({ name, ports: [] });
  });

  test.each(APP_SERVICES)("%s serves /metrics on a metrics port of its own, on the compose network, never published", (name) => {
    const port = metricsPort(name, configOf(name));
    expect(port).toBe(metricsPort(name, PRODUCTION_DEFAULTS));
    expect(configOf(name).METRICS_HOST).toBe("0.0.0.0");
    expect(publishedPorts(name).map((published) => published.container)).not.toContain(port);
  });

  test.each(APP_SERVICES)("%s is healthy when its own /health/ready answers", (name) => {
    const urls = healthcheckLine(name).match(/https?:\/\/[^\s'"`]+/g) ?? [];
    expect(urls).toHaveLength(1);
    const url = new URL(urls[0] ?? "");
    expect(["127.0.0.1", "localhost"]).toContain(url.hostname);
    expect(url.pathname).toBe(READY_PATH);
    // The gateway's process opens its REST ports last: port 8000's /health/ready (every subgraph too) says all are up.
    const checked = name === "gateway" ? configOf(name).REST_GATEWAY_PORT : listeningPorts(name, configOf(name))[0];
    expect(Number(url.port)).toBe(checked);
    // The healthcheck runs a script from the image; it has to exist.
    for (const script of healthcheckLine(name).match(/\bdocker\/[\w./-]+\.js\b/g) ?? []) {
      expect(fs.existsSync(path.join(root, script))).toBe(true);
    }
  });

  test("postgres is healthy when it accepts connections", () => {
    expect(healthcheckLine("postgres")).toMatch(/pg_isready/);
  });

  test("each container waits for what it needs to be healthy, and only for containers that have a healthcheck", () => {
    for (const name of SUBGRAPHS) expect(dependsOn(name)).toEqual({ postgres: "service_healthy" });
    expect(dependsOn("gateway")).toEqual({ users: "service_healthy", products: "service_healthy", orders: "service_healthy" });
    expect(dependsOn("nginx")).toEqual({ gateway: "service_healthy" });
    for (const name of Object.keys(services)) {
      for (const [dependency, condition] of Object.entries(dependsOn(name))) {
        expect(dependency in services).toBe(true);
        if (condition === "service_healthy")
          expect({ dependency, healthcheck: healthcheckLine(dependency) !== "" }).toEqual({ dependency, healthcheck: true });
      }
    }
  });

  test.each(APP_SERVICES)("%s runs its compiled entry with plain node", (name) => {
    const source = SOURCE_ENTRY[name];
    expect(services[name].command).toEqual(imageCommandOf(name));
    expect(fs.existsSync(path.join(root, source))).toBe(true);
    // The same service as `npm run start:<name>` in development.
    const scripts = JSON.parse(read("package.json")).scripts as Record<string, string>;
    expect(scripts[`start:${name}`]).toContain(source);
    const build = JSON.parse(read("tsconfig.build.json").replace(/^\s*\/\/.*$/gm, "")) as { include: string[] };
    expect(build.include).toContain(source.split("/")[0]);
  });

  test("no container runs the legacy REST API as a process of its own; the image still compiles its code for the gateway", () => {
    for (const name of Object.keys(services))
      expect({ name, runsTheShim: /rest-shim/.test(commandLine(name)) }).toEqual({ name, runsTheShim: false });
    expect(read("Dockerfile")).not.toMatch(/rest-shim\/src\/main/);
    const build = JSON.parse(read("tsconfig.build.json").replace(/^\s*\/\/.*$/gm, "")) as { include: string[] };
    expect(build.include).toContain("rest-shim");
  });

  test.each(SUBGRAPHS)("the %s subgraph applies its own migrations: no Prisma CLI or schema engine in the image", (name) => {
    expect(commandLine(name)).not.toMatch(/prisma/);
    expect(fs.existsSync(path.join(root, `prisma/${name}/migrations/migration_lock.toml`))).toBe(true);
    expect(read("scripts/build.js")).toContain(`"prisma/${name}/migrations"`);
    expect(environmentOf(name)).toHaveProperty(`${name.toUpperCase()}_DATABASE_URL`);
  });

  test("every named volume is declared", () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === "string" ? volume.split(":")[0] : (volume.source ?? "");
        if (source.startsWith(".") || source.startsWith("/")) continue;
        expect({ name, source, declared: source in (compose.volumes ?? {}) }).toEqual({ name, source, declared: true });
      }
    }
  });
});

describe("PostgreSQL init script", () => {
  const initScripts = bindMounts("postgres").filter((mount) => mount.target.startsWith("/docker-entrypoint-initdb.d"));

  test("is mounted into the image's init directory and exists", () => {
    expect(initScripts.length).toBeGreaterThan(0);
    for (const mount of initScripts) expect(fs.existsSync(mount.source)).toBe(true);
  });

  test("creates exactly the databases the subgraphs' URLs name", () => {
    const sql = initScripts
      .flatMap((mount) =>
        fs.statSync(mount.source).isDirectory()
          ? fs.readdirSync(mount.source).map((file) => path.join(mount.source, file))
          : [mount.source],
      )
      .filter((file) => file.endsWith(".sql"))
      .map((file) => fs.readFileSync(file, "utf8").replace(/--.*$/gm, ""))
      .join("\n");
    const created = [...sql.matchAll(/\bCREATE\s+DATABASE\s+"?(\w+)"?/gi)].map((match) => match[1]).sort();
    const named = SUBGRAPHS.map((name) =>
      new URL(environmentOf(name)[`${name.toUpperCase()}_DATABASE_URL`]).pathname.slice(1),
    ).sort();
    expect(created).toEqual(named);
  });
});

describe("NGINX configuration", () => {
  const mount = bindMounts("nginx").find((candidate) => candidate.target.startsWith("/etc/nginx/"));
  const { conf, upstreams, locations, routeOf } = parseNginx(mount ? fs.readFileSync(mount.source, "utf8") : "");

  test("is mounted from the repository, listening on the port the container publishes", () => {
    expect(mount).toBeDefined();
    expect(fs.existsSync(mount!.source)).toBe(true);
    const listen = Number(conf.match(/listen\s+(\d+)/)?.[1]);
    expect(publishedPorts("nginx").map((port) => port.container)).toEqual([listen]);
  });

  test("sends GraphQL and /health to the gateway, and the REST paths to the gateway's legacy gateway-style port", () => {
    const gateway = `gateway:${DEFAULTS.GATEWAY_PORT}`;
    const legacyRest = `gateway:${DEFAULTS.REST_GATEWAY_PORT}`;
    expect(routeOf("/graphql")).toBe(gateway);
    expect(routeOf("/health")).toBe(gateway);
    expect(routeOf("/api/users/register")).toBe(legacyRest);
    expect(routeOf("/api/products/1")).toBe(legacyRest);
    expect(routeOf("/api/orders/user/1")).toBe(legacyRest);
    expect(routeOf("/services")).toBe(legacyRest);
  });

  test("passes the gateway's compressed answers through, neither decoding nor compressing again", () => {
    expect(conf).toMatch(/^\s*gzip\s+off;/m);
    // The client's Accept-Encoding reaches the gateway as sent, and its encoded answer comes back as it is.
    expect(conf).not.toMatch(/proxy_set_header\s+Accept-Encoding|gunzip\s+on|brotli\s+on/i);
  });

  test("keeps /metrics for the internal network: the public gets 404", () => {
    const metrics = locations.find((location) => location.modifier === "=" && location.path === "/metrics");
    expect(metrics?.proxyPass).toBeUndefined();
    expect(conf).toMatch(/location\s+=\s*\/metrics\s*\{\s*return 404;\s*\}/);
  });

  test("proxies only to services and ports that exist", () => {
    for (const location of locations.filter((location) => location.proxyPass)) {
      const target = new URL(location.proxyPass!).host;
      const [host, port] = (upstreams[target] ?? target).split(":");
      expect({ host, known: host in services }).toEqual({ host, known: true });
      const listening = (APP_SERVICES as readonly string[]).includes(host)
        ? listeningPorts(host as AppService, configOf(host as AppService))
        : [DEFAULT_PORT_OF[host]];
      expect({ host, port: Number(port), listened: listening.includes(Number(port)) }).toEqual({
        host,
        port: Number(port),
        listened: true,
      });
    }
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile")
    .replace(/^\s*#.*$/gm, "")
    .replace(/\\\n/g, " ");
  const instructions = dockerfile
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  const runs = instructions.filter((line) => /^RUN\s/i.test(line)).join("\n");

  test("builds on Node 20", () => {
    const from = instructions.filter((line) => /^FROM\s/i.test(line));
    expect(from.length).toBeGreaterThan(0);
    for (const line of from) expect(line).toMatch(/^FROM\s+(--platform=\S+\s+)?node:20([.-]\S*)?(\s+AS\s+\w+)?$/i);
  });

  const stages = dockerfile.split(/^FROM\s/im).slice(1);
  const runStage = stages[stages.length - 1];

  test("builds in one stage and runs in another, with production dependencies and the compiled output only", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runs).toMatch(/\bnpm run build\b/);
    expect(runStage).toMatch(/\bnpm ci --omit=dev\b/);
    expect(runStage).toMatch(/COPY --from=\w+ \/app\/dist/);
    expect(runStage).not.toMatch(/^COPY \. /m);
    expect(runStage).toMatch(/^CMD \["node", "dist\//m);
  });

  test("runs every service in production mode with the Node options npm start gives them too", () => {
    expect(runStage).toMatch(new RegExp(`^ENV NODE_OPTIONS=${SERVICE_NODE_OPTIONS}$`, "m"));
    expect(runStage).toMatch(/^ENV NODE_ENV=production$/m);
  });

  test("runs as a non-root user under an init process", () => {
    const user = runStage.match(/^USER\s+(\S+)/m)?.[1];
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user);
    expect(runStage).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]/m);
    expect(runStage).toMatch(/apt-get install[^\n]*\btini\b/);
  });

  test("installs the locked dependencies and runs the generate script", () => {
    const scripts = JSON.parse(read("package.json")).scripts as Record<string, string>;
    expect(runs).toMatch(/\bnpm ci\b/);
    expect(runs).toMatch(/\bnpm run generate\b/);
    expect(scripts.generate).toBeDefined();
    expect(runs.indexOf("npm ci")).toBeLessThan(runs.indexOf("npm run generate"));
  });

  test("does not copy the host's node_modules, generated code or local data into the image", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith("#"));
    expect(ignored).toEqual(expect.arrayContaining(["node_modules", ".data"]));
    expect(ignored.some((pattern) => /generated$/.test(pattern))).toBe(true);
  });
});
