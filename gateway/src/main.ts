import "./tracing";
import { runService } from "../../lib/run-service";
import { gatewaySettingsFromEnv, startGatewayProcess } from "./settings";

const settings = gatewaySettingsFromEnv();
runService(settings.gateway.logger, () => startGatewayProcess(settings));
