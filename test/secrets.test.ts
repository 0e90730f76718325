import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { readEnv } from "../lib/config";
import { createLogger } from "../lib/logger";
import { resolveSecrets } from "../lib/secrets";

const logger = createLogger("test", "silent");

describe("secrets", () => {
  test("production refuses to start without secrets", () => {
    expect(() => resolveSecrets(readEnv({ NODE_ENV: "production" }), logger)).toThrow(/JWT_SECRET and SERVICE_TOKEN/);
    const given = { JWT_SECRET: "a".repeat(32), SERVICE_TOKEN: "b".repeat(32) };
    expect(resolveSecrets(readEnv({ NODE_ENV: "production", ...given }), logger)).toEqual({
      jwtSecret: given.JWT_SECRET,
      serviceToken: given.SERVICE_TOKEN,
    });
  });

  test("development generates secrets once, keeps them with the data and reuses them", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secrets-"));
    const first = resolveSecrets(readEnv({ DATA_DIR: dir }), logger);
    expect(first.jwtSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(resolveSecrets(readEnv({ DATA_DIR: dir }), logger)).toEqual(first);
    expect((fs.statSync(path.join(dir, "secrets.json")).mode & 0o777).toString(8)).toBe("600");
    fs.rmSync(dir, { recursive: true });
  });
});
