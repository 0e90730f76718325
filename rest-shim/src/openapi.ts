import { z } from "zod";
import { requestSchemas } from "./request-shapes";
import { ErrorReply, responseSchemas } from "./response-shapes";
import type { Reply, Route } from "./routing";

/**
 * A port's OpenAPI 3 document, served at /openapi.json, made from its route
 * records: their paths, zod shapes and answers. A new route documents itself.
 */

type JsonSchema = Record<string, unknown>;

const COMPONENT_URI = (id: string) => `#/components/schemas/${id}`;

/** zod's JSON Schema for OpenAPI 3.0, without what OpenAPI schemas have no use for. */
const conversion = {
  target: "openapi-3.0",
  uri: COMPONENT_URI,
  override: ({ jsonSchema }: { jsonSchema: JsonSchema }) => {
    // zod bounds every integer to the safe range; the document says integer, as the contract does.
    if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
  },
} as const;

const withoutIds = (schemas: Record<string, JsonSchema>) =>
  Object.fromEntries(Object.entries(schemas).map(([id, { $id: _id, ...schema }]) => [id, schema]));

/** Requests as zod reads them (unknown fields pass), answers as the shim writes them (nothing more). */
const COMPONENTS = {
  ...withoutIds(z.toJSONSchema(requestSchemas, { ...conversion, io: "input" }).schemas),
  ...withoutIds(z.toJSONSchema(responseSchemas, { ...conversion, io: "output" }).schemas),
};

function schemaOf(shape: z.ZodType): JsonSchema {
  const id = requestSchemas.get(shape)?.id ?? responseSchemas.get(shape)?.id;
  if (id) return { $ref: COMPONENT_URI(id) };
  const { $schema: _dialect, ...schema } = z.toJSONSchema(shape, { ...conversion, io: "input" }) as JsonSchema;
  return schema;
}

const json = (shape: z.ZodType) => ({ "application/json": { schema: schemaOf(shape) } });

function response(reply: Reply) {
  const { description, schema = ErrorReply, headers } = typeof reply === "string" ? { description: reply } : reply;
  return {
    description,
    ...(headers && {
      headers: Object.fromEntries(
        Object.entries(headers).map(([name, header]) => [
          name,
          { description: header.description, schema: schemaOf(header.schema) },
        ]),
      ),
    }),
    content: json(schema),
  };
}

/** Every call that runs a GraphQL operation on the gateway may meet these. */
const OPERATION_FAILURES: Record<number, Reply> = {
  500: "An unexpected failure inside the platform (no details are given out).",
  401: "The Authorization header carries an invalid or expired token, or (AUTH_MODE=enforced) there is none where the call needs a signed-in user.",
  422: "The answer would be larger than the gateway sends in one answer (MAX_RESPONSE_BYTES); ask for less.",
  429: "Too many requests, or expensive ones at once, from this client address or signed-in user: the gateway's limits, shared with /graphql (Retry-After says when to try again).",
  502: "The gateway answered with an error this API does not know (a fault of the platform).",
  503: "A service behind the gateway is unavailable, or the token cannot be checked right now.",
};
/** Calls with a JSON body may also meet these. */
const BODY_FAILURES: Record<number, Reply> = {
  400: "Malformed JSON, or a body of the wrong shape.",
  413: "The body is too large.",
  415: "The body is not application/json.",
};
/** Calls with an id in the path may also meet this; the gateway refuses the id. */
const ID_FAILURES: Record<number, Reply> = { 400: "The id is not a number." };
const RATE_LIMITED: Reply = "Rate limit exceeded (per client address, per minute).";

const PATH_ID = z.string().regex(/^[0-9]+$/);
const QUERY_TEXT = z.string();

/** `/api/orders/:id` → `/api/orders/{id}`. */
export const openApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, "{$1}");

function operation(route: Route, rateLimited: boolean) {
  const pathNames = [...route.path.matchAll(/:(\w+)/g)].map((match) => match[1]);
  const parameters = [
    ...pathNames.map((name) => ({
      name,
      in: "path",
      required: true,
      description: route.pathParams?.[name],
      schema: schemaOf(PATH_ID),
    })),
    ...Object.entries(route.query ?? {}).map(([name, { description, required }]) => ({
      name,
      in: "query",
      required,
      description,
      schema: schemaOf(QUERY_TEXT),
    })),
    ...Object.entries(route.headers ?? {}).map(([name, { description, schema }]) => ({
      name,
      in: "header",
      required: false,
      description,
      schema: schemaOf(schema),
    })),
  ];
  const replies = withSharedFailures(route.responses, [
    route.runsNoOperation ? {} : OPERATION_FAILURES,
    route.body ? BODY_FAILURES : {},
    pathNames.length ? ID_FAILURES : {},
    rateLimited ? { 429: RATE_LIMITED } : {},
  ]);
  return {
    summary: route.summary,
    ...(parameters.length && { parameters }),
    ...(route.body && { requestBody: { required: true, content: json(route.body) } }),
    responses: Object.fromEntries(Object.entries(replies).map(([status, reply]) => [status, response(reply)])),
  };
}

/**
 * A route's own answers and the shared failures it may meet. Where several say something of the same status (a
 * body's 400, a path id's 400, the route's own 400), every description is kept, the route's own first, with its
 * schema.
 */
function withSharedFailures(own: Record<number, Reply>, shared: Record<number, Reply>[]): Record<number, Reply> {
  const replies: Record<number, Reply> = {};
  for (const answers of [own, ...shared]) {
    for (const [key, reply] of Object.entries(answers)) {
      const status = Number(key);
      const before = replies[status];
      replies[status] = before === undefined ? reply : alsoSaying(before, descriptionOf(reply));
    }
  }
  return replies;
}

const descriptionOf = (reply: Reply) => (typeof reply === "string" ? reply : reply.description);
const alsoSaying = (reply: Reply, more: string): Reply => {
  const description = `${descriptionOf(reply)} Or: ${more[0].toLowerCase()}${more.slice(1)}`;
  return typeof reply === "string" ? description : { ...reply, description };
};

export interface PortDescription {
  title: string;
  routes: Route[];
  /** Whether every call but the health check (which rate-limit.ts lets through) counts against the per-client rate limit. */
  rateLimited: boolean;
}

export function openApiDocument({ title, routes, rateLimited }: PortDescription): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route, rateLimited && route.path !== "/health") };
  }
  return {
    openapi: "3.0.3",
    info: {
      title,
      version: "1.0.0",
      description:
        'The legacy REST endpoints, served by the REST shim through the GraphQL gateway. Errors are `{"error": message}`; ' +
        "a known path asked with another method answers 405 with an Allow header.",
    },
    paths,
    components: { schemas: COMPONENTS },
  };
}
