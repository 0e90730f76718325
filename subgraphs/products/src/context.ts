import type { RequestIdentity } from "../../../lib/request-identity";
import type { ProductService } from "./product.service";
import type { StockService } from "./stock.service";

export interface ProductsContext extends RequestIdentity {
  products: ProductService;
  stock: StockService;
}
