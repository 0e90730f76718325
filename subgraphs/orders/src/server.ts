import fs from "node:fs";
import { gql } from "graphql-tag";
import type { RunningServer } from "../../../lib/http-server";
import { ServiceMetrics } from "../../../lib/observability/metrics";
import { createServiceClient } from "../../shared/service-client";
import { startSubgraph } from "../../shared/subgraph-server";
import { schemaFileOf, type SubgraphSettings } from "../../shared/settings";
import type { OrdersContext } from "./context";
import { openOrdersDatabase, type OrdersDatabase } from "./database";
import { orderCounters } from "./order-metrics";
import { OrderService } from "./order.service";
import { ProductsClient } from "./products.client";
import { resolvers } from "./resolvers";
import { UsersClient } from "./users.client";
import {
  DEFAULT_SWEEP,
  scheduleReservationSweep,
  settleOpenReservations,
  type SweepResult,
  type SweepSchedule,
} from "./reservation-sweep";

export const ordersTypeDefs = gql(fs.readFileSync(schemaFileOf("orders"), "utf8"));

export interface OrdersSubgraph extends RunningServer {
  database: OrdersDatabase;
  /** Runs the reservation sweep now (it also runs on its schedule). */
  settleOpenReservations(olderThanSeconds: number): Promise<SweepResult>;
}

export async function startOrdersSubgraph(
  settings: SubgraphSettings,
  sweep: SweepSchedule | "off" = DEFAULT_SWEEP,
): Promise<OrdersSubgraph> {
  const metrics = new ServiceMetrics("orders-subgraph");
  const database = await openOrdersDatabase(settings.database, settings.logger, metrics);
  const counters = orderCounters(metrics);
  const { serviceToken } = settings.secrets;
  const products = new ProductsClient(createServiceClient(settings.subgraphUrls.products, serviceToken, "products"));
  const users = new UsersClient(createServiceClient(settings.subgraphUrls.users, serviceToken, "users"));
  const server = await startSubgraph<OrdersContext>({
    name: "orders",
    typeDefs: ordersTypeDefs,
    resolvers,
    ...settings,
    metrics,
    createContext: (identity) => ({
      ...identity,
      orders: new OrderService({ prisma: database.prisma, products, users, logger: settings.logger, counters }),
    }),
    isHealthy: database.isHealthy,
    onStop: async () => {
      stopSweep();
      await database.close();
    },
  });
  const stopSweep =
    sweep === "off"
      ? () => {}
      : scheduleReservationSweep({ prisma: database.prisma, products, counters, logger: settings.logger }, sweep);
  return {
    ...server,
    database,
    settleOpenReservations: (olderThanSeconds) =>
      settleOpenReservations({ prisma: database.prisma, products, counters }, olderThanSeconds),
  };
}
