import type { RequestIdentity } from "../../../lib/request-identity";
import type { OrderService } from "./order.service";

export interface OrdersContext extends RequestIdentity {
  orders: OrderService;
}
