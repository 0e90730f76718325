import "./tracing";
import { introspectionAllowed, playgroundEnabled, readEnv, subgraphUrls } from "../../lib/config";
import { createLogger } from "../../lib/logger";
import { resolveSecrets } from "../../lib/secrets";
import { runService } from "../../lib/run-service";
import { startGateway } from "./gateway";
import { readSupergraph } from "./supergraph";

const env = readEnv();
const logger = createLogger("gateway", env.LOG_LEVEL);
runService(logger, () =>
  startGateway({
    port: env.GATEWAY_PORT,
    host: env.HOST,
    subgraphUrls: subgraphUrls(env),
    supergraphSdl: readSupergraph(),
    jwtSecret: resolveSecrets(env, logger).jwtSecret,
    maxQueryDepth: env.MAX_QUERY_DEPTH,
    playground: playgroundEnabled(env),
    introspection: introspectionAllowed(env),
    logger,
  }),
);
