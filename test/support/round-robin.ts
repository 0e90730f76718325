import http from "node:http";
import { listen, type RunningServer } from "../../lib/http-server";

/**
 * A load balancer for tests: each request goes to the next of `targets`
 * (base URLs) in turn, so every replica behind it gets traffic. Counts what
 * each target received, for tests to check that they all did.
 */
export interface RoundRobin extends RunningServer {
  /** Requests forwarded to each target, in the order of `targets`. */
  forwarded: number[];
}

export async function startRoundRobin(targets: string[]): Promise<RoundRobin> {
  const forwarded = targets.map(() => 0);
  let next = 0;
  const server = await listen(
    (req, res) => {
      const index = next++ % targets.length;
      forwarded[index] += 1;
      const upstream = http.request(
        new URL(req.url ?? "/", targets[index]),
        { method: req.method, headers: { ...req.headers, host: new URL(targets[index]).host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => {
        if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [{ message: "replica unreachable" }] }));
      });
      req.pipe(upstream);
    },
    0,
    "127.0.0.1",
  );
  return { ...server, forwarded };
}
