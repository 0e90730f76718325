import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { ENV_VARIABLES } from "../../lib/config";

/**
 * The whole platform as its own process tree (scripts/start-platform.ts, or
 * its compiled form), on free ports and a fresh data directory, with the
 * user's shell environment minus every variable the platform reads.
 */
export const ROOT = path.resolve(__dirname, "../..");

export interface PlatformProcess {
  env: Record<string, string>;
  gatewayUrl: string;
  restUrl: string;
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startPlatformProcess(command: string[], extraEnv: Record<string, string> = {}): Promise<PlatformProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-process-"));
  const env: Record<string, string> = {};
  for (const name of ENV_VARIABLES.filter((name) => name.endsWith("_PORT"))) env[name] = String(await freePort());
  const graphql = (port: string) => `http://127.0.0.1:${port}/graphql`;
  Object.assign(env, {
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    USERS_URL: graphql(env.USERS_PORT),
    PRODUCTS_URL: graphql(env.PRODUCTS_PORT),
    ORDERS_URL: graphql(env.ORDERS_PORT),
    GATEWAY_URL: graphql(env.GATEWAY_PORT),
    ...extraEnv,
  });
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !(ENV_VARIABLES as string[]).includes(name)),
  );
  const child = spawn(process.execPath, command, { cwd: ROOT, env: { ...inherited, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const restUrl = `http://127.0.0.1:${env.REST_GATEWAY_PORT}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealthy(`${restUrl}/health`, child, 150_000);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- platform output ---\n${output}`);
  }
  return { env, gatewayUrl: env.GATEWAY_URL, restUrl, output: () => output, stop };
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
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not become healthy in ${timeoutMs} ms`);
}
