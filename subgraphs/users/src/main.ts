import "./tracing";
import { runService } from "../../../lib/run-service";
import { subgraphSettingsFromEnv } from "../../shared/settings";
import { startUsersSubgraph } from "./server";

const settings = subgraphSettingsFromEnv("users");
runService(settings.logger, () => startUsersSubgraph(settings));
