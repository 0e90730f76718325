import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { isRunning } from "../../lib/processes";

/**
 * A new embedded database starts as a copy of one empty cluster, made once.
 *
 * PGlite's first start in an empty directory runs initdb inside WebAssembly:
 * about 4 s alone, 10 s when the three subgraphs do it at once on two cores,
 * and 770 MB of memory each while it runs. Every new cluster is the same, so
 * one is made once (by `npm install`'s postinstall, or by the first start) and
 * copied (38 MB, milliseconds) into each new data directory; the migrations
 * then run on the copy as on any new database.
 *
 * It lives in node_modules/.cache, named by PGlite's version: a PGlite upgrade
 * makes a new one, and deleting node_modules deletes it.
 */
const pgliteEntry = require.resolve("@electric-sql/pglite");
const pglitePackageDir = path.resolve(path.dirname(pgliteEntry), "..");
const pgliteVersion = (JSON.parse(fs.readFileSync(path.join(pglitePackageDir, "package.json"), "utf8")) as { version: string })
  .version;
export const CLUSTER_TEMPLATE_DIR = path.resolve(
  pglitePackageDir,
  "..",
  "..",
  ".cache",
  "federated-shop",
  `pglite-${pgliteVersion}-cluster`,
);

const isCluster = (dir: string) => fs.existsSync(path.join(dir, "PG_VERSION"));

/** A directory built next to its final place and renamed into it, so that no reader ever sees half of it. */
function publish(build: (partialDir: string) => Promise<void> | void, finalDir: string): Promise<void> {
  removeAbandonedPartials(finalDir);
  const partialDir = `${finalDir}${PARTIAL}${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
  return Promise.resolve(build(partialDir))
    .then(() => {
      // An empty directory where the cluster goes (made by hand, or by an older version of this code) is replaced.
      if (fs.existsSync(finalDir) && fs.readdirSync(finalDir).length === 0) fs.rmdirSync(finalDir);
      try {
        fs.renameSync(partialDir, finalDir);
      } catch (error) {
        // Another process published it first: theirs is as good as ours.
        if (!isCluster(finalDir)) throw error;
      }
    })
    .finally(() => fs.rmSync(partialDir, { recursive: true, force: true }));
}

const PARTIAL = ".partial-";

/**
 * Removes what a process that died while building (SIGKILL, a power cut) left
 * beside `finalDir`: partial directories whose process no longer runs. A live
 * process's partial directory is its own business (it removes it itself).
 */
function removeAbandonedPartials(finalDir: string): void {
  const parent = path.dirname(finalDir);
  const prefix = path.basename(finalDir) + PARTIAL;
  if (!fs.existsSync(parent)) return;
  for (const name of fs.readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split("-")[0]);
    if (!isRunning(pid)) fs.rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

/** Makes the template unless it exists. */
export async function ensureClusterTemplate(): Promise<void> {
  if (isCluster(CLUSTER_TEMPLATE_DIR)) return;
  fs.mkdirSync(path.dirname(CLUSTER_TEMPLATE_DIR), { recursive: true });
  await publish(async (partialDir) => {
    const initdb = new PGlite(partialDir);
    try {
      await initdb.waitReady;
    } finally {
      // Closed cleanly, so that a copy starts without recovering anything (and closed however initdb ended).
      await initdb.close().catch(() => undefined);
    }
  }, CLUSTER_TEMPLATE_DIR);
}

/** Gives `dataDir` a new, empty cluster copied from the template, unless it holds one already. */
export async function ensureCluster(dataDir: string): Promise<void> {
  if (isCluster(dataDir)) return;
  await ensureClusterTemplate();
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  await publish((partialDir) => fs.cpSync(CLUSTER_TEMPLATE_DIR, partialDir, { recursive: true }), dataDir);
}

/** A throwaway embedded database, and how to close it (which removes it). */
export interface ScratchDatabase {
  db: PGlite;
  /** Its temporary directory, gone once closed. */
  dir: string;
  close(): Promise<void>;
}

/**
 * An empty embedded database to build a schema in and throw away (the
 * migration checks, tests): a copy of the template in a temporary directory,
 * about 1 s to open against 4 to 6 s for an in-memory PGlite, which runs
 * initdb. Closing it removes the directory.
 */
export async function openScratchDatabase(): Promise<ScratchDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-scratch-"));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const dataDir = path.join(dir, "cluster");
    await ensureCluster(dataDir);
    const db = new PGlite(dataDir);
    await db.waitReady;
    return {
      db,
      dir,
      close: async () => {
        try {
          await db.close();
        } finally {
          remove();
        }
      },
    };
  } catch (error) {
    remove();
    throw error;
  }
}
