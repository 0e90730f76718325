import { spawnSync } from "node:child_process";
import path from "node:path";

/** The operator tools say what they touch (issue 23). */
describe("npm run events:consume", () => {
  test("without NATS_URL it refuses, naming the variable, instead of consuming from a NATS the platform does not use", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/examples/order-events-consumer.ts"], {
      cwd: path.resolve(__dirname, ".."),
      env: { PATH: process.env.PATH ?? "" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^NATS_URL is not set: set it to the NATS server the orders service publishes to/);
  });
});
