import path from "node:path";
import express, { type Router } from "express";

/**
 * The REST API's reference page at /docs on every shim port: Swagger UI over
 * that port's own /openapi.json. Every asset comes from the installed
 * swagger-ui-dist package (no CDN), and the page has no inline script, so it
 * works offline and under a strict Content-Security-Policy.
 */
export const API_REFERENCE_PATH = "/docs";

const SWAGGER_DIR = path.dirname(require.resolve("swagger-ui-dist/package.json"));
const PAGE_DIR = path.resolve(__dirname, "..", "api-reference");

const ASSETS: Record<string, string> = {
  "swagger-ui.css": path.join(SWAGGER_DIR, "swagger-ui.css"),
  "swagger-ui-bundle.js": path.join(SWAGGER_DIR, "swagger-ui-bundle.js"),
  "favicon-32x32.png": path.join(SWAGGER_DIR, "favicon-32x32.png"),
  "start.js": path.join(PAGE_DIR, "start.js"),
};

export function apiReference(): Router {
  const router = express.Router();
  router.get(API_REFERENCE_PATH, (_req, res) => res.sendFile(path.join(PAGE_DIR, "index.html")));
  router.get(`${API_REFERENCE_PATH}/:file`, (req, res, next) => {
    const file = ASSETS[req.params.file];
    if (!file) return next();
    res.sendFile(file, { maxAge: "1h" });
  });
  return router;
}
