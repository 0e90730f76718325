import type { Counter } from "prom-client";
import type { ServiceMetrics } from "../../../lib/observability/metrics";

/** What a shop watches about its orders, counted where it happens (order-placement.ts, order.service.ts, order-recovery.ts). */
export interface OrderCounters {
  placed: Counter;
  refusedForStock: Counter;
  cancelled: Counter;
  /** Stock given back by the recovery worker ("recovery"): cancelled orders' whose release was pending, and reservations no order holds. */
  reservationsReleased: Counter<"by">;
  /** Standing orders found with their reservation released at products (counted each time recovery meets one). */
  reservationsLost: Counter;
}

export function orderCounters(metrics: ServiceMetrics): OrderCounters {
  return {
    placed: metrics.counter("shop_orders_placed_total", "Orders placed"),
    refusedForStock: metrics.counter("shop_orders_refused_out_of_stock_total", "Orders refused because the stock was short"),
    cancelled: metrics.counter("shop_orders_cancelled_total", "Orders cancelled"),
    reservationsReleased: metrics.counter(
      "shop_stock_reservations_released_total",
      "Stock reservations given back by the orders service, by what released them",
      ["by"],
    ),
    reservationsLost: metrics.counter(
      "shop_orders_reservation_lost_total",
      "Times recovery found a standing order whose stock reservation products has released (its units on sale again): alert on any",
    ),
  };
}
