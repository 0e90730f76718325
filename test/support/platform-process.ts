// The platform as `npm start` runs it (lib/platform/start-platform.ts, one process
// per service), started as a child process on ports moved by one free PORT_OFFSET. Used by the
// benchmark and by the tests that need real processes (a restart, a kill).
import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { ENV_VARIABLES, PRODUCTION_METRICS_PORTS, readEnv, SUBGRAPH_NAMES } from "../../lib/config";
import { copyMigratedCluster } from "./database-templates";
import { TYPESCRIPT_ENTRY_ARGS } from "../../lib/processes";

export const ROOT = path.resolve(__dirname, "..", "..");

export interface PlatformProcess extends SpawnedPlatform {
  gatewayUrl: string;
  /** The REST shim's port of each kind. */
  restUrl(kind: "legacyGateway" | "users" | "products" | "orders"): string;
  /** Each process's /metrics, on its own metrics listener (every *_PORT variable is given a free port, METRICS_PORT too). */
  metricsUrl(service: "gateway" | "users" | "products" | "orders"): string;
  /** Milliseconds from spawning to every service answering /health. */
  startupMs: number;
  /** Resident memory of each service process, in MiB, by entry file. */
  residentMemory(): Record<string, number>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface StartOptions {
  /** Node's arguments: `npm start`'s by default; the compiled platform is `["dist/lib/platform/start-platform.js"]`. */
  command?: string[];
  /** Variables on top of a free PORT_OFFSET (AUTH_MODE, *_DATABASE_URL, ...). */
  env?: Record<string, string>;
  /** Embedded data lives here; a fresh temporary folder (removed on stop) when not given. */
  dataDir?: string;
  /**
   * Embedded databases start as copies of the test run's migrated clusters (database-templates.ts, Jest only) rather
   * than being created and migrated by the services: for suites whose subject is not a first start.
   */
  migrated?: boolean;
  /** A process group of its own, so that one signal to the group reaches every service at once (a power cut). */
  processGroup?: boolean;
  timeoutMs?: number;
}

/**
 * A PORT_OFFSET whose eight ports are all free now: the tests move the platform as a user would, with that one
 * setting (every URL follows the ports). Kept below Linux's ephemeral range (32768 and up), where outgoing
 * connections come and go.
 */
export async function freePortOffset(): Promise<number> {
  for (;;) {
    const offset = 10_000 + crypto.randomInt(24_000 - 10_000);
    let ports: number[];
    try {
      const env = readEnv({ PORT_OFFSET: String(offset) });
      ports = ENV_VARIABLES.filter((name) => name.endsWith("_PORT") && env[name] !== undefined).map(
        (name) => env[name] as number,
      );
      // The metrics listeners too, which spawnPlatform places at their production ports plus the offset.
      ports.push(...Object.values(PRODUCTION_METRICS_PORTS).map((port) => port + offset));
    } catch {
      continue; // a port fetch refuses
    }
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return offset;
  }
}

/** PORT_OFFSET, and each process's metrics listener where production puts it, moved by the same offset. */
function portsAt(offset: number): Record<string, string> {
  const at = (service: keyof typeof PRODUCTION_METRICS_PORTS) => String(PRODUCTION_METRICS_PORTS[service] + offset);
  return {
    PORT_OFFSET: String(offset),
    METRICS_PORT: at("gateway"),
    USERS_METRICS_PORT: at("users"),
    PRODUCTS_METRICS_PORT: at("products"),
    ORDERS_METRICS_PORT: at("orders"),
  };
}

async function isFree(port: number): Promise<boolean> {
  const server = net.createServer();
  const listening = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => resolve(true));
  });
  if (listening) await new Promise((resolve) => server.close(resolve));
  return listening;
}

/** The platform's process, spawned and not yet up (startPlatformProcess waits for it; the stop tests do not). */
export interface SpawnedPlatform {
  child: ChildProcess;
  /** What the platform was started with (PORT_OFFSET, DATA_DIR, ...) and the ports and URLs it derives from that. */
  env: Record<string, string>;
  dataDir: string;
  output(): string;
  /** The pid of each service process, by entry file. */
  servicePids(): Record<string, number>;
  /** SIGINT (Ctrl-C), then waits for the exit; removes the data directory if it was made here. */
  stop(): Promise<void>;
}

export async function spawnPlatform(options: Omit<StartOptions, "timeoutMs"> = {}): Promise<SpawnedPlatform> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "shop-platform-"));
  if (options.migrated) for (const name of SUBGRAPH_NAMES) copyMigratedCluster(name, path.join(dataDir, name));
  const settings: Record<string, string> = {
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    ...portsAt(await freePortOffset()),
    ...options.env,
  };
  const derived = readEnv(settings);
  const env = { ...settings };
  for (const name of ENV_VARIABLES.filter((name) => /_(PORT|URL)$/.test(name))) {
    if (derived[name] !== undefined) env[name] ??= String(derived[name]);
  }
  // The caller's shell minus any platform setting it may carry, so only `settings` configures the platform.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !(ENV_VARIABLES as string[]).includes(name)),
  );
  const child = spawn(process.execPath, options.command ?? [...TYPESCRIPT_ENTRY_ARGS, "lib/platform/start-platform.ts"], {
    cwd: ROOT,
    env: { ...inherited, ...settings },
    // With an IPC channel the platform stops with this process, however it ends (a killed Jest worker).
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    detached: options.processGroup ?? false,
  });
  child.channel?.unref();
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  return {
    child,
    env,
    dataDir,
    output: () => output,
    servicePids: () => servicePidsOf(child.pid!),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGINT");
        await exited;
      }
      if (ownDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startPlatformProcess(options: StartOptions = {}): Promise<PlatformProcess> {
  const started = performance.now();
  const platform = await spawnPlatform(options);
  const { child, env } = platform;
  try {
    // The shim's /health on the legacy gateway port is healthy only when the gateway and every subgraph are.
    await waitForHealthy(`http://127.0.0.1:${env.REST_GATEWAY_PORT}/health`, child, options.timeoutMs ?? 150_000);
  } catch (error) {
    await platform.stop();
    throw new Error(`${(error as Error).message}\n--- platform output ---\n${platform.output()}`, { cause: error });
  }
  const metricsPort = {
    gateway: env.METRICS_PORT,
    users: env.USERS_METRICS_PORT,
    products: env.PRODUCTS_METRICS_PORT,
    orders: env.ORDERS_METRICS_PORT,
  };
  const restPort = {
    legacyGateway: env.REST_GATEWAY_PORT,
    users: env.REST_USERS_PORT,
    products: env.REST_PRODUCTS_PORT,
    orders: env.REST_ORDERS_PORT,
  };
  return {
    ...platform,
    gatewayUrl: env.GATEWAY_URL,
    restUrl: (kind) => `http://127.0.0.1:${restPort[kind]}`,
    metricsUrl: (service) => `http://127.0.0.1:${metricsPort[service]}/metrics`,
    startupMs: performance.now() - started,
    residentMemory: () => residentMemoryOfChildren(child.pid!),
  };
}

async function waitForHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the platform exited with ${child.exitCode} before it was up (last: ${last})`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = String(error); // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not become healthy in ${timeoutMs} ms (last: ${last})`);
}

/** RSS of the platform's service processes (the children of start-platform), in MiB. */
function residentMemoryOfChildren(parentPid: number): Record<string, number> {
  return Object.fromEntries(
    serviceProcessesOf(parentPid).flatMap(({ pid, entry }) => {
      const kib = residentKibOf(pid);
      return kib === undefined ? [] : [[entry, Math.round(kib / 1024)] as const];
    }),
  );
}

function servicePidsOf(parentPid: number): Record<string, number> {
  return Object.fromEntries(serviceProcessesOf(parentPid).map(({ pid, entry }) => [entry, pid]));
}

/**
 * Each service process, named by its entry file (…/src/main.ts), read from /proc (Linux) rather than from `ps`:
 * the stop tests ask every 50 ms while a platform starts, and spawning `ps` from a Jest worker of several hundred
 * MB blocked the worker for tens of milliseconds each time. A process that ends while it is read is left out.
 */
function serviceProcessesOf(parentPid: number): { pid: number; entry: string }[] {
  return fs.readdirSync("/proc").flatMap((name) => {
    if (!/^\d+$/.test(name)) return [];
    try {
      if (statFieldsOf(Number(name))[1] !== String(parentPid)) return [];
      const args = fs.readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
      const entry = args.find((arg) => /\/src\/main\.(?:ts|js)$/.test(arg));
      return entry ? [{ pid: Number(name), entry }] : [];
    } catch {
      return [];
    }
  });
}

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces): state, ppid, … */
function statFieldsOf(pid: number): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** VmRSS of /proc/<pid>/status, in KiB (what ps reports as rss); undefined once the process has ended. */
function residentKibOf(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time (user + system) a process has used so far, in milliseconds, from
 * /proc (Linux). Busy time per request is the bench's load-independent
 * figure: on a shared machine rates drift with the neighbours, CPU per
 * request much less.
 */
export function cpuMillisecondsOf(pid: number): number {
  // utime and stime are the 14th and 15th fields of the line, the 12th and 13th after the command name.
  const fields = statFieldsOf(pid);
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** USER_HZ, 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;
