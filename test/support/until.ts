/**
 * Waits for a condition the test cannot be told about, checking it every
 * `everyMs`; fails with a message, rather than hanging until Jest's timeout,
 * when it has not held within `timeoutMs`.
 */
export async function until(condition: () => Promise<boolean>, timeoutMs = 20_000, everyMs = 100): Promise<void> {
  if (!(await eventually(condition, (held) => held, timeoutMs, everyMs))) {
    throw new Error(`condition not met within ${timeoutMs} ms`);
  }
}

/**
 * Reads `check` every `everyMs` until `done` holds of what it read, for at most `timeoutMs`; answers the last
 * reading either way, so that the caller's assertion on it shows what was there when time ran out.
 */
export async function eventually<T>(
  check: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
