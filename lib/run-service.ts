import type { Logger } from "./logger";
import { stopTracing } from "./observability/tracing";

/** How long a stop may take (closing servers, databases, sending spans) before the process exits anyway. */
const STOP_DEADLINE_MS = 10_000;

/**
 * Entry-point helper shared by every service's main.ts: start, then stop
 * cleanly on SIGINT/SIGTERM (Ctrl-C, `docker stop`), exiting non-zero when the
 * start fails so that a supervisor notices.
 *
 * A stop asked for during start-up is not lost: the service stops as soon as
 * its start settles. A second signal exits at once, so that no signal is ever
 * ignored. Started by a supervisor with an IPC channel (`npm start`), the
 * service also stops when that channel closes: its parent is gone, however it
 * died (SIGKILL included), and a service nobody supervises must not live on.
 */
export function runService(logger: Logger, start: () => Promise<{ close(): Promise<void> }>): void {
  let stopRequested: string | undefined;
  let stopNow: ((reason: string) => void) | undefined;
  const requestStop = (reason: string) => {
    if (stopRequested !== undefined) {
      logger.warn({ reason }, "stopping again: exiting now");
      process.exit(1);
    }
    stopRequested = reason;
    logger.info({ reason }, "stopping");
    // Whatever the stop waits for, the process ends (a timer cannot help a thread that never yields: the supervisor's SIGKILL does).
    setTimeout(() => {
      logger.error({ reason, deadlineMs: STOP_DEADLINE_MS }, "the stop took too long; exiting");
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    stopNow?.(reason);
  };
  process.on("SIGINT", () => requestStop("SIGINT"));
  process.on("SIGTERM", () => requestStop("SIGTERM"));
  if (process.channel) {
    // The channel must not keep the process alive by itself; its closing is the parent's death or its stop.
    process.channel.unref();
    process.on("disconnect", () => requestStop("the supervising process is gone"));
  }

  start().then(
    (service) => {
      // Stop serving, then send the spans still buffered, then exit.
      stopNow = () =>
        void service.close().then(
          () => stopTracing().finally(() => process.exit(0)),
          (error) => {
            logger.error({ err: error }, "error while stopping");
            process.exit(1);
          },
        );
      if (stopRequested !== undefined) stopNow(stopRequested);
    },
    (error) => {
      if (stopRequested !== undefined) {
        logger.info({ err: error }, "stopped during start-up");
        process.exit(0);
      }
      logger.fatal({ err: error }, "failed to start");
      process.exit(1);
    },
  );
}
