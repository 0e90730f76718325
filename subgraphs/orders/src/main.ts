import "./tracing";
import { orderEventsSettingsOf, readEnv } from "../../../lib/config";
import { runService } from "../../../lib/run-service";
import { subgraphSettingsFromEnv } from "../../shared/settings";
import { startOrdersSubgraph } from "./server";

const settings = subgraphSettingsFromEnv("orders");
const env = readEnv();
runService(settings.logger, () =>
  startOrdersSubgraph(settings, {
    recoveryIntervalSeconds: env.ORDERS_RECOVERY_INTERVAL_SECONDS,
    idempotencyRetentionHours: env.ORDERS_IDEMPOTENCY_RETENTION_HOURS,
    lockTimeoutMs: env.ORDERS_LOCK_TIMEOUT_MS,
    events: orderEventsSettingsOf(env),
    requireVerifiedEmail: env.ORDERS_REQUIRE_VERIFIED_EMAIL,
  }),
);
