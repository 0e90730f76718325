import fs from "node:fs";
import path from "node:path";
import { Kind, parse, type OperationDefinitionNode } from "graphql";

/**
 * The playground's ready-to-run tabs are the README's example operations, read
 * from README.md itself so that the two can never disagree. Each ```graphql
 * block holds several anonymous operations; each becomes its own tab, named
 * after its first field (GraphiQL titles tabs by operation name).
 */
export const README_FILE = path.resolve(__dirname, "../../README.md");

export interface PlaygroundTab {
  query: string;
}

export function readmeExampleTabs(readmeFile = README_FILE): PlaygroundTab[] {
  const readme = fs.readFileSync(readmeFile, "utf8");
  const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]);
  return blocks.flatMap((block) =>
    parse(block)
      .definitions.filter(isOperation)
      .map((operation) => tabOf(block, operation)),
  );
}

/** The examples' operation names, as their tabs name them: known to the metrics (lib/observability/known-operations.ts). */
export function readmeExampleOperationNames(readmeFile = README_FILE): string[] {
  return readmeExampleTabs(readmeFile).flatMap((tab) =>
    parse(tab.query)
      .definitions.filter(isOperation)
      .flatMap((operation) => (operation.name ? [operation.name.value] : [])),
  );
}

function isOperation(definition: { kind: Kind }): definition is OperationDefinitionNode {
  return definition.kind === Kind.OPERATION_DEFINITION;
}

function tabOf(block: string, operation: OperationDefinitionNode): PlaygroundTab {
  const text = block.slice(operation.loc!.start, operation.loc!.end);
  // Keep a comment that follows the operation on its closing line ("} # every tag must match").
  const trailing = block.slice(operation.loc!.end).match(/^[ \t]*(#[^\n]*)/)?.[1];
  const named = operation.name
    ? text
    : text.replace(/^(query|mutation|subscription)?\s*/, `${operation.operation} ${nameOf(operation)} `);
  return { query: trailing ? `${named} ${trailing}\n` : `${named}\n` };
}

function nameOf(operation: OperationDefinitionNode): string {
  const first = operation.selectionSet.selections.find((selection) => selection.kind === Kind.FIELD);
  const field = first?.kind === Kind.FIELD ? first.name.value : operation.operation;
  return field.charAt(0).toUpperCase() + field.slice(1);
}
