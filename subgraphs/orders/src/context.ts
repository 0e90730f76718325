import type { RequestIdentity } from "../../shared/request-identity";
import type { OrderService } from "./order.service";

export interface OrdersContext extends RequestIdentity {
  orders: OrderService;
}
