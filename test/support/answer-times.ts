// Whether two kinds of call (a known account and an unknown one, say) answer in the same time, on a machine whose
// other load comes and goes (three Jest workers on two cores).
//
// Load only ever adds time, so the fastest of several calls of a kind shows what that path itself costs (medians
// moved by 10 ms either way with the rest of the suite sharing the cores). The calls are interleaved in alternating
// order (a, b, then b, a): what one call leaves running after its answer (an email's queueing and sending) falls on a
// call of either kind alike.
//
// A round is `samples` calls of each kind. A path that does less work (a bcrypt hash skipped, a transaction not
// waited for) is faster in every round, whatever the load. But a spell of load longer than a round can slow every
// call of the kind that does more CPU work in-process (in a CI run, 30 new-email sign-ups all took 120 ms or more
// while a taken-email one took 94, against 85 and 84 on a quiet machine), so a round that finds a difference is
// repeated, up to `rounds` times: the two are the same when one round finds them so.

/** Calls of each kind in a round, and rounds at most; and how a test's title says so. */
export const TIMING = { samples: 20, rounds: 3 };
export const TIMING_TITLE = `fastest of ${TIMING.samples}, in one of ${TIMING.rounds} rounds`;

/** A call of one kind; `i` (0, 1, …) is for calls that need fresh input. */
type Call = (i: number) => Promise<unknown>;

/**
 * Two fastest answer times tell nothing apart: within 20% of each other, or 10 ms. Answers of 7-30 ms moved by
 * several ms either way with the rest of the suite sharing two cores; what an account would give away that way is a
 * bcrypt hash (tens of ms) or a database transaction waited for.
 */
const sameTime = (a: number, b: number) => Math.abs(a - b) <= Math.max(0.2 * Math.max(a, b), 10);

/** The fastest answer time (ms) of `samples` interleaved calls of each kind. */
async function fastestOfRound(calls: [Call, Call], samples: number, firstIndex: number): Promise<[number, number]> {
  const times: [number[], number[]] = [[], []];
  for (let i = firstIndex; i < firstIndex + samples; i++) {
    for (const kind of i % 2 ? [1, 0] : [0, 1]) {
      const started = performance.now();
      await calls[kind](i);
      times[kind].push(performance.now() - started);
    }
  }
  return [Math.min(...times[0]), Math.min(...times[1])];
}

/**
 * "the same" when a round's fastest answers of the two kinds (the two entries of `calls`, by name) are the same
 * time; otherwise every round's figures, for the failure message.
 */
export async function answerTimes(calls: Record<string, Call>, { samples, rounds } = TIMING): Promise<string> {
  const kinds = Object.entries(calls);
  if (kinds.length !== 2) throw new Error(`answerTimes compares two kinds of call, not ${kinds.length}`);
  const [[nameA, callA], [nameB, callB]] = kinds;
  const differences: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const [a, b] = await fastestOfRound([callA, callB], samples, round * samples);
    if (sameTime(a, b)) return "the same";
    differences.push(`${nameA} ${a.toFixed(1)} ms, ${nameB} ${b.toFixed(1)} ms`);
  }
  return differences.join("; ");
}
