/** Reading Prometheus's text format in tests: the sum of a metric's samples whose labels include the given ones. */
export async function scrape(serviceUrl: string): Promise<string> {
  const response = await fetch(`${serviceUrl}/metrics`);
  if (response.status !== 200) throw new Error(`${serviceUrl}/metrics answered ${response.status}`);
  return response.text();
}

export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split("\n")) {
    const sample = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/);
    if (!sample || sample[1] !== name) continue;
    const sampleLabels = Object.fromEntries(
      [...(sample[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => sampleLabels[key] === value)) sum = (sum ?? 0) + Number(sample[3]);
  }
  return sum;
}

/** SQL statements a subgraph's database has run so far, as its /metrics reports them. */
export async function statementCount(subgraphUrl: string): Promise<number> {
  return metricValue(await scrape(subgraphUrl), "db_query_duration_seconds_count") ?? 0;
}
