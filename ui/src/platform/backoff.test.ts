import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_BACKOFF } from "./backoff";

describe("backoffDelay", () => {
  const policy = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.5 };

  it("doubles the delay with every attempt", () => {
    const noJitter = { ...policy, jitter: 0 };
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, noJitter))).toEqual([500, 1000, 2000, 4000]);
  });

  it("never waits longer than the cap", () => {
    expect(backoffDelay(50, policy, () => 0.999)).toBeLessThanOrEqual(30_000);
    expect(backoffDelay(50, { ...policy, jitter: 0 })).toBe(30_000);
  });

  it("randomises part of the delay so clients do not reconnect in lockstep", () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(2000);
    expect(backoffDelay(3, policy, () => 0.999)).toBeCloseTo(4000, -1);
  });

  it("never returns a negative or zero delay for the first attempt", () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0)).toBeGreaterThan(0);
    expect(backoffDelay(-3, DEFAULT_BACKOFF, () => 0)).toBeGreaterThan(0);
  });
});
