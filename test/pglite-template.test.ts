import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { ensureCluster } from "../subgraphs/shared/pglite-template";

/** A new embedded data directory gets a working cluster copied from the template, and crashed builds leave nothing behind. */
describe("the PGlite cluster template", () => {
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
});
