import "./tracing";
import { readEnv } from "../../../lib/config";
import { runService } from "../../../lib/run-service";
import { subgraphSettingsFromEnv } from "../../shared/settings";
import { ordersOptionsOf, startOrdersSubgraph } from "./server";

const settings = subgraphSettingsFromEnv("orders");
runService(settings.logger, () => startOrdersSubgraph(settings, ordersOptionsOf(readEnv())));
