/** How long to wait before the n-th reconnect attempt. */
export interface BackoffPolicy {
  /** Delay before the first retry, in milliseconds. */
  initialMs: number;
  /** Upper bound of the exponential part. */
  maxMs: number;
  /** Growth per attempt. */
  factor: number;
  /**
   * Share of the delay that is random (0..1). Randomness spreads the reconnects of many
   * clients after a server restart, so they do not all knock at the same moment.
   */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialMs: 500,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.5,
};

/**
 * The delay before retry number `attempt` (0 = first retry): exponential, capped, with part of
 * it random. `random` returns a number in [0, 1).
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, Math.floor(attempt));
  const capped = Math.min(policy.maxMs, policy.initialMs * policy.factor ** exponent);
  const fixed = capped * (1 - policy.jitter);
  return Math.round(fixed + capped * policy.jitter * random());
}
