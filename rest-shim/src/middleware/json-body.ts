import express, { type RequestHandler } from "express";
import { RestError } from "../rest-error";

/**
 * Request bodies are JSON or nothing: another content type is 415, a body over
 * `limitBytes` is 413, malformed JSON is 400 (the last two via the error handler).
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  return [
    (req, _res, next) => {
      // null: no body at all; false: a body of another type.
      if (req.is("application/json") === false) throw new RestError(415, "Content-Type must be application/json");
      next();
    },
    express.json({ limit: limitBytes }),
  ];
}
