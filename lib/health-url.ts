/**
 * Where a service's health answers: beside its /graphql (http://host:4001/graphql → http://host:4001/health, or
 * http://host:4001/health/ready with `path`).
 */
export function healthUrlOf(graphqlUrl: string, path = "/health"): string {
  const url = new URL(graphqlUrl);
  url.pathname = url.pathname.replace(/\/graphql\/?$/, "") + path;
  return url.toString();
}
