import "./tracing";
import { runService } from "../../../lib/run-service";
import { subgraphSettingsFromEnv } from "../../shared/settings";
import { startProductsSubgraph } from "./server";

const settings = subgraphSettingsFromEnv("products");
runService(settings.logger, () => startProductsSubgraph(settings));
