// Run by `npm install` (postinstall): the empty PGlite cluster every new
// embedded database is copied from (subgraphs/shared/pglite-template.ts), made
// now rather than at the first `npm start`. Without it the first start makes it.
import path from "node:path";
import { CLUSTER_TEMPLATE_DIR, ensureClusterTemplate } from "../subgraphs/shared/pglite-template";

ensureClusterTemplate().then(
  () => console.log(`embedded database template ready in ${path.relative(process.cwd(), CLUSTER_TEMPLATE_DIR)}`),
  (error: unknown) => {
    console.error("could not make the embedded database template (the first start will):", error);
  },
);
