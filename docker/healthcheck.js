// Container healthcheck: exits 0 when the URL answers 2xx within 2 seconds.
// Usage: node docker/healthcheck.js http://127.0.0.1:4001/health/ready
// (The slim Node image has neither curl nor wget.)
const url = process.argv[2];
fetch(url, { signal: AbortSignal.timeout(2000) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
