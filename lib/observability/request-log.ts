import crypto from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import { stdSerializers } from "pino";
import { pinoHttp } from "pino-http";
import type { Logger } from "../logger";
import { REQUEST_ID_HEADER, runWithRequestId } from "./request-context";

/**
 * One structured line per request (pino-http): method, path, status, duration,
 * and the request id, which is the caller's X-Request-Id when it sent a sane
 * one and a new UUID otherwise. The id is returned in the response's
 * X-Request-Id and stays current for the whole request (request-context.ts),
 * so every log line and every call to another service carries it.
 */
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestLog(logger: Logger): RequestHandler {
  const log = pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers[REQUEST_ID_HEADER];
      const id = typeof given === "string" && SANE_ID.test(given) ? given : crypto.randomUUID();
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    customAttributeKeys: { reqId: "requestId" },
    // Only what helps to follow a request: never headers (they carry tokens) nor query strings.
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, path: req.url.split("?")[0] }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      // pino-http makes up an Error for every 5xx answer; the status already says it, so only real errors are kept.
      err: (err: Error) => (/^failed with status code \d+$/.test(err.message) ? undefined : stdSerializers.err(err)),
    },
    customLogLevel: (_req, res, error) => (error ? "error" : res.statusCode >= 500 ? "warn" : "info"),
    customSuccessMessage: (req, res, responseTime) =>
      `${req.method} ${req.url?.split("?")[0]} ${res.statusCode} ${Math.round(responseTime)}ms`,
    customErrorMessage: (req, res) => `${req.method} ${req.url?.split("?")[0]} ${res.statusCode} failed`,
    // The logger's mixin adds the current request id to every line; pino-http's child logger need not repeat it.
    quietReqLogger: true,
  });
  return (req, res, next) => {
    log(req, res);
    runWithRequestId(String(req.id), next);
  };
}
