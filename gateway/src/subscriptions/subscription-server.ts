import type http from "node:http";
import type { Express, Request, RequestHandler } from "express";
import { GraphQLError, parse, type ExecutionResult, type GraphQLSchema } from "graphql";
import { createHandler as createSseHandler, type Response as SseResponse } from "graphql-sse";
import { STATUS_CODES } from "node:http";
import { CloseCode } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer, type WebSocket } from "ws";
import type { SubscriptionLimits } from "../../../lib/config";
import { ErrorCode } from "../../../lib/errors";
import type { Logger } from "../../../lib/logger";
import type { GatewayContext } from "../context";
import type { OperationRequest, OrderSubscriptions, PreparedSubscription, SingleOperation } from "./order-subscriptions";
import { SubscriptionSlots } from "./subscription-slots";

/**
 * The two transports of the gateway's subscriptions, on its own port and path
 * (/graphql): graphql-ws over WebSocket, and GraphQL over SSE (graphql-sse,
 * its "distinct connections" mode: one POST with `Accept: text/event-stream`
 * per operation). Both authenticate as /graphql does (the token in
 * `connection_init`'s `Authorization`, or the SSE request's header), hold
 * the subscriber's token to check it again at each event, and share the
 * limits of ./subscription-slots.ts.
 */

export interface SubscriptionServerOptions {
  /** The gateway's Express app: its `trust proxy` decides a WebSocket client's address, as req.ip does. */
  app: Express;
  layer: OrderSubscriptions;
  schema(): GraphQLSchema;
  /** Who the caller is, from its Authorization header; throws /graphql's UNAUTHENTICATED or SERVICE_UNAVAILABLE error. */
  contextOf(authorization: string | undefined, clientAddress: string | undefined): Promise<GatewayContext>;
  /** Counts a query or mutation sent over WebSocket or SSE against its client's requests a minute; the error when over. */
  chargeRequest(clientAddress: string | undefined): Promise<GraphQLError | null>;
  /** Whether an anonymous caller may subscribe (AUTH_MODE=open); in enforced mode every order read needs a token. */
  anonymousAllowed: boolean;
  limits: SubscriptionLimits;
  logger: Logger;
}

/** Everything an operation needs at run time; graphql-ws and graphql-sse carry it as the operation's contextValue. */
interface OperationState extends Record<PropertyKey, unknown> {
  prepared: PreparedSubscription | SingleOperation;
  context: GatewayContext;
  contextAgain(): Promise<GatewayContext>;
}

interface Connection {
  authorization?: string;
  clientAddress?: string;
  context: GatewayContext;
  /** Each subscription's release of its slot, by the client's operation id. */
  subscriptions: Map<string, () => void>;
  idle?: NodeJS.Timeout;
}

export interface SubscriptionServer {
  /** The SSE side, mounted on /graphql before Apollo: it answers requests that accept `text/event-stream` only. */
  sse: RequestHandler;
  /** The WebSocket side: give it the HTTP server whose upgrades of /graphql it takes. */
  attach(httpServer: http.Server): void;
  close(): Promise<void>;
}

export function serveSubscriptions(options: SubscriptionServerOptions): SubscriptionServer {
  const { layer, limits } = options;
  const slots = new SubscriptionSlots(limits);

  /**
   * The checks shared by both transports; a list of errors is the answer to a refused operation. A subscription takes
   * a slot (./subscription-slots.ts), synchronously, so that operations arriving together are counted one by one.
   * A query or mutation sent this way takes none: it counts against the client's requests a minute (`charged`), as
   * on /graphql.
   */
  const admit = (
    request: OperationRequest,
    context: GatewayContext,
    heldOnConnection: number,
  ): { errors: readonly GraphQLError[] } | { errors?: undefined; prepared: OperationState["prepared"]; release(): void } => {
    const prepared = layer.prepare(request);
    if (Array.isArray(prepared)) return { errors: prepared as readonly GraphQLError[] };
    const operation = prepared as PreparedSubscription | SingleOperation;
    if (operation.kind === "single") return { prepared: operation, release: () => undefined };
    if (context.principal.kind === "anonymous" && !options.anonymousAllowed) {
      return { errors: [coded("Sign in to subscribe: send your token as Authorization", ErrorCode.UNAUTHENTICATED)] };
    }
    const slot = slots.take(context.clientAddress ?? "unknown", heldOnConnection);
    if (slot instanceof GraphQLError) return { errors: [slot] };
    return { prepared: operation, release: slot };
  };
  /** The operation's arguments, once a query or mutation is within its client's rate limit; else its refusal. */
  const charged = async <Args>(state: OperationState, args: Args): Promise<Args | readonly GraphQLError[]> => {
    if (state.prepared.kind !== "single") return args;
    const refusal = await options.chargeRequest(state.context.clientAddress);
    return refusal ? [refusal] : args;
  };

  const run = ({
    prepared,
    context,
    contextAgain,
  }: OperationState): Promise<ExecutionResult> | AsyncIterableIterator<ExecutionResult> =>
    prepared.kind === "single" ? layer.runOnce(prepared.request, context) : layer.follow(prepared, context, contextAgain);

  // WebSocket: graphql-ws on the HTTP server's upgrade of /graphql.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1_000_000 });
  const connections = new WeakMap<WebSocket, Connection>();
  const upgrade = (request: http.IncomingMessage, socket: import("node:stream").Duplex, head: Buffer) => {
    if (new URL(request.url ?? "/", "http://gateway").pathname !== "/graphql") return void socket.destroy();
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit("connection", ws, request));
  };
  const idleAfter = (socket: WebSocket, connection: Connection) => {
    clearTimeout(connection.idle);
    if (connection.subscriptions.size > 0) return;
    // Normal closure: graphql-ws's client opens a new connection by itself at its next subscribe.
    connection.idle = setTimeout(() => socket.close(1000, "Idle: no subscription"), limits.idleTimeoutMs);
  };
  const websockets = useServer<Record<string, unknown> | undefined>(
    {
      schema: () => options.schema(),
      connectionInitWaitTimeout: limits.idleTimeoutMs,
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        const params = ctx.connectionParams ?? {};
        const header = params.Authorization ?? params.authorization;
        const authorization = typeof header === "string" ? header : undefined;
        const clientAddress = expressAddressOf(options.app, request);
        try {
          const context = await options.contextOf(authorization, clientAddress);
          const connection: Connection = { authorization, clientAddress, context, subscriptions: new Map() };
          connections.set(socket, connection);
          idleAfter(socket, connection);
          return true;
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          // 4401 is graphql-ws's Unauthorized, which its client does not retry; a check that could not run is retried.
          if (error.extensions.code === ErrorCode.UNAUTHENTICATED) socket.close(CloseCode.Unauthorized, error.message);
          else socket.close(1013, "The platform cannot check your token right now");
          return false;
        }
      },
      onSubscribe: (ctx, id, payload) => {
        const { socket } = ctx.extra;
        const connection = connections.get(socket)!;
        const admitted = admit(payload, connection.context, connection.subscriptions.size);
        if (admitted.errors) return admitted.errors;
        if (admitted.prepared.kind === "subscription") {
          connection.subscriptions.set(id, admitted.release);
          clearTimeout(connection.idle);
        }
        const state: OperationState = {
          prepared: admitted.prepared,
          context: connection.context,
          contextAgain: () => options.contextOf(connection.authorization, connection.clientAddress),
        };
        return charged(state, {
          schema: options.schema(),
          document: parse(payload.query),
          variableValues: payload.variables,
          operationName: payload.operationName,
          contextValue: state,
        });
      },
      execute: (args) => run(args.contextValue as OperationState),
      subscribe: (args) => run(args.contextValue as OperationState),
      onComplete: (ctx, id) => {
        const connection = connections.get(ctx.extra.socket);
        if (!connection) return;
        connection.subscriptions.get(id)?.();
        connection.subscriptions.delete(id);
        idleAfter(ctx.extra.socket, connection);
      },
      onClose: (ctx) => {
        const connection = connections.get(ctx.extra.socket);
        if (!connection) return;
        clearTimeout(connection.idle);
        for (const release of connection.subscriptions.values()) release();
        connection.subscriptions.clear();
      },
    },
    wss,
    limits.keepAliveMs,
  );

  // SSE: graphql-sse's handler, with an Express adapter of our own that drops a client not reading its stream.
  const sseHandler = createSseHandler<Request, { res: http.ServerResponse }, OperationState>({
    schema: () => options.schema(),
    // Distinct connections only (no stream reservations): each stream is one operation, authenticated per request.
    authenticate: () => undefined,
    onSubscribe: async (req, params) => {
      const raw = req.raw;
      let context: GatewayContext;
      try {
        context = await options.contextOf(raw.headers.authorization, raw.ip);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        const status = error.extensions.code === ErrorCode.UNAUTHENTICATED ? 401 : 503;
        return jsonAnswer(status, [error]);
      }
      const admitted = admit(params, context, 0);
      if (admitted.errors) return jsonAnswer(statusOf(admitted.errors), admitted.errors);
      req.context.res.once("close", admitted.release);
      const state: OperationState = {
        prepared: admitted.prepared,
        context,
        contextAgain: () => options.contextOf(raw.headers.authorization, raw.ip),
      };
      const args = await charged(state, {
        schema: options.schema(),
        document: parse(params.query),
        variableValues: params.variables,
        operationName: params.operationName,
        contextValue: state,
      });
      return isRefusal(args) ? jsonAnswer(statusOf(args), args) : args;
    },
    execute: (args) => run(args.contextValue),
    subscribe: (args) => run(args.contextValue),
  });
  const sse: RequestHandler = async (req, res, next) => {
    if (!/^text\/event-stream\b/.test(req.headers.accept ?? "")) return next();
    try {
      const [body, init] = await sseHandler({
        method: req.method,
        url: req.url,
        headers: { get: (key) => [req.headers[key] ?? []].flat().join("\n") || null },
        body: () => req.body ?? "",
        raw: req,
        context: { res },
      });
      res.writeHead(init.status, init.statusText, init.headers);
      if (!body || typeof body === "string") return void res.end(body);
      res.once("close", () => void body.return(undefined));
      // Events written but not yet flushed to the client: beyond the subscription limit, it is not reading; drop it.
      let unflushed = 0;
      for await (const chunk of body) {
        if (res.destroyed) break;
        if (unflushed >= limits.maxPendingEvents) {
          options.logger.info({ clientAddress: req.ip }, "an SSE subscriber read too slowly; its stream is closed");
          res.destroy();
          break;
        }
        unflushed++;
        res.write(chunk, () => unflushed--);
      }
      if (!res.destroyed) res.end();
    } catch (error) {
      next(error);
    }
  };

  let attached: http.Server | undefined;
  return {
    sse,
    attach: (httpServer) => {
      attached = httpServer;
      httpServer.on("upgrade", upgrade);
    },
    close: async () => {
      attached?.off("upgrade", upgrade);
      // The HTTP server's close does not reach upgraded sockets: graphql-ws closes each (1001, going away).
      await websockets.dispose();
    },
  };
}

const isRefusal = (value: unknown): value is readonly GraphQLError[] => Array.isArray(value);

const coded = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });

/** The HTTP status of a refused SSE operation, as /graphql answers the same errors. */
function statusOf(errors: readonly GraphQLError[]): number {
  const code = errors[0]?.extensions.code;
  if (code === ErrorCode.UNAUTHENTICATED) return 401;
  if (code === ErrorCode.TOO_MANY_REQUESTS) return 429;
  return 400;
}

function jsonAnswer(status: number, errors: readonly GraphQLError[]): SseResponse {
  const body: ExecutionResult = {
    errors: errors.map((error) => new GraphQLError(error.message, { extensions: { code: error.extensions.code } })),
  };
  const statusText = STATUS_CODES[status] ?? "";
  return [JSON.stringify(body), { status, statusText, headers: { "content-type": "application/json; charset=utf-8" } }];
}

/**
 * A WebSocket upgrade is not an Express request, but its client address must be read as req.ip reads it (the
 * X-Forwarded-For of a TRUST_PROXY proxy, else the peer): given Express's request prototype and the app, the upgrade
 * request answers `ip` with Express's own code and settings.
 */
function expressAddressOf(app: Express, request: http.IncomingMessage): string | undefined {
  const asExpress = Object.assign(Object.create(app.request) as Request, { headers: request.headers, socket: request.socket });
  return asExpress.ip;
}
