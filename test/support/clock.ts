/**
 * Moves the platform's clock on instead of waiting: for windows it reads off Date.now() (a breaker's cool-down, an
 * order held back after a refusal). Only Date is faked, and it keeps running from the new time (advanceTimers), so
 * the sockets, time-outs and promises of the platform under test go on for real. Call `jest.useRealTimers()` in the
 * suite's afterEach.
 */
export function moveClockOn(ms: number): void {
  jest.useFakeTimers({
    doNotFake: [
      "hrtime",
      "nextTick",
      "performance",
      "queueMicrotask",
      "setImmediate",
      "clearImmediate",
      "setInterval",
      "clearInterval",
      "setTimeout",
      "clearTimeout",
    ],
    advanceTimers: true,
    now: Date.now(),
  });
  jest.setSystemTime(Date.now() + ms);
}
