import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ServerEvent } from "../wire/types";
import { createLiveConnection, socketUrl, type SocketHandlers, type SocketTransport } from "./live";

interface FakeSocket {
  url: string;
  token: string | null;
  handlers: SocketHandlers;
  sent: string[];
  closed: boolean;
}

function fakeTransport(authInHeader = false) {
  const sockets: FakeSocket[] = [];
  const transport: SocketTransport = {
    authInHeader,
    open(url, token, handlers) {
      const socket: FakeSocket = { url, token, handlers, sent: [], closed: false };
      sockets.push(socket);
      return {
        send: (text) => void socket.sent.push(text),
        close: () => void (socket.closed = true),
      };
    },
  };
  const last = () => sockets[sockets.length - 1]!;
  const say = (event: ServerEvent) => last().handlers.onMessage(JSON.stringify(event));
  return { transport, sockets, last, say };
}

const noJitter = { initialMs: 1000, maxMs: 8000, factor: 2, jitter: 0 };

describe("a live connection", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends the token as the first message when the transport cannot set headers", () => {
    const t = fakeTransport(false);
    createLiveConnection({ url: "ws://x/api/counselor/ws", token: "tok", transport: t.transport });
    t.last().handlers.onOpen();
    expect(t.last().sent).toEqual([JSON.stringify({ type: "auth", token: "tok" })]);
  });

  it("sends no auth message when the token travels in a header", () => {
    const t = fakeTransport(true);
    createLiveConnection({ url: "ws://x", token: "tok", transport: t.transport });
    t.last().handlers.onOpen();
    expect(t.last().sent).toEqual([]);
    expect(t.last().token).toBe("tok");
  });

  it("sends no auth message on the anonymous gate socket", () => {
    const t = fakeTransport(false);
    createLiveConnection({ url: "ws://x/api/gates/ws", token: null, transport: t.transport });
    t.last().handlers.onOpen();
    expect(t.last().sent).toEqual([]);
  });

  it("marks only the first connection fresh, until one reached ready", () => {
    const t = fakeTransport(true);
    createLiveConnection({
      url: "ws://x/api/counselor/ws",
      token: "tok",
      transport: t.transport,
      backoff: noJitter,
      fresh: true,
    });
    expect(t.last().url).toBe("ws://x/api/counselor/ws?fresh=true");
    // Refused before ready (the server was down at start): the next try is still the first.
    t.last().handlers.onClose();
    vi.advanceTimersByTime(1000);
    expect(t.sockets).toHaveLength(2);
    expect(t.last().url).toBe("ws://x/api/counselor/ws?fresh=true");
    t.say({ type: "ready" });
    // A drop after ready: the reconnect resumes, no flag.
    t.last().handlers.onClose();
    vi.advanceTimersByTime(1000);
    expect(t.sockets).toHaveLength(3);
    expect(t.last().url).toBe("ws://x/api/counselor/ws");
  });

  it("never marks a connection fresh unless asked", () => {
    const t = fakeTransport(true);
    createLiveConnection({ url: "ws://x/api/counselor/ws", token: "tok", transport: t.transport });
    expect(t.last().url).toBe("ws://x/api/counselor/ws");
  });

  it("counts as connected only once the server said ready", () => {
    const t = fakeTransport();
    const live = createLiveConnection({ url: "ws://x", token: "tok", transport: t.transport });
    const states: string[] = [];
    live.onState((s) => states.push(s));
    t.last().handlers.onOpen();
    expect(live.state).toBe("connecting");
    t.say({ type: "ready" });
    expect(live.state).toBe("connected");
    expect(states).toEqual(["connected"]);
  });

  it("passes every event but pong to its listeners", () => {
    const t = fakeTransport();
    const live = createLiveConnection({ url: "ws://x", token: "tok", transport: t.transport });
    const events: string[] = [];
    live.onEvent((e) => events.push(e.type));
    t.say({ type: "ready" });
    t.say({ type: "pong" });
    t.say({ type: "queue_position", position: 2, estimate: null });
    t.last().handlers.onMessage("not json");
    expect(events).toEqual(["ready", "queue_position"]);
  });

  it("reconnects with growing delays after losing the connection", () => {
    const t = fakeTransport();
    const live = createLiveConnection({
      url: "ws://x",
      token: "tok",
      transport: t.transport,
      backoff: noJitter,
    });
    t.last().handlers.onClose();
    expect(live.state).toBe("reconnecting");
    vi.advanceTimersByTime(999);
    expect(t.sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(t.sockets).toHaveLength(2);
    t.last().handlers.onClose();
    vi.advanceTimersByTime(1999);
    expect(t.sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(t.sockets).toHaveLength(3);
  });

  it("starts the backoff over after a connection reached ready", () => {
    const t = fakeTransport();
    createLiveConnection({
      url: "ws://x",
      token: "tok",
      transport: t.transport,
      backoff: noJitter,
    });
    t.last().handlers.onClose();
    vi.advanceTimersByTime(1000);
    t.last().handlers.onClose();
    vi.advanceTimersByTime(2000);
    t.say({ type: "ready" });
    t.last().handlers.onClose();
    vi.advanceTimersByTime(1000);
    expect(t.sockets).toHaveLength(4);
  });

  it("takes a silent connection as dead and replaces it", () => {
    const t = fakeTransport();
    const live = createLiveConnection({
      url: "ws://x",
      token: "tok",
      transport: t.transport,
      backoff: noJitter,
      keepAliveMs: 10_000,
    });
    t.say({ type: "ready" });
    vi.advanceTimersByTime(10_000);
    expect(t.last().sent.at(-1)).toBe(JSON.stringify({ type: "ping" }));
    vi.advanceTimersByTime(10_000);
    expect(t.sockets[0]!.closed).toBe(true);
    expect(live.state).toBe("reconnecting");
    vi.advanceTimersByTime(1000);
    expect(t.sockets).toHaveLength(2);
  });

  it("keeps a connection that answers its pings", () => {
    const t = fakeTransport();
    const live = createLiveConnection({
      url: "ws://x",
      token: "tok",
      transport: t.transport,
      keepAliveMs: 10_000,
    });
    t.say({ type: "ready" });
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(10_000);
      t.say({ type: "pong" });
    }
    expect(live.state).toBe("connected");
    expect(t.sockets).toHaveLength(1);
  });

  it("stops for good when asked to close, and ignores the old socket afterwards", () => {
    const t = fakeTransport();
    const live = createLiveConnection({ url: "ws://x", token: "tok", transport: t.transport });
    const events: string[] = [];
    live.onEvent((e) => events.push(e.type));
    live.close();
    expect(live.state).toBe("closed");
    expect(t.last().closed).toBe(true);
    t.last().handlers.onClose();
    t.say({ type: "ready" });
    vi.advanceTimersByTime(60_000);
    expect(t.sockets).toHaveLength(1);
    expect(events).toEqual([]);
  });

  it("gives up when a refused socket's credentials are no longer valid", async () => {
    const t = fakeTransport();
    const shouldRetry = vi.fn(async () => false);
    const live = createLiveConnection({
      url: "ws://x",
      token: "old",
      transport: t.transport,
      shouldRetry,
    });
    t.last().handlers.onClose();
    await vi.runAllTimersAsync();
    expect(shouldRetry).toHaveBeenCalledOnce();
    expect(live.state).toBe("closed");
    expect(t.sockets).toHaveLength(1);
  });

  it("asks about credentials when the server closes a ready socket as unauthorized", async () => {
    const t = fakeTransport();
    const shouldRetry = vi.fn(async () => false);
    const live = createLiveConnection({
      url: "ws://x",
      token: "tok",
      transport: t.transport,
      shouldRetry,
    });
    t.say({ type: "ready" });
    t.last().handlers.onClose(4401);
    await vi.runAllTimersAsync();
    expect(shouldRetry).toHaveBeenCalledOnce();
    expect(live.state).toBe("closed");
    expect(t.sockets).toHaveLength(1);
  });

  it("stops for good on an unauthorized close when nobody can renew the token", async () => {
    const t = fakeTransport();
    const live = createLiveConnection({ url: "ws://x", token: "tok", transport: t.transport });
    t.last().handlers.onClose(4401);
    await vi.runAllTimersAsync();
    expect(live.state).toBe("closed");
    expect(t.sockets).toHaveLength(1);
  });

  it("reconnects after the server went away for a restart (1001)", () => {
    const t = fakeTransport();
    const live = createLiveConnection({
      url: "ws://x",
      token: "tok",
      transport: t.transport,
      backoff: noJitter,
      shouldRetry: vi.fn(async () => true),
    });
    t.say({ type: "ready" });
    t.last().handlers.onClose(1001);
    expect(live.state).toBe("reconnecting");
    vi.advanceTimersByTime(1000);
    expect(t.sockets).toHaveLength(2);
  });

  it("does not ask about credentials after losing a socket that had been ready", () => {
    const t = fakeTransport();
    const shouldRetry = vi.fn(async () => true);
    createLiveConnection({ url: "ws://x", token: "tok", transport: t.transport, shouldRetry });
    t.say({ type: "ready" });
    t.last().handlers.onClose();
    expect(shouldRetry).not.toHaveBeenCalled();
  });

  it("reconnects at once when the network comes back", () => {
    const t = fakeTransport();
    const live = createLiveConnection({
      url: "ws://x",
      token: "tok",
      transport: t.transport,
      backoff: noJitter,
    });
    t.last().handlers.onClose();
    live.reconnectNow();
    expect(t.sockets).toHaveLength(2);
  });

  it("refuses to send while not connected", () => {
    const t = fakeTransport();
    const live = createLiveConnection({ url: "ws://x", token: "tok", transport: t.transport });
    expect(live.send({ type: "ping" })).toBe(false);
    t.say({ type: "ready" });
    expect(live.send({ type: "ping" })).toBe(true);
  });
});

describe("a live connection the server closes for a restart (1012)", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const restart = { retryMs: 250, windowMs: 10_000 };
  function connectionAt(url = "ws://x/api/counselor/ws", fresh = true) {
    const t = fakeTransport(true);
    const shouldRetry = vi.fn(async () => true);
    const live = createLiveConnection({
      url,
      token: "tok",
      transport: t.transport,
      backoff: noJitter,
      restart,
      shouldRetry,
      fresh,
    });
    return { t, live, shouldRetry };
  }

  it("reconnects at once, without waiting for any backoff", () => {
    const { t, live } = connectionAt();
    t.say({ type: "ready" });
    t.last().handlers.onClose(1012);
    expect(live.state).toBe("reconnecting");
    vi.advanceTimersByTime(0);
    expect(t.sockets).toHaveLength(2);
  });

  it("does not mark the reconnect fresh, so the server keeps the availability switch on", () => {
    const { t } = connectionAt();
    expect(t.last().url).toBe("ws://x/api/counselor/ws?fresh=true");
    t.say({ type: "ready" });
    t.last().handlers.onClose(1012);
    vi.advanceTimersByTime(0);
    expect(t.last().url).toBe("ws://x/api/counselor/ws");
  });

  it("keeps the first connection fresh when the server restarted before it was ever ready", () => {
    const { t } = connectionAt();
    // Closed while authenticating: the server never took this start into account.
    t.last().handlers.onClose(1012);
    vi.advanceTimersByTime(0);
    expect(t.sockets).toHaveLength(2);
    expect(t.last().url).toBe("ws://x/api/counselor/ws?fresh=true");
  });

  it("retries every 250 ms while the server is still down, without asking about the token", async () => {
    const { t, shouldRetry } = connectionAt();
    t.say({ type: "ready" });
    t.last().handlers.onClose(1012);
    vi.advanceTimersByTime(0);
    for (let attempt = 2; attempt <= 12; attempt++) {
      expect(t.sockets).toHaveLength(attempt);
      // Connection refused: the browser reports 1006, some transports no code at all.
      t.last().handlers.onClose(attempt % 2 ? 1006 : undefined);
      await vi.advanceTimersByTimeAsync(249);
      expect(t.sockets).toHaveLength(attempt);
      await vi.advanceTimersByTimeAsync(1);
    }
    expect(shouldRetry).not.toHaveBeenCalled();
  });

  it("falls back to the growing backoff once the server stayed away for the whole window", async () => {
    const { t, shouldRetry } = connectionAt();
    t.say({ type: "ready" });
    t.last().handlers.onClose(1012);
    const windowEnds = Date.now() + 10_000;
    vi.advanceTimersByTime(0);
    // Down for 10 s: one attempt at once, then 40 more, one every 250 ms.
    while (Date.now() < windowEnds && t.sockets.length < 100) {
      t.last().handlers.onClose(1006);
      await vi.advanceTimersByTimeAsync(250);
    }
    const tried = t.sockets.length;
    expect(tried).toBe(42);
    t.last().handlers.onClose(1006);
    await vi.advanceTimersByTimeAsync(999);
    expect(t.sockets).toHaveLength(tried);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.sockets).toHaveLength(tried + 1);
    t.last().handlers.onClose(1006);
    await vi.advanceTimersByTimeAsync(1999);
    expect(t.sockets).toHaveLength(tried + 1);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.sockets).toHaveLength(tried + 2);
    // Past the window, a socket refused before ready may again be a stale token: ask.
    expect(shouldRetry).toHaveBeenCalled();
  });

  it("is ready again after the restart and reconnects at once after the next one too", () => {
    const { t, live } = connectionAt();
    t.say({ type: "ready" });
    t.last().handlers.onClose(1012);
    vi.advanceTimersByTime(0);
    t.last().handlers.onClose(1006);
    vi.advanceTimersByTime(250);
    t.say({ type: "ready" });
    expect(live.state).toBe("connected");
    t.last().handlers.onClose(1012);
    vi.advanceTimersByTime(0);
    expect(t.sockets).toHaveLength(4);
    // Any other loss after a ready socket: the usual backoff again.
    t.say({ type: "ready" });
    t.last().handlers.onClose(1006);
    vi.advanceTimersByTime(999);
    expect(t.sockets).toHaveLength(4);
    vi.advanceTimersByTime(1);
    expect(t.sockets).toHaveLength(5);
  });

  it("does not reconnect in a tight loop when every new socket is closed for a restart before ready", () => {
    const { t } = connectionAt();
    t.say({ type: "ready" });
    t.last().handlers.onClose(1012);
    vi.advanceTimersByTime(0);
    expect(t.sockets).toHaveLength(2);
    t.last().handlers.onClose(1012);
    vi.advanceTimersByTime(249);
    expect(t.sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(t.sockets).toHaveLength(3);
  });

  it("still gives up when the restarted server refuses the token", async () => {
    const t = fakeTransport(true);
    const shouldRetry = vi.fn(async () => false);
    const live = createLiveConnection({
      url: "ws://x",
      token: "tok",
      transport: t.transport,
      restart,
      shouldRetry,
    });
    t.say({ type: "ready" });
    t.last().handlers.onClose(1012);
    vi.advanceTimersByTime(0);
    t.last().handlers.onClose(4401);
    await vi.runAllTimersAsync();
    expect(shouldRetry).toHaveBeenCalledOnce();
    expect(live.state).toBe("closed");
  });
});

describe("a live connection the server closes for an internal error (1011)", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("retries with the growing backoff and never takes it as logged out", async () => {
    const t = fakeTransport(true);
    // Were it asked, the token check would say "logged out".
    const shouldRetry = vi.fn(async () => false);
    const live = createLiveConnection({
      url: "ws://x",
      token: "tok",
      transport: t.transport,
      backoff: noJitter,
      shouldRetry,
    });
    // Refused before ready (the server could not look the token up), twice.
    t.last().handlers.onClose(1011);
    expect(live.state).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(999);
    expect(t.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.sockets).toHaveLength(2);
    t.last().handlers.onClose(1011);
    await vi.advanceTimersByTimeAsync(1999);
    expect(t.sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.sockets).toHaveLength(3);
    t.say({ type: "ready" });
    t.last().handlers.onClose(1011);
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.sockets).toHaveLength(4);
    expect(shouldRetry).not.toHaveBeenCalled();
    expect(live.state).not.toBe("closed");
  });
});

describe("socketUrl", () => {
  it("turns an http address into a ws one and an https address into wss", () => {
    expect(socketUrl("http://localhost:8080/", "/api/gates/ws")).toBe(
      "ws://localhost:8080/api/gates/ws",
    );
    expect(socketUrl("https://beratung.example", "/api/asker/ws")).toBe(
      "wss://beratung.example/api/asker/ws",
    );
  });
});
