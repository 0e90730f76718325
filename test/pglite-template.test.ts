import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { createLogger } from "../lib/logger";
import { ServiceMetrics } from "../lib/observability/metrics";
import { ensureCluster, openScratchDatabase } from "../subgraphs/shared/pglite-template";
import { openUsersDatabase } from "../subgraphs/users/src/database";
import { TYPESCRIPT_ENTRY_ARGS } from "../lib/processes";

/**
 * A new embedded data directory gets a working cluster copied from the template, crashed builds leave nothing
 * behind, and the embedded server runs with small shared buffers.
 */
describe("embedded PGlite databases", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "shop-template-"));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test("a new data directory holds a cluster PGlite opens and queries", async () => {
    const dataDir = path.join(root, "users");
    await ensureCluster(dataDir);
    const db = new PGlite(dataDir);
    try {
      expect((await db.query<{ answer: number }>("SELECT 1 + 1 AS answer")).rows).toEqual([{ answer: 2 }]);
    } finally {
      await db.close();
    }
    expect(fs.readdirSync(root)).toEqual(["users"]);
  });

  test("a scratch database is a working cluster whose directory goes when it is closed", async () => {
    const scratch = await openScratchDatabase();
    expect(fs.existsSync(path.join(scratch.dir, "cluster", "PG_VERSION"))).toBe(true);
    expect((await scratch.db.query<{ answer: number }>("SELECT 1 + 1 AS answer")).rows).toEqual([{ answer: 2 }]);
    await scratch.close();
    expect(fs.existsSync(scratch.dir)).toBe(false);
  });

  test("closed while statements are under way, it waits for them and closes (it used to spin forever)", () => {
    // In a process of its own: a spinning close blocks its thread, which no timer in this one could interrupt.
    const script = `
      const { openUsersDatabase } = require("./subgraphs/users/src/database");
      const { createLogger } = require("./lib/logger");
      const { ServiceMetrics } = require("./lib/observability/metrics");
      (async () => {
        const db = await openUsersDatabase({ kind: "pglite", dataDir: ${JSON.stringify(path.join(root, "closing"))} },
          createLogger("test", "silent"), new ServiceMetrics("test"));
        const checks = Array.from({ length: 5 }, () => db.isHealthy());
        await new Promise((resolve) => setImmediate(resolve));
        await db.close();
        process.stdout.write(JSON.stringify(await Promise.all(checks)));
      })();`;
    const run = spawnSync(process.execPath, [...TYPESCRIPT_ENTRY_ARGS, "-e", script], {
      cwd: path.resolve(__dirname, ".."),
      encoding: "utf8",
      timeout: 60_000,
    });
    expect({ signal: run.signal, status: run.status, out: run.stdout }).toEqual({
      signal: null,
      status: 0,
      out: "[true,true,true,true,true]",
    });
  });

  test("a partial copy left by a process that died is removed; a running process's is left alone", async () => {
    // The pid of a process that has exited.
    const deadPid = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
    const abandoned = path.join(root, `orders.partial-${deadPid}-0badc0de`);
    const inProgress = path.join(root, `orders.partial-${process.pid}-5eed5eed`);
    for (const dir of [abandoned, inProgress]) fs.mkdirSync(dir);

    await ensureCluster(path.join(root, "orders"));

    expect(fs.existsSync(path.join(root, "orders", "PG_VERSION"))).toBe(true);
    expect(fs.existsSync(abandoned)).toBe(false);
    expect(fs.existsSync(inProgress)).toBe(true);
  });

  test("a subgraph's embedded database runs with 16 MB of shared buffers (PostgreSQL's 128 MB cost 140 MiB resident each)", async () => {
    const metrics = new ServiceMetrics("users-subgraph");
    const database = await openUsersDatabase(
      { kind: "pglite", dataDir: path.join(root, "users-settings") },
      createLogger("test", "silent"),
      metrics,
    );
    try {
      expect(await database.prisma.$queryRawUnsafe("SHOW shared_buffers")).toEqual([{ shared_buffers: "16MB" }]);
    } finally {
      await database.close();
      metrics.close();
    }
  });
});
