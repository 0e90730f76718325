import pino, { type Logger } from "pino";
import type pretty from "pino-pretty";
import { currentRequestId } from "./observability/request-context";

export type { Logger };

/**
 * One JSON line per event, each naming its service and, inside a request, the
 * request id (so one grep finds a request on every service). On an interactive
 * terminal (`npm start` in a shell) the lines are printed coloured and readable
 * instead; piped or in a container they stay JSON.
 */
export function createLogger(
  service: string,
  level: string = "info",
  interactive = process.stdout.isTTY === true,
  /** Where the JSON lines go instead of stdout (tests read them). */
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    name: service,
    level,
    base: { service },
    mixin: (fields) => {
      const requestId = currentRequestId();
      return requestId && !("requestId" in fields) ? { requestId } : {};
    },
  };
  if (destination) return pino(options, destination);
  // Written asynchronously: lines logged while a write is under way go out together in the next one, instead of one
  // write system call per line (a request's log line cost the REST shim 6% of its CPU). pino writes what is left
  // synchronously when the process exits, process.exit after a fatal error included.
  if (!interactive) return pino(options, sharedStdout());
  // Loaded only for a terminal: services in containers, under a supervisor or in tests do not pay for it.
  const prettyStream = require("pino-pretty") as typeof pretty;
  return pino(options, prettyStream({ ...PRETTY_OPTIONS, colorize: true, sync: true }));
}

/**
 * How a terminal shows the lines: one short line each, so that a request (whose message already says method, path,
 * status and time) does not scroll `npm start`'s banner away with a block of its fields; what else a line carries
 * (a request id, an error) follows on the same line.
 */
export const PRETTY_OPTIONS = {
  translateTime: "HH:MM:ss.l",
  ignore: "pid,hostname,name,service,req,res,responseTime",
  messageFormat: "{service}: {msg}",
  singleLine: true,
};

/** One asynchronous stdout per process, shared by its loggers (the gateway's process logs as "gateway" and "rest-shim"). */
let stdout: pino.DestinationStream | undefined;
const sharedStdout = () => (stdout ??= pino.destination({ dest: 1, sync: false }));
