/** Where a service's /health answers: beside its /graphql (http://host:4001/graphql → http://host:4001/health). */
export function healthUrlOf(graphqlUrl: string): string {
  const url = new URL(graphqlUrl);
  url.pathname = url.pathname.replace(/\/graphql\/?$/, "") + "/health";
  return url.toString();
}
