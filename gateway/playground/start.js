// Starts GraphiQL on the page served by gateway/src/playground.ts. The example
// tabs come from the README (config.json); the headers pane (bottom of the
// editor) takes {"Authorization": "Bearer <token from login>"}.
/* global React, ReactDOM, GraphiQL */
(async function start() {
  const config = await (await fetch("/graphql/playground/config.json")).json();
  const url = new URL(config.endpoint, window.location.href).toString();
  // Subscriptions go over graphql-ws on the same path (ws:// or wss://); the headers pane's Authorization goes in
  // connection_init, which the gateway reads as it reads the header of a query.
  const fetchGraphQL = GraphiQL.createFetcher({ url, subscriptionUrl: url.replace(/^http/, "ws") });
  // GraphiQL works out the operation name, and the parsed document its fetcher
  // reads to choose WebSocket for a subscription, a moment after the editor
  // changes: a quick click after switching tabs sent the previous tab's, and a
  // subscription went over HTTP. Both are taken from the text actually sent: a
  // name it does not define becomes its one operation's (or none among several),
  // and the document handed on lists its operations, their kind and name being
  // all the fetcher reads of it.
  const fetcher = (params, options) => {
    // An operation: its keyword, its name if any, then its variables, directives or selection.
    const pattern = /\b(query|mutation|subscription)\b(?:\s+([_A-Za-z][_0-9A-Za-z]*))?\s*[({@]/g;
    const operations = [...params.query.matchAll(pattern)].map(([, operation, name]) => ({ operation, name }));
    const names = operations.map((operation) => operation.name).filter(Boolean);
    const operationName = names.includes(params.operationName) ? params.operationName : names.length === 1 ? names[0] : undefined;
    const documentAST = {
      kind: "Document",
      definitions: operations.map(({ operation, name }) => ({
        kind: "OperationDefinition",
        operation,
        name: name && { kind: "Name", value: name },
        selectionSet: { kind: "SelectionSet", selections: [] },
      })),
    };
    return fetchGraphQL({ ...params, operationName }, { ...options, documentAST });
  };
  const root = ReactDOM.createRoot(document.getElementById("playground"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultTabs: config.tabs,
      defaultHeaders: '{\n  "Authorization": ""\n}',
      defaultEditorToolsVisibility: "headers",
      shouldPersistHeaders: false,
    }),
  );
})();
