/**
 * mulberry32: a small seeded PRNG for the randomized suites (fuzz, faults), so
 * that a failing run can be replayed exactly from its seed. Written here
 * because Math.random cannot be seeded; it is the well-known 10-line generator.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
