import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

/**
 * REST answers checked against a port's OpenAPI document, as that port serves
 * it: the operation exists, documents the status, and the body validates
 * (Ajv) against the documented schema.
 */

type Document = Record<string, any>;

const METHODS = ["get", "post", "patch"];

/** The documented path template an actual path matches: literal paths win over templated ones. */
export function documentedPath(document: Document, actualPath: string): string | undefined {
  const path = actualPath.split("?")[0];
  const templates = Object.keys(document.paths);
  if (templates.includes(path)) return path;
  return templates.find((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path));
}

/** A JSON pointer segment: `/api/orders` → `~1api~1orders`. */
const pointerSegment = (key: string) => key.replace(/~/g, "~0").replace(/\//g, "~1");

export type ResponseCheck = (method: string, actualPath: string, status: number, body: unknown) => void;

/** Throws, saying why, when an answer is not one the document foresees. */
export function documentedResponses(document: Document): ResponseCheck {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(document, "openapi.json");
  const validators = new Map<string, ValidateFunction>();
  const validatorFor = (pointer: string) => {
    if (!validators.has(pointer)) validators.set(pointer, ajv.compile({ $ref: `openapi.json#${pointer}` }));
    return validators.get(pointer)!;
  };

  return (method, actualPath, status, body) => {
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
    if (!response.content?.["application/json"]?.schema) return;
    const pointer = ["paths", template!, verb, "responses", String(status), "content", "application/json", "schema"]
      .map(pointerSegment)
      .join("/");
    const validate = validatorFor(`/${pointer}`);
    if (!validate(body)) {
      const problems = ajv.errorsText(validate.errors, { dataVar: "body", separator: "\n  " });
      throw new Error(`${method} ${actualPath} ${status} does not match its documented schema:\n  ${problems}`);
    }
  };
}

const served = new Map<string, Promise<Document>>();

/** The OpenAPI document a shim port serves at /openapi.json, fetched once per port. */
export function servedDocument(portUrl: string): Promise<Document> {
  if (!served.has(portUrl)) {
    served.set(
      portUrl,
      fetch(`${portUrl}/openapi.json`).then(async (response) => {
        if (response.status !== 200) throw new Error(`GET ${portUrl}/openapi.json answered ${response.status}`);
        return (await response.json()) as Document;
      }),
    );
  }
  return served.get(portUrl)!;
}
