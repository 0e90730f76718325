// No cluster runs here, so these tests hold the Kubernetes manifests (the
// production render committed by `npm run k8s:render`) and the monitoring
// files to the code: images, commands, ports, variables, probe paths, secret
// and config keys, Services, autoscalers, the Ingress against compose's NGINX,
// Prometheus's targets and the Grafana dashboard's metric names. The migration
// Jobs' program runs for real against PostgreSQL.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Job } from "kubernetes-models/batch/v1";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Namespace, Secret, Service } from "kubernetes-models/v1";
import { parse, parseAllDocuments, parseDocument } from "yaml";
import { ENV_VARIABLES, authModeOf, playgroundEnabled, readEnv, type PlatformEnv } from "../lib/config";
import { ServiceMetrics } from "../lib/observability/metrics";
import { LIVE_PATH, READY_PATH } from "../lib/health";
import { portRoutes, PORT_KINDS } from "../rest-shim/src/ports";
import { migrationsDirOf } from "../subgraphs/shared/settings";
import { applyPendingMigrations, readMigrations } from "../subgraphs/shared/migrations";
import { postgresExecutor } from "../subgraphs/shared/database";
import { createLogger } from "../lib/logger";
import { OVERLAY, RENDERED, kubectlVersion, renderProduction } from "../deploy/kubernetes/render";
import { createTestDatabases } from "./support/databases";
import {
  APP_SERVICES,
  DEFAULTS,
  FRONT_DOOR_SAMPLE_PATHS,
  SUBGRAPHS,
  imageCommandOf,
  listeningPorts,
  metricsPort,
  parseNginx,
  PRODUCTION_DEFAULTS,
  read,
  restPorts,
  root,
  type AppService,
} from "./support/deployment";
import { TYPESCRIPT_ENTRY_ARGS } from "../lib/processes";

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
} & Record<string, any>;
type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
  };
};
type Probe = { httpGet?: { path: string; port: string | number } };
type Container = {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string }[];
};

const renderedText = read(RENDERED);
const documents = parseAllDocuments(renderedText);
const manifests = documents.map((document) => document.toJS() as Manifest).filter(Boolean);
const ofKind = (kind: string) => manifests.filter((manifest) => manifest.kind === kind);
const named = (kind: string, name: string): Manifest => {
  const found = ofKind(kind).find((manifest) => manifest.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in ${RENDERED}`);
  return found;
};
type PodSpec = {
  containers: Container[];
  volumes?: any[];
  enableServiceLinks?: boolean;
  automountServiceAccountToken?: boolean;
  topologySpreadConstraints?: { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } }[];
};
const podSpecOf = (manifest: Manifest) => manifest.spec.template.spec as PodSpec;
const containerOf = (kind: string, name: string): Container => {
  const containers = podSpecOf(named(kind, name)).containers;
  expect(containers).toHaveLength(1);
  return containers[0];
};
const overlay = parse(read(`${OVERLAY}/kustomization.yaml`)) as {
  namespace: string;
  images: { name: string; newName: string; newTag: string }[];
};
const compose = parseDocument(read("docker-compose.yml"), { merge: true }).toJS() as {
  services: Record<string, { image?: string; command?: string[] }>;
};

/** The keys the production overlay expects in the shop-secrets it does not ship (secrets.env.example). */
const SECRET_EXAMPLE = Object.fromEntries(
  read(`${OVERLAY}/secrets.env.example`)
    .split("\n")
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
);
/** What an operator puts in that Secret: real-looking values for every key. */
const SAMPLE_SECRETS: Record<string, string> = {
  ...SECRET_EXAMPLE,
  JWT_SECRET: "a-jwt-secret-of-32-characters-xx",
  SERVICE_TOKEN: "a-service-token-of-32-characters",
};

/**
 * The variables Kubernetes adds for every Service of the namespace unless the pod says
 * enableServiceLinks: false (Docker links' format: USERS_PORT=tcp://10.0.0.1:4001, ...).
 */
function serviceLinks(pod: PodSpec): Record<string, string> {
  if (pod.enableServiceLinks === false) return {};
  return Object.fromEntries(
    ofKind("Service").flatMap((service, index) => {
      const prefix = service.metadata.name.toUpperCase().replace(/-/g, "_");
      const address = `10.96.0.${index + 1}`;
      const port = service.spec.ports[0].port;
      return [
        [`${prefix}_SERVICE_HOST`, address],
        [`${prefix}_SERVICE_PORT`, String(port)],
        [`${prefix}_PORT`, `tcp://${address}:${port}`],
      ];
    }),
  );
}

/** A container's environment as the process inside sees it, with the sample secrets. */
function environmentOf(container: Container, pod: PodSpec): Record<string, string> {
  const env: Record<string, string> = serviceLinks(pod);
  for (const source of container.envFrom ?? []) {
    expect(source.secretRef).toBeUndefined(); // every secret is named one by one: each service gets only its own
    Object.assign(env, named("ConfigMap", source.configMapRef!.name).data);
  }
  for (const variable of container.env ?? []) {
    const secret = variable.valueFrom?.secretKeyRef;
    const config = variable.valueFrom?.configMapKeyRef;
    const value = secret
      ? SAMPLE_SECRETS[secret.key]
      : config
        ? named("ConfigMap", config.name).data[config.key]
        : variable.value;
    if (value !== undefined) env[variable.name] = value;
  }
  return env;
}
const deploymentEnvironment = (name: AppService) =>
  environmentOf(containerOf("Deployment", name), podSpecOf(named("Deployment", name)));
const configOf = (name: AppService): PlatformEnv => readEnv(deploymentEnvironment(name));

/** Every container with its pod, Deployments and Jobs alike. */
const everyContainer = (): { owner: string; container: Container; pod: PodSpec }[] =>
  [...ofKind("Deployment"), ...ofKind("Job")].flatMap((manifest) =>
    podSpecOf(manifest).containers.map((container) => ({
      owner: `${manifest.kind}/${manifest.metadata.name}`,
      container,
      pod: podSpecOf(manifest),
    })),
  );

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);
const deploymentsSelectedBy = (selector: Record<string, string>) =>
  ofKind("Deployment").filter((deployment) => matches(selector, deployment.spec.template.metadata.labels));

/** The container port a probe or Service names (by name or number). */
function containerPortOf(container: Container, port: string | number): number | undefined {
  const found = (container.ports ?? []).find((candidate) => candidate.name === port || candidate.containerPort === port);
  return found?.containerPort;
}

/**
 * The paths each service serves on a port in production, read from the code that serves them: its own port's
 * app, in the gateway's process the legacy REST API's app on each REST port (rest-shim/src), and its metrics
 * listener (lib/observability/metrics-server.ts).
 */
function servedPaths(name: AppService, port: number): string[] {
  const paths: string[] = [];
  const ownMetricsPort = metricsPort(name, PRODUCTION_DEFAULTS);
  if (port === ownMetricsPort) {
    if (/app\.get\("\/metrics"/.test(read("lib/observability/metrics-server.ts"))) paths.push("/metrics");
    return paths;
  }
  // observeHttp (lib/observability/http.ts) puts GET /metrics on every app that calls it, unless the process
  // has a metrics listener of its own (as in production).
  const observeHttp = read("lib/observability/http.ts");
  const servesMetrics = (appSource: string) =>
    /if \(!metrics\.settings\.listener\) app\.get\("\/metrics"/.test(observeHttp) &&
    ownMetricsPort === undefined &&
    /\bobserveHttp\(app\b/.test(read(appSource));
  const ownAppSource: Record<AppService, string> = {
    users: "subgraphs/shared/subgraph-server.ts",
    products: "subgraphs/shared/subgraph-server.ts",
    orders: "subgraphs/shared/subgraph-server.ts",
    gateway: "gateway/src/gateway.ts",
  };
  const [ownPort] = listeningPorts(name, DEFAULTS);
  if (port === ownPort) {
    if (servesMetrics(ownAppSource[name])) paths.push("/metrics");
    if (/app\.get\("\/health"/.test(read(ownAppSource[name]))) paths.push("/health");
    if (/app\.use\(health(Routes\(\{ database \}\))?\)/.test(read(ownAppSource[name]))) paths.push(LIVE_PATH, READY_PATH);
  } else if (name === "gateway" && restPorts(DEFAULTS).includes(port)) {
    if (servesMetrics("rest-shim/src/app.ts")) paths.push("/metrics");
    const kind = PORT_KINDS[restPorts(DEFAULTS).indexOf(port)];
    if (portRoutes(kind).some((route) => route.method === "GET" && route.path === "/health")) paths.push("/health");
    if (/app\.use\(deps\.gateway\.healthRoutes\)/.test(read("rest-shim/src/app.ts"))) paths.push(LIVE_PATH, READY_PATH);
  }
  return paths;
}

describe(`${RENDERED}`, () => {
  const kubectl = kubectlVersion();
  const optedOut = process.env.KUBERNETES_RENDER_CHECK === "skip";
  // Without kubectl the render cannot be checked: that is a failure, unless the run says so on purpose.
  (kubectl || !optedOut ? test : test.skip)("is what `npm run k8s:render` makes of the overlay today", async () => {
    if (!kubectl) {
      throw new Error(
        "kubectl is not installed, so the committed render cannot be compared with the overlay. " +
          "Install kubectl (its built-in kustomize renders), or set KUBERNETES_RENDER_CHECK=skip to skip this one check.",
      );
    }
    expect(await renderProduction()).toBe(renderedText);
  });

  test("is written by npm run k8s:render", () => {
    const scripts = JSON.parse(read("package.json")).scripts as Record<string, string>;
    expect(scripts["k8s:render"]).toBe("tsx deploy/kubernetes/render.ts");
  });

  test("is valid YAML holding the platform: a Deployment and Service per service, a Job per database, an Ingress", () => {
    expect(documents.flatMap((document) => document.errors)).toEqual([]);
    expect(
      ofKind("Deployment")
        .map((manifest) => manifest.metadata.name)
        .sort(),
    ).toEqual([...APP_SERVICES].sort());
    expect(
      ofKind("Job")
        .map((manifest) => manifest.metadata.name)
        .sort(),
    ).toEqual(SUBGRAPHS.map((name) => `${name}-migrate`).sort());
    for (const name of APP_SERVICES) expect(named("Service", name).spec.selector).toEqual({ "app.kubernetes.io/name": name });
    expect(ofKind("Ingress")).toHaveLength(1);
  });

  test("the legacy REST API's Service keeps its name and ports, and sends them to the gateway's pods, whose process serves them", () => {
    const rest = named("Service", "rest-shim");
    expect(deploymentsSelectedBy(rest.spec.selector).map((deployment) => deployment.metadata.name)).toEqual(["gateway"]);
    const gateway = containerOf("Deployment", "gateway");
    expect(
      rest.spec.ports.map((port: { port: number; targetPort: string | number }) => containerPortOf(gateway, port.targetPort)),
    ).toEqual(restPorts(DEFAULTS));
    expect(rest.spec.ports.map((port: { port: number }) => port.port)).toEqual(restPorts(DEFAULTS));
    // No Deployment, autoscaler or budget of its own: the gateway's cover it.
    for (const kind of ["Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget"])
      expect(ofKind(kind).map((manifest) => manifest.metadata.name)).not.toContain("rest-shim");
    expect(renderedText).not.toMatch(/rest-shim\/src\/main/);
  });

  /** kubernetes-models: the API's OpenAPI schemas (types, required fields, formats) per kind. */
  const MODELS: Record<string, new (data: any) => { validate(): void }> = {
    "v1/Namespace": Namespace,
    "v1/ConfigMap": ConfigMap,
    "v1/Secret": Secret,
    "v1/Service": Service,
    "apps/v1/Deployment": Deployment,
    "batch/v1/Job": Job,
    "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
    "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
    "networking.k8s.io/v1/Ingress": Ingress,
  };

  test("every object is valid against the Kubernetes API's schema for its kind", () => {
    for (const manifest of [...manifests, parse(read("deploy/kubernetes/base/secret.yaml")) as Manifest]) {
      const model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
      const name = `${manifest.apiVersion}/${manifest.kind} ${manifest.metadata.name}`;
      expect({ name, known: Boolean(model) }).toEqual({ name, known: true });
      expect(() => new model(manifest).validate()).not.toThrow();
    }
  });

  test("puts everything in the overlay's namespace", () => {
    expect(named("Namespace", overlay.namespace)).toBeDefined();
    for (const manifest of manifests.filter((manifest) => manifest.kind !== "Namespace"))
      expect({ name: `${manifest.kind}/${manifest.metadata.name}`, namespace: manifest.metadata.namespace }).toEqual({
        name: `${manifest.kind}/${manifest.metadata.name}`,
        namespace: overlay.namespace,
      });
  });

  test("runs every container from the one image the Dockerfile builds, as the overlay names it", () => {
    const [image] = overlay.images;
    expect(overlay.images).toHaveLength(1);
    expect(image.name).toBe(compose.services.gateway.image?.split(":")[0]);
    for (const { owner, container } of everyContainer())
      expect({ owner, image: container.image }).toEqual({ owner, image: `${image.newName}:${image.newTag}` });
  });

  test.each(APP_SERVICES)("%s runs its compiled entry with plain node, as in docker-compose.yml", (name) => {
    // args, as compose's command: Kubernetes' command would replace the image's entrypoint, tini.
    expect(containerOf("Deployment", name).command).toBeUndefined();
    expect(containerOf("Deployment", name).args).toEqual(imageCommandOf(name));
    expect(compose.services[name].command).toEqual(imageCommandOf(name));
    expect(read("Dockerfile")).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
  });

  test.each(APP_SERVICES)("%s declares exactly the ports its code listens on", (name) => {
    const declared = (containerOf("Deployment", name).ports ?? []).map((port) => port.containerPort);
    expect(declared).toEqual(listeningPorts(name, configOf(name)));
    expect(declared).toEqual(listeningPorts(name, PRODUCTION_DEFAULTS));
  });

  test("sets only variables that lib/config.ts reads", () => {
    const known = new Set<string>(ENV_VARIABLES);
    for (const configMap of ofKind("ConfigMap").filter((map) => map.metadata.name.startsWith("shop-config")))
      expect(Object.keys(configMap.data).filter((key) => !known.has(key))).toEqual([]);
    for (const { owner, container } of everyContainer()) {
      const names = (container.env ?? []).map((variable) => variable.name);
      expect({ owner, unknown: names.filter((name) => !known.has(name)) }).toEqual({ owner, unknown: [] });
    }
  });

  test.each(APP_SERVICES)("%s runs in production, enforced, on all interfaces, with a valid configuration", (name) => {
    const env = configOf(name);
    expect(env.NODE_ENV).toBe("production");
    expect(authModeOf(env)).toBe("enforced");
    expect(env.AUTH_MODE).toBe("enforced");
    expect(env.HOST).toBe("0.0.0.0");
    expect(playgroundEnabled(env)).toBe(false);
    expect(env.JWT_SECRET).toBe(SAMPLE_SECRETS.JWT_SECRET);
    expect(env.SERVICE_TOKEN).toBe(SAMPLE_SECRETS.SERVICE_TOKEN);
    expect(env.REDIS_URL).toBe(SAMPLE_SECRETS.REDIS_URL);
  });

  test("only the gateway, behind the ingress controller for GraphQL and REST alike, believes X-Forwarded-For", () => {
    expect(configOf("gateway").TRUST_PROXY).toEqual(["uniquelocal"]);
    for (const name of SUBGRAPHS) expect({ name, trust: configOf(name).TRUST_PROXY }).toEqual({ name, trust: [] });
  });

  test("no pod gets the Services' link variables, which would set USERS_PORT=tcp://... and stop the service", () => {
    for (const { owner, pod } of everyContainer()) {
      expect({ owner, links: pod.enableServiceLinks }).toEqual({ owner, links: false });
      expect({ owner, token: pod.automountServiceAccountToken }).toEqual({ owner, token: false });
    }
    // What the links would do: the users subgraph's configuration would be refused.
    const users = named("Deployment", "users");
    const linked = environmentOf(containerOf("Deployment", "users"), { ...podSpecOf(users), enableServiceLinks: true });
    expect(() => readEnv(linked)).toThrow(/USERS_PORT/);
  });

  test.each(APP_SERVICES)("%s spreads its replicas over the nodes", (name) => {
    const [spread] = podSpecOf(named("Deployment", name)).topologySpreadConstraints ?? [];
    expect(spread?.topologyKey).toBe("kubernetes.io/hostname");
    expect(deploymentsSelectedBy(spread.labelSelector.matchLabels).map((deployment) => deployment.metadata.name)).toEqual([name]);
  });

  test.each(APP_SERVICES)("%s gets only its own database URL, from the secret", (name) => {
    const variables = (containerOf("Deployment", name).env ?? []).filter((variable) => variable.name.endsWith("_DATABASE_URL"));
    const own = (SUBGRAPHS as readonly string[]).includes(name) ? [`${name.toUpperCase()}_DATABASE_URL`] : [];
    expect(variables.map((variable) => variable.name)).toEqual(own);
    for (const variable of variables) expect(variable.valueFrom?.secretKeyRef?.key).toBe(variable.name);
  });

  test("orders publishes its events to NATS when NATS_URL is in the secret, and starts without it", () => {
    const nats = (containerOf("Deployment", "orders").env ?? []).find((variable) => variable.name === "NATS_URL");
    expect(nats?.valueFrom?.secretKeyRef).toEqual({ name: "shop-secrets", key: "NATS_URL", optional: true });
  });

  test("every secret key it reads is one the production secret is documented to hold; the repository ships none", () => {
    expect(ofKind("Secret")).toEqual([]);
    const refs = everyContainer().flatMap(({ container }) =>
      (container.env ?? []).flatMap((variable) => (variable.valueFrom?.secretKeyRef ? [variable.valueFrom.secretKeyRef] : [])),
    );
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref.name).toBe("shop-secrets");
      expect({ key: ref.key, documented: ref.key in SECRET_EXAMPLE }).toEqual({ key: ref.key, documented: true });
    }
    // The example holds no real secret to copy.
    expect(SECRET_EXAMPLE.JWT_SECRET).toBe("");
    expect(SECRET_EXAMPLE.SERVICE_TOKEN).toBe("");
  });

  test("the base's placeholder secret has every required key, and a service given its values refuses to start", () => {
    const secret = parse(read("deploy/kubernetes/base/secret.yaml")) as {
      metadata: { name: string };
      stringData: Record<string, string>;
    };
    expect(secret.metadata.name).toBe("shop-secrets");
    const required = new Set(
      everyContainer().flatMap(({ container }) =>
        (container.env ?? []).flatMap((variable) => {
          const ref = variable.valueFrom?.secretKeyRef;
          return ref && !ref.optional ? [ref.key] : [];
        }),
      ),
    );
    expect(Object.keys(secret.stringData).sort()).toEqual([...required].sort());
    for (const [key, value] of Object.entries(secret.stringData)) expect(() => readEnv({ [key]: value })).toThrow(key);
  });

  test("every ConfigMap key it reads exists in the rendered ConfigMap", () => {
    for (const { owner, container } of everyContainer()) {
      for (const source of container.envFrom ?? [])
        expect({ owner, map: named("ConfigMap", source.configMapRef!.name).kind }).toEqual({ owner, map: "ConfigMap" });
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.configMapKeyRef;
        if (ref)
          expect({ owner, key: ref.key, present: ref.key in named("ConfigMap", ref.name).data }).toEqual({
            owner,
            key: ref.key,
            present: true,
          });
      }
    }
  });

  test.each(APP_SERVICES)("%s's probes ask paths it serves, on its own ports", (name) => {
    const container = containerOf("Deployment", name);
    expect(container.readinessProbe).toBeDefined();
    expect(container.livenessProbe).toBeDefined();
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe].filter(Boolean) as Probe[]) {
      const port = containerPortOf(container, probe.httpGet!.port);
      expect(port).toBeDefined();
      expect(servedPaths(name, port!)).toContain(probe.httpGet!.path);
    }
  });

  test("a subgraph is ready when its database answers; nothing is restarted for a dependency's outage", () => {
    for (const name of SUBGRAPHS) expect(containerOf("Deployment", name).readinessProbe?.httpGet?.path).toBe(READY_PATH);
    // Liveness asks the process only: a database's or a subgraph's outage would restart every replica.
    for (const name of APP_SERVICES) expect(containerOf("Deployment", name).livenessProbe?.httpGet?.path).toBe(LIVE_PATH);
  });

  test("a gateway takes traffic once its subgraphs answer, and is not taken out for one subgraph's outage later", () => {
    const gateway = containerOf("Deployment", "gateway");
    expect(gateway.startupProbe?.httpGet?.path).toBe(READY_PATH);
    // The gateway's readiness reports the subgraphs: as the standing probe, one subgraph's outage would take every
    // gateway out of its Services, where it still serves the rest of the graph.
    expect(gateway.readinessProbe?.httpGet?.path).toBe(LIVE_PATH);
  });

  test("every container asks for CPU and memory and has limits above its requests", () => {
    const cpu = (text: string) => (text.endsWith("m") ? Number(text.slice(0, -1)) / 1000 : Number(text));
    const memory = (text: string) => Number(text.replace(/Mi$/, "")) * (text.endsWith("Gi") ? 1024 : 1);
    for (const { owner, container } of everyContainer()) {
      const { requests = {}, limits = {} } = container.resources ?? {};
      expect({ owner, keys: [Object.keys(requests).sort(), Object.keys(limits).sort()] }).toEqual({
        owner,
        keys: [
          ["cpu", "memory"],
          ["cpu", "memory"],
        ],
      });
      expect(cpu(requests.cpu)).toBeLessThanOrEqual(cpu(limits.cpu));
      expect(memory(requests.memory)).toBeLessThanOrEqual(memory(limits.memory));
    }
  });

  test("every Service selects one Deployment and targets a port it declares, on the same number", () => {
    for (const service of ofKind("Service").filter((service) => service.spec.selector)) {
      const [deployment, ...others] = deploymentsSelectedBy(service.spec.selector);
      expect({ service: service.metadata.name, others: others.length, found: Boolean(deployment) }).toEqual({
        service: service.metadata.name,
        others: 0,
        found: true,
      });
      for (const port of service.spec.ports) {
        const target = containerPortOf(podSpecOf(deployment).containers[0], port.targetPort ?? port.port);
        expect({ service: service.metadata.name, port: port.port, target }).toEqual({
          service: service.metadata.name,
          port: port.port,
          target: port.port,
        });
      }
    }
  });

  test.each(APP_SERVICES)("every URL %s is given names a Service and a port its Deployment listens on", (name) => {
    const env = deploymentEnvironment(name);
    // No process in the cluster calls the gateway over HTTP: the REST API runs in the gateway's process.
    expect(env.GATEWAY_URL).toBeUndefined();
    const urls = Object.entries(env).filter(([variable]) => /^(USERS|PRODUCTS|ORDERS|GATEWAY)_URL$/.test(variable));
    expect(urls.length).toBe(3);
    for (const [variable, value] of urls) {
      const url = new URL(value);
      const service = named("Service", url.hostname);
      const target = url.hostname as AppService;
      expect(service.spec.ports.map((port: { port: number }) => port.port)).toContain(Number(url.port));
      expect(listeningPorts(target, configOf(target))).toContain(Number(url.port));
      expect({ variable, path: url.pathname }).toEqual({
        variable,
        path: new URL(String(DEFAULTS[variable as keyof PlatformEnv])).pathname,
      });
    }
  });

  test.each(["gateway", ...SUBGRAPHS])(
    "%s scales between several replicas and keeps all but one through a disruption",
    (name) => {
      const hpa = named("HorizontalPodAutoscaler", name);
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name });
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(3);
      expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
      // The autoscaler owns the count: a replicas field would reset it on every apply.
      expect(named("Deployment", name).spec.replicas).toBeUndefined();
      const pdb = named("PodDisruptionBudget", name);
      expect(deploymentsSelectedBy(pdb.spec.selector.matchLabels).map((deployment) => deployment.metadata.name)).toEqual([name]);
      expect(pdb.spec.maxUnavailable).toBeLessThan(hpa.spec.minReplicas);
    },
  );

  test("the REST API runs on every gateway replica; every rollout adds a pod before it removes one", () => {
    const [restApiDeployment] = deploymentsSelectedBy(named("Service", "rest-shim").spec.selector);
    expect(named("HorizontalPodAutoscaler", restApiDeployment.metadata.name).spec.minReplicas).toBeGreaterThanOrEqual(3);
    for (const name of APP_SERVICES) expect(named("Deployment", name).spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const targets = [...ofKind("HorizontalPodAutoscaler"), ...ofKind("PodDisruptionBudget")].map(
      (manifest) => manifest.metadata.name,
    );
    for (const target of targets) expect(ofKind("Deployment").map((deployment) => deployment.metadata.name)).toContain(target);
  });
});

describe("the migration Jobs", () => {
  const script = fs.readFileSync(path.join(root, "deploy/kubernetes/base/migrate.js"), "utf8");

  test.each(SUBGRAPHS)("%s-migrate runs the mounted migrate.js for its own database only", (name) => {
    const job = named("Job", `${name}-migrate`);
    const container = containerOf("Job", `${name}-migrate`);
    const mount = container.volumeMounts?.[0];
    expect(container.command).toBeUndefined();
    expect(container.args).toEqual(["node", `${mount?.mountPath}/migrate.js`, name]);
    const volume = podSpecOf(job).volumes?.find((candidate: { name: string }) => candidate.name === mount?.name);
    expect(named("ConfigMap", volume.configMap.name).data["migrate.js"]).toBe(script);
    expect(Object.keys(environmentOf(container, podSpecOf(job))).sort()).toEqual(
      ["LOG_LEVEL", `${name.toUpperCase()}_DATABASE_URL`].sort(),
    );
    expect(job.spec.backoffLimit).toBeGreaterThan(0);
  });

  test("can be applied alone: the Jobs and the ConfigMaps they read carry the labels docs/kubernetes.md selects", () => {
    const component = (manifest: Manifest) => manifest.metadata.labels?.["app.kubernetes.io/component"];
    expect(read("docs/kubernetes.md")).toContain("-l 'app.kubernetes.io/component in (config,migration)'");
    for (const job of ofKind("Job")) {
      expect(component(job)).toBe("migration");
      const container = podSpecOf(job).containers[0];
      const maps = [
        ...(container.env ?? []).flatMap((variable) => variable.valueFrom?.configMapKeyRef?.name ?? []),
        ...(podSpecOf(job).volumes ?? []).flatMap((volume: { configMap?: { name: string } }) => volume.configMap?.name ?? []),
      ];
      expect(maps.length).toBe(2);
      for (const map of maps) expect(["config", "migration"]).toContain(component(named("ConfigMap", map)));
    }
  });

  /** Runs migrate.js as the image does: from a working directory whose dist/ is the compiled code (here: the sources, through tsx). */
  function runMigrate(args: string[], env: Record<string, string>) {
    const app = fs.mkdtempSync(path.join(os.tmpdir(), "shop-migrate-"));
    fs.symlinkSync(root, path.join(app, "dist"));
    fs.symlinkSync(path.join(root, "node_modules"), path.join(app, "node_modules"));
    try {
      return spawnSync(
        process.execPath,
        [...TYPESCRIPT_ENTRY_ARGS, path.join(root, "deploy/kubernetes/base/migrate.js"), ...args],
        {
          cwd: app,
          env: { PATH: process.env.PATH, ...env },
          encoding: "utf8",
        },
      );
    } finally {
      fs.rmSync(app, { recursive: true, force: true });
    }
  }

  test("migrate.js applies each subgraph's migrations with the subgraphs' own bookkeeping, once", async () => {
    const databases = await createTestDatabases("postgres");
    try {
      for (const name of SUBGRAPHS) {
        const config = databases.configs[name];
        if (config.kind !== "postgres") throw new Error("expected a server database");
        const env = { [`${name.toUpperCase()}_DATABASE_URL`]: config.url, LOG_LEVEL: "info" };
        const first = runMigrate([name], env);
        expect({ name, status: first.status, stderr: first.stderr }).toEqual({ name, status: 0, stderr: "" });
        const again = runMigrate([name], env);
        expect(again.status).toBe(0);
        expect(again.stdout).toContain("no pending migrations");

        const client = new pg.Client({ connectionString: config.url });
        await client.connect();
        try {
          const rows = await client.query(
            `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY 1`,
          );
          expect(rows.rows.map((row) => row.migration_name)).toEqual(
            readMigrations(migrationsDirOf(name)).map((file) => file.name),
          );
          // The subgraph starting next finds nothing left to apply.
          const logger = createLogger("test", "silent");
          expect(await applyPendingMigrations(postgresExecutor(client), migrationsDirOf(name), logger)).toEqual([]);
        } finally {
          await client.end();
        }
      }
    } finally {
      await databases.drop();
    }
  });

  test("migrate.js refuses an unknown service and a missing database URL with a message, not a stack", () => {
    const unknown = runMigrate(["payments"], {});
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim()).toBe("usage: node migrate.js <users|products|orders>");
    const missing = runMigrate(["users"], {});
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toBe("set USERS_DATABASE_URL");
  });
});

describe("the Ingress", () => {
  const ingress = ofKind("Ingress")[0];
  type IngressPath = {
    path: string;
    pathType: "Exact" | "Prefix";
    backend: { service: { name: string; port: { number: number } } };
  };
  const paths = (ingress.spec.rules as { http: { paths: IngressPath[] } }[]).flatMap((rule) => rule.http.paths);

  /** Where the Ingress sends a path, as compose's NGINX says it: `deployment:containerPort`, or undefined for nowhere. */
  function routeOf(requestPath: string): string | undefined {
    const prefixMatches = (prefix: string) =>
      prefix === "/" || requestPath === prefix || requestPath.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`);
    const chosen =
      paths.find((candidate) => candidate.pathType === "Exact" && candidate.path === requestPath) ??
      paths
        .filter((candidate) => candidate.pathType === "Prefix" && prefixMatches(candidate.path))
        .sort((a, b) => b.path.length - a.path.length)[0];
    if (!chosen) throw new Error(`no Ingress path for ${requestPath}`);
    const service = named("Service", chosen.backend.service.name);
    if (!service.spec.selector) return undefined;
    const [deployment] = deploymentsSelectedBy(service.spec.selector);
    const servicePort = service.spec.ports.find((port: { port: number }) => port.port === chosen.backend.service.port.number);
    const target = containerPortOf(podSpecOf(deployment).containers[0], servicePort.targetPort);
    return `${deployment.metadata.name}:${target}`;
  }

  const nginx = parseNginx(read("docker/nginx/default.conf"));

  test.each(FRONT_DOOR_SAMPLE_PATHS)("sends %s where compose's NGINX does", (requestPath) => {
    expect(routeOf(requestPath)).toBe(nginx.routeOf(requestPath));
  });

  test("keeps /metrics from the public, as compose's NGINX does: its backend Service has no pods", () => {
    const metrics = paths.find((candidate) => candidate.path === "/metrics");
    expect(metrics?.pathType).toBe("Exact");
    expect(named("Service", metrics!.backend.service.name).spec.selector).toBeUndefined();
    expect(nginx.routeOf("/metrics")).toBeUndefined();
  });

  test("serves the shop's host over TLS through the nginx ingress class", () => {
    expect(ingress.spec.ingressClassName).toBe("nginx");
    const hosts = (ingress.spec.rules as { host?: string }[]).map((rule) => rule.host);
    expect(hosts.every(Boolean)).toBe(true);
    expect(ingress.spec.tls.flatMap((tls: { hosts: string[] }) => tls.hosts).sort()).toEqual([...hosts].sort());
  });
});

describe("deploy/monitoring", () => {
  test.each(APP_SERVICES)("%s's pods ask to be scraped at a port and path they serve", (name) => {
    const annotations = named("Deployment", name).spec.template.metadata.annotations as Record<string, string>;
    expect(annotations["prometheus.io/scrape"]).toBe("true");
    const port = Number(annotations["prometheus.io/port"]);
    // The process's own metrics listener (METRICS_PORT and the like), which no Service or Ingress names.
    expect(port).toBe(metricsPort(name, configOf(name)));
    expect(configOf(name).METRICS_HOST).toBe("0.0.0.0");
    for (const service of ofKind("Service"))
      for (const servicePort of service.spec.ports ?? [])
        expect({ service: service.metadata.name, port: servicePort.port }).not.toEqual({ service: service.metadata.name, port });
    expect(containerPortOf(containerOf("Deployment", name), port)).toBe(port);
    expect(annotations["prometheus.io/path"]).toBe("/metrics");
    expect(servedPaths(name, port)).toContain("/metrics");
  });

  test("prometheus.yml scrapes the overlay's namespace by those annotations", () => {
    const config = parse(read("deploy/monitoring/prometheus.yml")) as {
      scrape_configs: {
        job_name: string;
        kubernetes_sd_configs: { role: string; namespaces: { names: string[] } }[];
        relabel_configs: {
          source_labels?: string[];
          action?: string;
          regex?: string;
          target_label?: string;
          replacement?: string;
        }[];
      }[];
    };
    const [job] = config.scrape_configs;
    expect(job.kubernetes_sd_configs).toEqual([{ role: "pod", namespaces: { names: [overlay.namespace] } }]);
    const rule = (target: string) => job.relabel_configs.find((candidate) => candidate.target_label === target);
    const keep = job.relabel_configs.find((candidate) => candidate.action === "keep");
    expect(keep).toMatchObject({ source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"], regex: "true" });
    expect(rule("__address__")?.source_labels).toEqual([
      "__meta_kubernetes_pod_ip",
      "__meta_kubernetes_pod_annotation_prometheus_io_port",
    ]);
    expect(rule("__metrics_path__")?.source_labels).toEqual(["__meta_kubernetes_pod_annotation_prometheus_io_path"]);
    // The relabelling turns a pod's annotations into the address the pod serves its metrics on.
    const address = rule("__address__")!;
    expect("10.1.2.3;4001".replace(new RegExp(`^(?:${address.regex})$`), address.replacement!)).toBe("10.1.2.3:4001");
    // The Jobs are not scraped.
    for (const job of ofKind("Job")) expect(job.spec.template.metadata.annotations?.["prometheus.io/scrape"]).toBeUndefined();
  });

  /** What a service registers before its own code adds any: prom-client's process metrics and the HTTP ones. */
  function metricNamesOfAFreshService(): Set<string> {
    const metrics = new ServiceMetrics("test");
    try {
      return new Set(metrics.registry.getMetricsAsArray().map((metric) => metric.name));
    } finally {
      metrics.close();
    }
  }

  /** Every metric name the code registers: prom-client's process metrics, the HTTP ones, and each counter/histogram/gauge by name. */
  function metricNamesInCode(): Set<string> {
    const names = metricNamesOfAFreshService();
    const sources = ["lib", "gateway/src", "subgraphs", "rest-shim/src"].flatMap((dir) =>
      (fs.readdirSync(path.join(root, dir), { recursive: true }) as string[])
        .filter((file) => file.endsWith(".ts") && !file.includes("generated"))
        .map((file) => fs.readFileSync(path.join(root, dir, file), "utf8")),
    );
    for (const source of sources)
      for (const match of source.matchAll(/\.(?:counter|histogram|gauge)(?:<[^>]*>)?\(\s*"([a-zA-Z_:][\w:]*)"/g))
        names.add(match[1]);
    return names;
  }

  const PROMQL_WORDS = new Set(
    "sum by without rate irate increase histogram_quantile count max min avg topk bottomk on ignoring group_left group_right and or unless offset".split(
      " ",
    ),
  );
  /** The metric names a PromQL expression reads: what is left without label matchers, groupings, ranges, strings and functions. */
  function metricsOf(expr: string): string[] {
    const bare = expr
      .replace(/"[^"]*"/g, "")
      .replace(/\{[^}]*\}/g, "")
      .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, "")
      .replace(/\[[^\]]*\]/g, "");
    return [...bare.matchAll(/[a-zA-Z_:][\w:]*/g)].map((match) => match[0]).filter((word) => !PROMQL_WORDS.has(word));
  }

  const dashboard = JSON.parse(read("deploy/monitoring/grafana/federated-shop.json")) as {
    panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
  };
  const exprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));

  test("the Grafana dashboard reads only metrics the code registers", () => {
    const known = metricNamesInCode();
    const histogramSeries = /_(bucket|sum|count)$/;
    const names = exprs.flatMap(metricsOf);
    expect(names.length).toBeGreaterThanOrEqual(exprs.length);
    for (const name of names) {
      const exists = known.has(name) || (histogramSeries.test(name) && known.has(name.replace(histogramSeries, "")));
      expect({ name, exists }).toEqual({ name, exists: true });
    }
  });

  test("the Grafana dashboard shows every metric of the shop's own code, from the chosen data source", () => {
    const shown = new Set(exprs.flatMap(metricsOf).map((name) => name.replace(/_(bucket|sum|count)$/, "")));
    const defaults = metricNamesOfAFreshService();
    const own = [...metricNamesInCode()].filter((name) => !defaults.has(name) || /^http_/.test(name));
    expect(own.filter((name) => !shown.has(name))).toEqual([]);
    for (const panel of dashboard.panels.filter((panel) => panel.type !== "row"))
      expect(panel.datasource?.uid).toBe("${datasource}");
  });
});
