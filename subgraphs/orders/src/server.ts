import fs from "node:fs";
import { gql } from "graphql-tag";
import { orderEventsSettingsOf, type OrderEventsSettings, type PlatformEnv } from "../../../lib/config";
import type { RunningServer } from "../../../lib/http-server";
import { observeBreakers } from "../../../lib/circuit-breaker";
import { ServiceMetrics } from "../../../lib/observability/metrics";
import { createServiceClient } from "../../../lib/service-client";
import { startSubgraph } from "../../shared/subgraph-server";
import { schemaFileOf, type SubgraphSettings } from "../../shared/settings";
import type { OrdersContext } from "./context";
import { openOrdersDatabase, type OrdersDatabase } from "./database";
import { startOrderEventRelay, type OrderEventRelay } from "./events/order-event-relay";
import { OrderFeed } from "./events/order-feed";
import { OrderPlacements } from "./placement/order-placement";
import { recoverOnce, scheduleRecovery, type RecoveryDeps, type RecoveryReport } from "./placement/order-recovery";
import { orderCounters } from "./order-metrics";
import { OrderService } from "./order.service";
import { ProductsClient } from "./products.client";
import { resolvers } from "./resolvers";
import { UsersClient } from "./users.client";

export const ordersTypeDefs = gql(fs.readFileSync(schemaFileOf("orders"), "utf8"));

export interface OrdersOptions {
  /** How often the recovery worker runs (it also runs at start); "off" leaves it to `recover()` (tests). */
  recoveryIntervalSeconds: number | "off";
  idempotencyRetentionHours: number;
  /** ORDERS_LOCK_TIMEOUT_MS. */
  lockTimeoutMs: number;
  /** Where order events are published (docs/events.md); undefined: they stay in the outbox. */
  events?: OrderEventsSettings;
  /** ORDERS_REQUIRE_VERIFIED_EMAIL: only accounts with a verified email may order (false when not given). */
  requireVerifiedEmail?: boolean;
  /** ACCOUNT_CACHE_TTL_SECONDS: how long a buyer seen fit to order is remembered (users.client.ts); 0 asks every time. */
  buyerKeepSeconds: number;
}

/** The orders options the environment sets (main.ts; the tests' platforms override the schedule). */
export function ordersOptionsOf(env: PlatformEnv): OrdersOptions {
  return {
    recoveryIntervalSeconds: env.ORDERS_RECOVERY_INTERVAL_SECONDS,
    idempotencyRetentionHours: env.ORDERS_IDEMPOTENCY_RETENTION_HOURS,
    lockTimeoutMs: env.ORDERS_LOCK_TIMEOUT_MS,
    events: orderEventsSettingsOf(env),
    requireVerifiedEmail: env.ORDERS_REQUIRE_VERIFIED_EMAIL,
    buyerKeepSeconds: env.ACCOUNT_CACHE_TTL_SECONDS,
  };
}

export interface OrdersSubgraph extends RunningServer {
  database: OrdersDatabase;
  /** Runs the recovery worker once now (it also runs on its schedule). */
  recover(): Promise<RecoveryReport>;
  /** The order events relay, when NATS_URL is set. */
  eventRelay: OrderEventRelay | null;
}

export async function startOrdersSubgraph(settings: SubgraphSettings, options: OrdersOptions): Promise<OrdersSubgraph> {
  const metrics = new ServiceMetrics("orders-subgraph", settings.metrics);
  const database = await openOrdersDatabase(settings.database, settings.logger, metrics);
  const counters = orderCounters(metrics);
  const { serviceToken } = settings.secrets;
  const { serviceCallTimeoutMs: timeoutMs, circuitBreaker } = settings;
  const productsService = createServiceClient(
    settings.subgraphUrls.products,
    serviceToken,
    "products",
    timeoutMs,
    circuitBreaker,
  );
  const usersService = createServiceClient(settings.subgraphUrls.users, serviceToken, "users", timeoutMs, circuitBreaker);
  observeBreakers(metrics, { products: productsService.breaker!, users: usersService.breaker! });
  const products = new ProductsClient(productsService);
  const users = new UsersClient(usersService, options.buyerKeepSeconds);
  const { logger } = settings;
  const eventRelay = options.events
    ? startOrderEventRelay({
        prisma: database.prisma,
        database: settings.database,
        settings: options.events,
        logger,
        metrics,
      })
    : null;
  // The gateway's subscriptions read this feed when there is no NATS (order-feed.ts).
  const orderFeed = options.events ? null : new OrderFeed(database.prisma, logger);
  const eventsRecorded = () => {
    eventRelay?.wake();
    orderFeed?.wake();
  };
  const placements = new OrderPlacements({ prisma: database.prisma, products, logger, counters, eventsRecorded });
  const recovery: RecoveryDeps = {
    prisma: database.prisma,
    products,
    placements,
    logger,
    counters,
    idempotencyRetentionHours: options.idempotencyRetentionHours,
  };
  let stopRecovery = async () => {};
  const server = await startSubgraph<OrdersContext>({
    name: "orders",
    typeDefs: ordersTypeDefs,
    resolvers,
    ...settings,
    metrics,
    createContext: (identity) => ({
      ...identity,
      orders: new OrderService({
        prisma: database.prisma,
        products,
        users,
        requireVerifiedEmail: options.requireVerifiedEmail,
        placements,
        logger,
        counters,
        eventsRecorded,
        lockTimeoutMs: options.lockTimeoutMs,
      }),
    }),
    isHealthy: database.isHealthy,
    internalRoutes: orderFeed?.routes(),
    onStop: async () => {
      await stopRecovery();
      await orderFeed?.stop();
      await eventRelay?.stop();
      await database.close();
    },
  });
  if (options.recoveryIntervalSeconds !== "off") stopRecovery = scheduleRecovery(recovery, options.recoveryIntervalSeconds);
  return { ...server, database, recover: () => recoverOnce(recovery), eventRelay };
}
