import type { Logger } from "./logger";
import { stopTracing } from "./observability/tracing";

/**
 * Entry-point helper shared by every service's main.ts: start, then stop
 * cleanly on SIGINT/SIGTERM (Ctrl-C, `docker stop`), exiting non-zero when the
 * start fails so that a supervisor notices.
 */
export function runService(logger: Logger, start: () => Promise<{ close(): Promise<void> }>): void {
  start().then(
    (service) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, "stopping");
        // Stop serving, then send the spans still buffered, then exit.
        service.close().then(
          () => stopTracing().finally(() => process.exit(0)),
          (error) => {
            logger.error({ err: error }, "error while stopping");
            process.exit(1);
          },
        );
      };
      process.on("SIGINT", () => stop("SIGINT"));
      process.on("SIGTERM", () => stop("SIGTERM"));
    },
    (error) => {
      logger.fatal({ err: error }, "failed to start");
      process.exit(1);
    },
  );
}
