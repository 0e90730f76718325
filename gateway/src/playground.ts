import path from "node:path";
import express, { type Router } from "express";
import { readmeExampleTabs } from "./playground-examples";

/**
 * The GraphQL playground: GraphiQL, served entirely by the gateway (no CDN), so
 * that it works on a machine without internet. Browsers opening /graphql get
 * the page; its scripts and styles come from the installed npm packages
 * (graphiql's UMD build on React 18's UMD builds) under /graphql/playground/.
 * Everything stays under /graphql so that a proxy in front (docker/nginx)
 * needs no extra route. The page has no inline script, so it works under a
 * strict Content-Security-Policy (script-src 'self').
 */
export const PLAYGROUND_ASSETS_PATH = "/graphql/playground";

const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));
const PAGE_DIR = path.resolve(__dirname, "..", "playground");

/** Each served file, by the name the page asks for: no directory of node_modules is exposed whole. */
const ASSETS: Record<string, string> = {
  "react.js": path.join(packageDir("react"), "umd/react.production.min.js"),
  "react-dom.js": path.join(packageDir("react-dom"), "umd/react-dom.production.min.js"),
  "graphiql.js": path.join(packageDir("graphiql"), "graphiql.min.js"),
  "graphiql.css": path.join(packageDir("graphiql"), "graphiql.min.css"),
  "start.js": path.join(PAGE_DIR, "start.js"),
  "playground.css": path.join(PAGE_DIR, "playground.css"),
};

export function playground(): Router {
  const tabs = readmeExampleTabs();
  const router = express.Router();
  // Browsers navigating to /graphql ask for HTML; GraphQL clients never do.
  router.get("/graphql", (req, res, next) => {
    const wantsPage = req.accepts(["application/json", "text/html"]) === "text/html" && req.query.query === undefined;
    if (!wantsPage) return next(); // GET /graphql?query=… is a GraphQL request
    res.sendFile(path.join(PAGE_DIR, "index.html"));
  });
  router.get(`${PLAYGROUND_ASSETS_PATH}/config.json`, (_req, res) => {
    res.json({ endpoint: "/graphql", tabs });
  });
  router.get(`${PLAYGROUND_ASSETS_PATH}/:file`, (req, res, next) => {
    const file = ASSETS[req.params.file];
    if (!file) return next();
    res.sendFile(file, { maxAge: "1h" });
  });
  return router;
}
