/**
 * Waits for a condition the test cannot be told about, checking it every
 * `everyMs`; fails with a message, rather than hanging until Jest's timeout,
 * when it has not held within `timeoutMs`.
 */
export async function until(condition: () => Promise<boolean>, timeoutMs = 20_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
