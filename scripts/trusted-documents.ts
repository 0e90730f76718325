// `npm run trusted-documents`: writes gateway/trusted-documents.json, the
// manifest of every GraphQL document the project sends the gateway itself
// (docs/security.md, "Persisted documents"): the REST shim's, the seed's and
// the playground's README examples, each as `"<sha256 of its text>": "<text>"`,
// the text exactly as it goes over the wire. It is checked in, so that a change
// to what may run in `GRAPHQL_TRUSTED_DOCUMENTS=require` shows in review;
// test/trusted-documents.e2e.test.ts fails when it is out of date.
import fs from "node:fs";
import { Kind, print, type DocumentNode } from "graphql";
import { documentId, TRUSTED_DOCUMENTS_FILE } from "../gateway/src/persisted-documents";
import { readmeExampleTabs } from "../gateway/src/playground-examples";
import * as shimDocuments from "../rest-shim/src/documents";
import { SEED_DOCUMENTS } from "./seed-sample-catalogue";

/** Printed as graphql-request and the gateway's in-process client print them (graphql's `print`). */
const sentText = (document: DocumentNode): string => print(document);
const isOperation = (document: DocumentNode) =>
  document.definitions.some((definition) => definition.kind === Kind.OPERATION_DEFINITION);

export function projectDocuments(): string[] {
  return [
    ...Object.values(shimDocuments as Record<string, DocumentNode>)
      .filter(isOperation)
      .map(sentText),
    ...SEED_DOCUMENTS.map(sentText),
    // The playground sends a tab's text as it is.
    ...readmeExampleTabs().map((tab) => tab.query),
  ];
}

/** The manifest's text: ids in order, so that its diff shows only what changed. */
export function trustedDocumentsManifest(): string {
  const entries = projectDocuments()
    .map((text) => [documentId(text), text] as const)
    .sort(([a], [b]) => a.localeCompare(b));
  return `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`;
}

if (require.main === module) {
  fs.writeFileSync(TRUSTED_DOCUMENTS_FILE, trustedDocumentsManifest());
  console.log(`wrote ${TRUSTED_DOCUMENTS_FILE}`);
}
