import pino, { type Logger } from "pino";

export type { Logger };

/** One JSON line per event; each service names itself so mixed output stays readable. */
export function createLogger(service: string, level: string = "info"): Logger {
  return pino({ name: service, level, base: { service } });
}
