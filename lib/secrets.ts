import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { isProduction, MIN_SECRET_BYTES, type PlatformEnv } from "./config";
import type { Logger } from "./logger";

/**
 * The two shared secrets: the key that signs users' JWTs, and the credential
 * services present to each other. Production takes both from the environment
 * and refuses to start without them (lib/config.ts refuses ones shorter than
 * 32 bytes everywhere). Development generates them once, keeps
 * them beside the embedded data (so tokens survive a restart) and says so.
 */
export interface PlatformSecrets {
  jwtSecret: string;
  serviceToken: string;
}

export function resolveSecrets(env: PlatformEnv, logger: Logger): PlatformSecrets {
  if (env.JWT_SECRET && env.SERVICE_TOKEN) {
    return { jwtSecret: env.JWT_SECRET, serviceToken: env.SERVICE_TOKEN };
  }
  if (isProduction(env)) {
    const missing = [!env.JWT_SECRET && "JWT_SECRET", !env.SERVICE_TOKEN && "SERVICE_TOKEN"].filter(Boolean);
    throw new Error(
      `Production mode (NODE_ENV=production) needs ${missing.join(" and ")} in the environment, ` +
        `each at least ${MIN_SECRET_BYTES} bytes (make one with \`openssl rand -hex 32\`).`,
    );
  }
  const file = path.resolve(env.DATA_DIR, "secrets.json");
  const stored = readOrCreateSecretsFile(file, logger);
  return { jwtSecret: env.JWT_SECRET ?? stored.jwtSecret, serviceToken: env.SERVICE_TOKEN ?? stored.serviceToken };
}

function readOrCreateSecretsFile(file: string, logger: Logger): PlatformSecrets {
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as PlatformSecrets;
  const generated: PlatformSecrets = {
    jwtSecret: crypto.randomBytes(32).toString("hex"),
    serviceToken: crypto.randomBytes(32).toString("hex"),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    // "wx" fails if another service started at the same moment wrote it first.
    fs.writeFileSync(file, JSON.stringify(generated, null, 2), { flag: "wx", mode: 0o600 });
    logger.warn(
      { file },
      "No JWT_SECRET/SERVICE_TOKEN configured: generated development secrets and stored them with the embedded data",
    );
    return generated;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return JSON.parse(fs.readFileSync(file, "utf8")) as PlatformSecrets;
    throw error;
  }
}
