import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from "cockatiel";
import type { ServiceMetrics } from "./observability/metrics";

/**
 * Circuit breakers between the platform's services (cockatiel): after
 * `failureThreshold` failures in a row, calls to that dependency fail at once,
 * without waiting for its timeout, until `cooldownMs` have passed; then one
 * trial call goes through (half-open), and its outcome closes or reopens the
 * circuit. Only the dependency's own failures count (the caller says which
 * errors those are): a business answer such as OUT_OF_STOCK is an answer.
 */
export interface BreakerSettings {
  /** Failures in a row that open the circuit (CIRCUIT_BREAKER_FAILURES). */
  failureThreshold: number;
  /** How long an open circuit refuses calls before a trial one (CIRCUIT_BREAKER_COOLDOWN_MS). */
  cooldownMs: number;
}

export type DependencyBreaker = CircuitBreakerPolicy;

/** `isFailure` says which thrown errors count; `isFailedAnswer`, which answers do (they are still returned). */
export function dependencyBreaker(
  settings: BreakerSettings,
  isFailure: (error: Error) => boolean,
  isFailedAnswer: (answer: unknown) => boolean = () => false,
): DependencyBreaker {
  return circuitBreaker(handleWhen(isFailure).orWhenResult(isFailedAnswer), {
    halfOpenAfter: settings.cooldownMs,
    breaker: new ConsecutiveBreaker(settings.failureThreshold),
  });
}

/** The call was not made: the dependency's circuit is open. */
export const isCircuitOpen = (error: unknown): boolean => error instanceof BrokenCircuitError;

/**
 * A trial call is out (half-open). cockatiel makes every other call wait for
 * its outcome; a caller with a fallback of its own may rather not wait.
 */
export const isTrialUnderway = (breaker: DependencyBreaker): boolean => breaker.state === CircuitState.HalfOpen;

/** Calls go through as usual: no failure run has opened the circuit, or a trial call has closed it again. */
export const isClosed = (breaker: DependencyBreaker): boolean => breaker.state === CircuitState.Closed;

const STATE_VALUE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
};

/** `circuit_breaker_state{dependency}`: 0 closed, 1 half-open (trying), 2 open (calls refused). */
export function observeBreakers(metrics: ServiceMetrics, breakers: Record<string, DependencyBreaker>): void {
  metrics.gauge("circuit_breaker_state", "Circuit to each dependency: 0 closed, 1 half-open, 2 open", ["dependency"], (gauge) => {
    for (const [dependency, breaker] of Object.entries(breakers)) gauge.set({ dependency }, STATE_VALUE[breaker.state]);
  });
}
