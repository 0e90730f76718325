import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import express from "express";
import { prettyFactory } from "pino-pretty";
import { listen } from "../lib/http-server";
import { createLogger, PRETTY_OPTIONS } from "../lib/logger";
import { requestLog } from "../lib/observability/request-log";
import { TYPESCRIPT_ENTRY_ARGS } from "../lib/processes";

/** The operator tools say what they touch (issue 23). */
describe("npm run events:consume", () => {
  test("without NATS_URL it refuses, naming the variable, instead of consuming from a NATS the platform does not use", () => {
    const run = spawnSync(process.execPath, [...TYPESCRIPT_ENTRY_ARGS, "scripts/examples/order-events-consumer.ts"], {
      cwd: path.resolve(__dirname, ".."),
      env: { PATH: process.env.PATH ?? "" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^NATS_URL is not set: set it to the NATS server the orders service publishes to/);
  });
});

describe("logs on a terminal (pretty mode)", () => {
  test("a request is one short line, not a block of its fields", async () => {
    const lines: string[] = [];
    const collect = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    const app = express();
    app.use(requestLog(createLogger("users-subgraph", "info", false, collect)));
    app.get("/health", (_req, res) => void res.json({ status: "ok" }));
    const server = await listen(app, 0, "127.0.0.1");
    try {
      await fetch(`${server.url}/health?probe=1`);
    } finally {
      await server.close();
    }
    const shown = prettyFactory({ ...PRETTY_OPTIONS, colorize: false })(lines[0]);
    expect(shown.trimEnd().split("\n")).toEqual([
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: users-subgraph: GET \/health 200 \d+ms \{"requestId":"[\w-]+"\}$/),
    ]);
  });
});

describe("TypeScript in a child process (TYPESCRIPT_ENTRY_ARGS, lib/register-typescript.js)", () => {
  test("runs a .ts file from any directory, and its stack traces name the TypeScript lines", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "register-typescript-"));
    try {
      // Types and a multi-line interface ahead of the throw, so that the JavaScript SWC emits has it on another line.
      const entry = path.join(dir, "entry.ts");
      fs.writeFileSync(
        entry,
        [
          "interface Order {",
          "  id: number;",
          "  total: string;",
          "}",
          "const order: Order = { id: 7, total: '1.00' };",
          "function fail(): never {",
          "  throw new Error(`order ${order.id} failed`);",
          "}",
          "try { fail(); } catch (error) { console.log((error as Error).stack); }",
        ].join("\n"),
      );
      const run = spawnSync(process.execPath, [...TYPESCRIPT_ENTRY_ARGS, entry], { cwd: dir, encoding: "utf8", timeout: 60_000 });
      expect(run.stderr).toBe("");
      expect(run.stdout.split("\n").slice(0, 3)).toEqual([
        "Error: order 7 failed",
        `    at fail (${entry}:7:9)`,
        `    at Object.<anonymous> (${entry}:9:7)`,
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
