// Fakes of the host boundary for tests: a live connection the test drives, and results.
import { vi } from "vitest";
import type { Failure, Result } from "../platform/http";
import type { ConnectionState, LiveConnection } from "../platform/live";
import type { ErrorCode, ServerEvent } from "../wire/types";

export const okResult = <T>(value: T): Result<T> => ({ ok: true, value });

export const apiFailure = <T = never>(code: ErrorCode, status = 409): Result<T> => ({
  ok: false,
  failure: { kind: "api", status, code, message: code } satisfies Failure,
});

export const networkFailure = <T = never>(): Result<T> => ({
  ok: false,
  failure: { kind: "network" },
});

export interface FakeLive extends LiveConnection {
  emit(event: ServerEvent): void;
  setState(state: ConnectionState): void;
  closed: boolean;
  shouldRetry: (() => Promise<boolean>) | null;
}

export function fakeLive(shouldRetry: (() => Promise<boolean>) | null = null): FakeLive {
  const events = new Set<(e: ServerEvent) => void>();
  const states = new Set<(s: ConnectionState) => void>();
  let state: ConnectionState = "connecting";
  const live: FakeLive = {
    closed: false,
    shouldRetry,
    get state() {
      return state;
    },
    onEvent(fn) {
      events.add(fn);
      return () => events.delete(fn);
    },
    onState(fn) {
      states.add(fn);
      return () => states.delete(fn);
    },
    send: () => true,
    reconnectNow: vi.fn(),
    close() {
      live.closed = true;
      live.setState("closed");
    },
    emit(event) {
      if (event.type === "ready") live.setState("connected");
      for (const fn of [...events]) fn(event);
    },
    setState(next) {
      state = next;
      for (const fn of [...states]) fn(next);
    },
  };
  return live;
}

/** Lets pending promise callbacks run. */
export const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
