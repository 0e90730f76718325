/**
 * Moves the platform's clock on instead of waiting: for windows it reads off Date.now() (a breaker's cool-down, an
 * order held back after a refusal). Only Date is faked, and it keeps running from the new time (advanceTimers), so
 * the sockets, time-outs and promises of the platform under test go on for real. Called in a describe block: after
 * each of its tests the real clock is back.
 *
 *   const moveClockOn = useMovableClock();
 *   test("…", async () => { moveClockOn(COOLDOWN_MS + 1); … });
 */
export function useMovableClock(): (ms: number) => void {
  afterEach(() => jest.useRealTimers());
  return moveClockOn;
}

function moveClockOn(ms: number): void {
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
