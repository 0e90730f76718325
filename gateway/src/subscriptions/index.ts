import type { ApolloServer } from "@apollo/server";
import type { Express } from "express";
import type { GraphQLSchema } from "graphql";
import {
  readEnv,
  subscriptionLimitsOf,
  type AuthMode,
  type OrderEventsSettings,
  type SubscriptionLimits,
} from "../../../lib/config";
import type { Logger } from "../../../lib/logger";
import type { GatewayContext } from "../context";
import { natsOrderEvents } from "./nats-order-events";
import { OrderEventHub } from "./order-events";
import { OrderSubscriptions, type SubscriptionLayerOptions } from "./order-subscriptions";
import { ordersFeedEvents } from "./orders-feed-events";
import { serveSubscriptions, type SubscriptionServer, type SubscriptionServerOptions } from "./subscription-server";

const DEFAULTS = subscriptionLimitsOf(readEnv({}));

/** The gateway's subscriptions (docs/subscriptions.md), wired from its settings: the one call gateway.ts makes. */
export function startSubscriptions(settings: {
  apollo: ApolloServer<GatewayContext>;
  app: Express;
  authMode: AuthMode;
  subgraphUrls: { orders: string };
  serviceToken: string;
  orderEvents?: OrderEventsSettings;
  subscriptionLimits?: Partial<SubscriptionLimits>;
  limits: SubscriptionLayerOptions["limits"];
  schema(): GraphQLSchema;
  contextOf: SubscriptionServerOptions["contextOf"];
  chargeRequest: SubscriptionServerOptions["chargeRequest"];
  logger: Logger;
}): SubscriptionServer {
  const limits = { ...DEFAULTS, ...settings.subscriptionLimits };
  const source = settings.orderEvents
    ? natsOrderEvents(settings.orderEvents)
    : ordersFeedEvents(settings.subgraphUrls.orders, settings.serviceToken);
  const hub = new OrderEventHub(source, settings.logger);
  const layer = new OrderSubscriptions({
    apollo: settings.apollo,
    hub,
    authMode: settings.authMode,
    schema: settings.schema,
    limits: settings.limits,
    maxPendingEvents: limits.maxPendingEvents,
  });
  const server = serveSubscriptions({
    app: settings.app,
    layer,
    schema: settings.schema,
    contextOf: settings.contextOf,
    chargeRequest: settings.chargeRequest,
    anonymousAllowed: settings.authMode === "open",
    limits,
    logger: settings.logger,
  });
  return {
    ...server,
    close: async () => {
      await server.close();
      await hub.close();
    },
  };
}
