import { getNamedType, getNullableType, GraphQLError, isScalarType, Kind, type ASTNode, type ValidationRule } from "graphql";
import { scalarResolvers } from "../../lib/scalars";

const SCALARS: Record<string, { parseLiteral(node: never): unknown }> = scalarResolvers;
const LITERALS = new Set<string>([Kind.STRING, Kind.INT, Kind.FLOAT, Kind.BOOLEAN, Kind.ENUM, Kind.LIST, Kind.OBJECT]);

/**
 * The supergraph's own scalars (Money, DateTime) read at the gateway as the subgraphs read them. The gateway's
 * schema knows them only by name, so a literal a subgraph refuses (`price: "12.345"`) used to pass validation here
 * and come back from the subgraph as an HTTP 200 carrying GRAPHQL_VALIDATION_FAILED; checked here, it is refused
 * in validation, a 400 like every other invalid operation. Variables are the subgraphs' to read (BAD_USER_INPUT).
 */
export const scalarLiteralsRule: ValidationRule = (context) => ({
  enter(node: ASTNode) {
    if (!LITERALS.has(node.kind)) return;
    const type = getNullableType(context.getInputType());
    if (!type || !isScalarType(type)) return;
    const scalar = SCALARS[getNamedType(type).name];
    if (!scalar) return;
    try {
      scalar.parseLiteral(node as never);
    } catch (error) {
      context.reportError(new GraphQLError((error as Error).message, { nodes: node }));
    }
  },
});
