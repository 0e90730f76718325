import type { NodeSDK } from "@opentelemetry/sdk-node";
import { readEnv, tracingEnabled } from "../config";

/**
 * OpenTelemetry traces for one service: every HTTP request served and sent
 * (node:http, and fetch through undici) with W3C `traceparent` propagation,
 * Express routes, the Apollo Gateway's own spans (plan, fetch per subgraph),
 * and each Prisma query. Started only when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; the SDK then reads the standard
 * OTEL_* variables itself (OTEL_EXPORTER_OTLP_PROTOCOL http/protobuf or
 * http/json, headers, sampler, batch delays). OTEL_SERVICE_NAME defaults to the
 * service's own name.
 *
 * Must run before the modules it instruments are loaded: each service's
 * main.ts imports its tracing.ts first.
 */
let sdk: NodeSDK | undefined;

export function startTracing(serviceName: string, rawEnv = process.env): void {
  const env = readEnv(rawEnv);
  if (!tracingEnabled(env) || sdk) return;
  // Loaded only when tracing is on: a service without a collector does not pay for the SDK.
  const { NodeSDK } = require("@opentelemetry/sdk-node") as typeof import("@opentelemetry/sdk-node");
  const { HttpInstrumentation } =
    require("@opentelemetry/instrumentation-http") as typeof import("@opentelemetry/instrumentation-http");
  const { UndiciInstrumentation } =
    require("@opentelemetry/instrumentation-undici") as typeof import("@opentelemetry/instrumentation-undici");
  const { ExpressInstrumentation, ExpressLayerType } =
    require("@opentelemetry/instrumentation-express") as typeof import("@opentelemetry/instrumentation-express");
  const { PrismaInstrumentation } = require("@prisma/instrumentation") as typeof import("@prisma/instrumentation");
  sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? serviceName,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => req.url === "/metrics" || /^\/health(\/|$)/.test(req.url ?? ""),
      }),
      new UndiciInstrumentation(),
      // Route handlers only: a span per middleware (body parser, CORS, …) would bury the hops.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      new PrismaInstrumentation(),
    ],
  });
  sdk.start();
}

/** Sends the spans still buffered; run-service.ts calls it before the process exits. */
export async function stopTracing(): Promise<void> {
  await sdk?.shutdown();
  sdk = undefined;
}
