/**
 * A small conformance check of REST answers against the shim's OpenAPI
 * document: the operation exists, documents the status, and the body has the
 * documented types and required properties.
 */

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
};
type Document = Record<string, any>;

const METHODS = ["get", "post", "patch"];

/** The documented path template an actual path matches: literal paths win over templated ones. */
export function documentedPath(document: Document, actualPath: string): string | undefined {
  const path = actualPath.split("?")[0];
  const templates = Object.keys(document.paths);
  if (templates.includes(path)) return path;
  return templates.find((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path));
}

export function expectDocumentedResponse(
  document: Document,
  method: string,
  actualPath: string,
  status: number,
  body: unknown,
): void {
  const verb = method.toLowerCase();
  if (!METHODS.includes(verb)) return; // OPTIONS, HEAD: not operations
  const template = documentedPath(document, actualPath);
  const operation = template ? document.paths[template][verb] : undefined;
  if (!operation) {
    // Undocumented calls must be refused, as the document says nothing else exists.
    if (status !== 404 && status !== 405 && status !== 429) {
      throw new Error(`${method} ${actualPath} answered ${status} but is not in the OpenAPI document`);
    }
    return;
  }
  const response = operation.responses[String(status)];
  if (!response) throw new Error(`${method} ${template} answered ${status}, which its OpenAPI operation does not document`);
  const schema = response.content?.["application/json"]?.schema;
  if (schema) {
    const problems = conformance(document, schema, body, "body");
    if (problems.length)
      throw new Error(`${method} ${actualPath} ${status} does not match its documented schema:\n  ${problems.join("\n  ")}`);
  }
}

function conformance(document: Document, schemaOrRef: Schema, value: unknown, at: string): string[] {
  const schema = resolve(document, schemaOrRef);
  if (schema.enum && !schema.enum.includes(value))
    return [`${at}: ${JSON.stringify(value)} is not one of ${schema.enum.join(", ")}`];
  switch (schema.type) {
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${at}: expected an object`];
      const record = value as Record<string, unknown>;
      const missing = (schema.required ?? []).filter((name) => !(name in record)).map((name) => `${at}.${name}: missing`);
      const nested = Object.entries(schema.properties ?? {})
        .filter(([name]) => name in record)
        .flatMap(([name, property]) => conformance(document, property, record[name], `${at}.${name}`));
      return [...missing, ...nested];
    }
    case "array":
      if (!Array.isArray(value)) return [`${at}: expected an array`];
      return value.flatMap((item, index) => (schema.items ? conformance(document, schema.items, item, `${at}[${index}]`) : []));
    case "integer":
      return Number.isInteger(value) ? [] : [`${at}: expected an integer, got ${JSON.stringify(value)}`];
    case "number":
      return typeof value === "number" ? [] : [`${at}: expected a number, got ${JSON.stringify(value)}`];
    case "string":
      return typeof value === "string" ? [] : [`${at}: expected a string, got ${JSON.stringify(value)}`];
    default:
      return [];
  }
}

function resolve(document: Document, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace("#/components/schemas/", "");
  return document.components.schemas[name];
}
