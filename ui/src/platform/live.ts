// The live-connection half of the host boundary: one WebSocket to the server that comes back
// by itself. The socket itself is opened by a `SocketTransport` (browser or desktop); this file
// holds the logic every transport shares, so it is tested once with a fake transport.
import type { ClientMessage, ServerEvent } from "../wire/types";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from "./backoff";

/**
 * - `connecting`: the first attempt is under way.
 * - `connected`: the server said `ready`: the socket is authenticated and subscribed.
 * - `reconnecting`: the connection was lost or never came up; the next attempt is scheduled.
 * - `closed`: stopped on purpose, or the server refused the credentials.
 */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "closed";

export interface SocketHandlers {
  onOpen(): void;
  onMessage(text: string): void;
  /** `code`: the WebSocket close code, where the transport knows it. */
  onClose(code?: number): void;
}

/** The server's close code for a socket whose token it does not (or no longer) accept. */
export const CLOSE_UNAUTHORIZED = 4401;
/** "Service restart": the server (or one of several instances) is going down; come back at once. */
export const CLOSE_RESTARTING = 1012;
/** "Internal error": the server could not serve the socket; nothing is said about the token. */
export const CLOSE_INTERNAL_ERROR = 1011;

/** After a 1012: one attempt at once, then one every `retryMs`, for `windowMs`; then the backoff. */
export interface RestartPolicy {
  retryMs: number;
  windowMs: number;
}

export const DEFAULT_RESTART: RestartPolicy = { retryMs: 250, windowMs: 10_000 };

export interface SocketHandle {
  send(text: string): void;
  close(): void;
}

export interface SocketTransport {
  /**
   * Whether the token travels as an `Authorization` header when the socket opens (desktop).
   * Browsers cannot set headers on a WebSocket, so they send `{"type":"auth"}` first.
   */
  readonly authInHeader: boolean;
  open(url: string, token: string | null, handlers: SocketHandlers): SocketHandle;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface LiveConnectionOptions {
  url: string;
  /** Null for the anonymous gate watcher socket. */
  token: string | null;
  transport: SocketTransport;
  timers?: Timers;
  random?: () => number;
  /** The clock for the restart window; default `Date.now`. */
  now?: () => number;
  backoff?: BackoffPolicy;
  /** How to come back after the server closed with 1012 ("service restart"). */
  restart?: RestartPolicy;
  /**
   * Interval of the application-level `ping`. A socket that stays silent for two intervals is
   * taken as dead (a half-open TCP connection otherwise goes unnoticed for minutes).
   */
  keepAliveMs?: number;
  /**
   * Asked before retrying a socket that closed before `ready` (it may have been refused for a
   * stale token). Resolving to false stops the connection for good.
   */
  shouldRetry?: () => Promise<boolean>;
  /**
   * Marks the first connection `?fresh=true` (until one reaches `ready`): the client just
   * started (page load, app start, login), so the server ends a "lost connection" resume
   * instead of restoring availability. Reconnects after a drop carry no flag and resume; so do
   * reconnects after a server restart (1012), which must never switch a counselor off.
   */
  fresh?: boolean;
}

export interface LiveConnection {
  readonly state: ConnectionState;
  /** Every event the server pushes, `ready` included, `pong` excluded. */
  onEvent(listener: (event: ServerEvent) => void): () => void;
  onState(listener: (state: ConnectionState) => void): () => void;
  send(message: ClientMessage): boolean;
  /** Try at once instead of waiting for the backoff (e.g. the network came back). */
  reconnectNow(): void;
  close(): void;
}

function parseEvent(text: string): ServerEvent | null {
  try {
    const value: unknown = JSON.parse(text);
    if (
      typeof value === "object" &&
      value !== null &&
      typeof (value as { type?: unknown }).type === "string"
    ) {
      return value as ServerEvent;
    }
  } catch {
    // ignore what is not an event
  }
  return null;
}

export function createLiveConnection(options: LiveConnectionOptions): LiveConnection {
  const timers = options.timers ?? realTimers;
  const random = options.random ?? Math.random;
  const policy = options.backoff ?? DEFAULT_BACKOFF;
  const restart = options.restart ?? DEFAULT_RESTART;
  const now = options.now ?? (() => Date.now());
  const keepAliveMs = options.keepAliveMs ?? 20_000;

  const eventListeners = new Set<(event: ServerEvent) => void>();
  const stateListeners = new Set<(state: ConnectionState) => void>();

  let state: ConnectionState = "connecting";
  let socket: SocketHandle | null = null;
  /** Increases with every socket, so callbacks of an old socket are ignored. */
  let generation = 0;
  let attempt = 0;
  let stopped = false;
  let reachedReady = false;
  let retryTimer: unknown = null;
  let keepAliveTimer: unknown = null;
  let heardSinceLastPing = true;
  /** The next socket is the client's first: `?fresh=true`. */
  let freshPending = options.fresh ?? false;
  /** Until when a lost socket is retried at the short fixed interval (after a 1012). */
  let restartUntil: number | null = null;

  function setState(next: ConnectionState) {
    if (state === next) return;
    state = next;
    for (const listener of [...stateListeners]) listener(next);
  }

  function stopKeepAlive() {
    if (keepAliveTimer !== null) timers.clearTimeout(keepAliveTimer);
    keepAliveTimer = null;
  }

  function scheduleKeepAlive(gen: number) {
    stopKeepAlive();
    keepAliveTimer = timers.setTimeout(() => {
      if (gen !== generation || !socket) return;
      if (!heardSinceLastPing) {
        // Two intervals of silence: the connection is dead even if the socket does not know.
        dropSocket();
        return;
      }
      heardSinceLastPing = false;
      socket.send(JSON.stringify({ type: "ping" } satisfies ClientMessage));
      scheduleKeepAlive(gen);
    }, keepAliveMs);
  }

  function connect() {
    if (stopped) return;
    retryTimer = null;
    const gen = ++generation;
    reachedReady = false;
    heardSinceLastPing = true;
    const url = freshPending ? withQuery(options.url, "fresh=true") : options.url;
    socket = options.transport.open(url, options.token, {
      onOpen() {
        if (gen !== generation) return;
        if (options.token !== null && !options.transport.authInHeader) {
          socket?.send(
            JSON.stringify({ type: "auth", token: options.token } satisfies ClientMessage),
          );
        }
      },
      onMessage(text) {
        if (gen !== generation) return;
        heardSinceLastPing = true;
        const event = parseEvent(text);
        if (!event) return;
        if (event.type === "pong") return;
        if (event.type === "ready") {
          reachedReady = true;
          freshPending = false;
          attempt = 0;
          restartUntil = null;
          setState("connected");
          scheduleKeepAlive(gen);
        }
        for (const listener of [...eventListeners]) listener(event);
      },
      onClose(code) {
        if (gen !== generation) return;
        socketLost(code);
      },
    });
  }

  /** Closes the current socket from our side and goes on as if the server had closed it. */
  function dropSocket() {
    const old = socket;
    generation++;
    socket = null;
    old?.close();
    socketLost();
  }

  /** `code`: the close code, where known (none when the socket died or never opened). */
  function socketLost(code?: number) {
    stopKeepAlive();
    socket = null;
    if (stopped) return;
    // The server said the token is not (or no longer) good.
    const refused = code === CLOSE_UNAUTHORIZED;
    if (refused && !options.shouldRetry) {
      // Retrying with the same token cannot work.
      close();
      return;
    }
    setState("reconnecting");
    const delay = retryDelay(code);
    const schedule = () => {
      if (stopped) return;
      retryTimer = timers.setTimeout(connect, delay);
    };
    // A socket that closed before `ready` may have been refused for a stale token: ask. Not
    // when the server said why: a restart or an internal error says nothing about the token.
    const explained = code === CLOSE_RESTARTING || code === CLOSE_INTERNAL_ERROR;
    const restarting = restartUntil !== null && !refused;
    const neverReady = (!reachedReady && !explained && !restarting) || refused;
    if (neverReady && options.shouldRetry) {
      options.shouldRetry().then(
        (retry) => (retry ? schedule() : close()),
        () => schedule(),
      );
    } else {
      schedule();
    }
  }

  /** How long to wait before the next attempt, by why the socket closed. */
  function retryDelay(code?: number): number {
    const at = now();
    if (restartUntil !== null && at >= restartUntil) restartUntil = null;
    if (code === CLOSE_RESTARTING) {
      // A restart: the server (or another instance) is back in a moment. At once, unless this
      // socket never got ready within a restart window already (no loop of instant retries).
      const again = restartUntil !== null && !reachedReady;
      if (!again) restartUntil = at + restart.windowMs;
      return again ? restart.retryMs : 0;
    }
    if (restartUntil !== null && code !== CLOSE_UNAUTHORIZED) return restart.retryMs;
    const delay = backoffDelay(attempt, policy, random);
    attempt++;
    return delay;
  }

  function close() {
    stopped = true;
    stopKeepAlive();
    if (retryTimer !== null) timers.clearTimeout(retryTimer);
    retryTimer = null;
    const old = socket;
    socket = null;
    generation++;
    old?.close();
    setState("closed");
  }

  connect();

  return {
    get state() {
      return state;
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    send(message) {
      if (!socket || state !== "connected") return false;
      socket.send(JSON.stringify(message));
      return true;
    },
    reconnectNow() {
      if (stopped || state !== "reconnecting" || retryTimer === null) return;
      timers.clearTimeout(retryTimer);
      attempt = 0;
      connect();
    },
    close,
  };
}

/** `url` with `pair` added to its query. */
export function withQuery(url: string, pair: string): string {
  return url + (url.includes("?") ? "&" : "?") + pair;
}

/** `http(s)://host` → `ws(s)://host` + path. */
export function socketUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, "").replace(/^http/i, "ws") + path;
}
