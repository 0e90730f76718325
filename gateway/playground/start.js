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
  // GraphiQL works out the operation name a moment after the editor changes, so
  // a quick click after switching tabs sends the previous tab's name. Send a
  // name only when the document defines it; a one-operation document needs none.
  const fetcher = (params, options) => {
    const named =
      params.operationName && new RegExp(`\\b(query|mutation|subscription)\\s+${params.operationName}\\b`).test(params.query);
    return fetchGraphQL({ ...params, operationName: named ? params.operationName : undefined }, options);
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
