import { authModeOf, readEnv, subgraphUrls } from "../../lib/config";
import { createLogger } from "../../lib/logger";
import { resolveSecrets } from "../../lib/secrets";
import { runService } from "../../lib/run-service";
import { startGateway } from "./gateway";
import { readSupergraph } from "./supergraph";

const env = readEnv();
const logger = createLogger("gateway", env.LOG_LEVEL);
runService(logger, async () => {
  const secrets = resolveSecrets(env, logger);
  return startGateway({
    port: env.GATEWAY_PORT,
    host: env.HOST,
    subgraphUrls: subgraphUrls(env),
    supergraphSdl: readSupergraph(),
    jwtSecret: secrets.jwtSecret,
    serviceToken: secrets.serviceToken,
    authMode: authModeOf(env),
    maxQueryDepth: env.MAX_QUERY_DEPTH,
    logger,
  });
});
