import "./tracing";
import { runService } from "../../../lib/run-service";
import { subgraphSettingsFromEnv } from "../../shared/settings";
import { startOrdersSubgraph } from "./server";

const settings = subgraphSettingsFromEnv("orders");
runService(settings.logger, () => startOrdersSubgraph(settings));
