import fs from "node:fs";
import type { SupergraphSdlHook } from "@apollo/gateway";
import type { Logger } from "../../lib/logger";
import type { ServiceMetrics } from "../../lib/observability/metrics";

export interface SupergraphSourceSettings {
  /** The supergraph file, watched (by polling its status, which survives editors' and ConfigMaps' renames). */
  file: string;
  /** Polled too when set (SUPERGRAPH_URL), first right after start-up (which serves the file meanwhile). */
  url?: string;
  /** SUPERGRAPH_POLL_INTERVAL_MS. */
  pollIntervalMs: number;
}

/**
 * Schema delivery without restarts (docs/operations.md, "Schema delivery"): Apollo Gateway's `supergraphSdl` hook,
 * fed from the supergraph file and SUPERGRAPH_URL. A new supergraph replaces the served one between requests (those
 * in flight finish on the one they started with); one that does not load is logged and counted
 * (`shop_supergraph_updates_total{outcome="refused"}`), and the one already served goes on.
 */
export function supergraphSource(
  initialSdl: string,
  settings: SupergraphSourceSettings,
  logger: Logger,
  metrics: ServiceMetrics,
): SupergraphSdlHook {
  const updates = metrics.counter("shop_supergraph_updates_total", "New supergraphs seen, by whether they loaded", ["outcome"]);
  return async ({ update }) => {
    let served = initialSdl;
    // The last one refused, so that a URL still serving it is not refused (logged, counted) at every poll.
    let refused: string | undefined;
    const offer = (sdl: string, from: string) => {
      if (sdl === served || sdl === refused) return;
      try {
        update(sdl);
        served = sdl;
        updates.inc({ outcome: "loaded" });
        logger.info({ from }, "new supergraph loaded");
      } catch (error) {
        refused = sdl;
        updates.inc({ outcome: "refused" });
        logger.error({ err: error, from }, "new supergraph refused; the previous one keeps serving");
      }
    };
    const readFile = () =>
      fs.promises.readFile(settings.file, "utf8").then(
        (sdl) => offer(sdl, settings.file),
        (error: unknown) =>
          logger.warn({ err: error, file: settings.file }, "supergraph file unreadable; the previous one keeps serving"),
      );
    const fetchUrl = async (url: string) => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(settings.pollIntervalMs) });
        if (!response.ok) throw new Error(`status ${response.status}`);
        return await response.text();
      } catch (error) {
        logger.warn({ err: error, url }, "SUPERGRAPH_URL did not answer; the previous supergraph keeps serving");
        return undefined;
      }
    };

    const onFileChange = () => void readFile();
    // Not persistent, and the poll unref'd: the gateway's listening socket is what keeps its process up, not these.
    fs.watchFile(settings.file, { interval: settings.pollIntervalMs, persistent: false }, onFileChange);
    const url = settings.url;
    const pollUrl = () => url && void fetchUrl(url).then((sdl) => sdl !== undefined && offer(sdl, url));
    // The first look once the gateway has loaded the file's (update() is refused before that).
    const first = setImmediate(pollUrl);
    const poll = url ? setInterval(pollUrl, settings.pollIntervalMs).unref() : undefined;
    return {
      supergraphSdl: initialSdl,
      cleanup: async () => {
        fs.unwatchFile(settings.file, onFileChange);
        clearImmediate(first);
        clearInterval(poll);
      },
    };
  };
}
