import { describe, expect, it } from "vitest";
import type { PublicTopic } from "../wire/types";
import {
  BUTTON_BACKOFF,
  GateFollower,
  GIVE_UP_AFTER,
  KEEP_ALIVE_MS,
  RESTART_SPREAD_MS,
  type Gate,
  type GiveUp,
  type TopicAnswer,
} from "./follow";

const sucht = (open: boolean): PublicTopic => ({
  id: 1,
  slug: "suchtberatung",
  name: "Suchtberatung",
  gate_open: open,
  chat_hours: "Mo–Fr 10–16 Uhr",
  current_slot: null,
  next_opening: null,
  hours_note: null,
});

interface FakeSocket {
  open: boolean;
  sent: string[];
  say(event: object): void;
  drop(code?: number): void;
}

/** A world of fake sockets, reads and timers; time moves only when the test says so. */
function world(random = 0.5) {
  const sockets: FakeSocket[] = [];
  const reads: Array<(answer: TopicAnswer) => void> = [];
  let now = 0;
  let timers: Array<{ at: number; fn: () => void; id: number }> = [];
  let nextId = 0;
  const shown: Gate[] = [];
  const gaveUp: GiveUp[] = [];
  const follower = new GateFollower(
    {
      fetchTopic: () => new Promise((resolve) => reads.push(resolve)),
      openSocket(on) {
        const socket: FakeSocket = {
          open: true,
          sent: [],
          say: (event) => on.message(JSON.stringify(event)),
          drop(code = 1006) {
            socket.open = false;
            on.closed(code);
          },
        };
        sockets.push(socket);
        return {
          send: (text) => socket.sent.push(text),
          close: () => {
            socket.open = false;
          },
        };
      },
      setTimer(fn, ms) {
        const id = ++nextId;
        timers.push({ at: now + ms, fn, id });
        return id;
      },
      clearTimer(handle) {
        timers = timers.filter((t) => t.id !== handle);
      },
      random: () => random,
    },
    (gate) => shown.push(gate),
    (why) => gaveUp.push(why),
  );
  return {
    follower,
    sockets,
    shown,
    gaveUp,
    get open() {
      return sockets.filter((s) => s.open);
    },
    get pendingTimers() {
      return timers.map((t) => t.at - now);
    },
    /** Answers the oldest outstanding read. */
    async answer(answer: TopicAnswer) {
      reads.shift()!(answer);
      await Promise.resolve();
      await Promise.resolve();
    },
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
      }
      now = until;
    },
  };
}

async function connected(random = 0.5) {
  const w = world(random);
  w.follower.setVisible(true);
  w.sockets[0]!.say({ type: "ready" });
  await w.answer({ kind: "topic", topic: sucht(false) });
  return w;
}

describe("the chat button's gate", () => {
  it("holds no socket while the tab is hidden and opens one when it is shown", () => {
    const w = world();
    expect(w.sockets).toHaveLength(0);
    w.follower.setVisible(true);
    expect(w.open).toHaveLength(1);
    w.follower.setVisible(false);
    expect(w.open).toHaveLength(0);
    w.follower.setVisible(true);
    expect(w.open).toHaveLength(1);
    expect(w.sockets).toHaveLength(2);
  });

  it("shows the topic read after the socket is ready, then each change of its gate at once", async () => {
    const w = await connected();
    expect(w.shown).toEqual([{ name: "Suchtberatung", open: false, hours: "Mo–Fr 10–16 Uhr" }]);
    w.sockets[0]!.say({ type: "gate_changed", topic_id: 2, open: true });
    expect(w.shown).toHaveLength(1);
    w.sockets[0]!.say({ type: "gate_changed", topic_id: 1, open: true });
    expect(w.shown.at(-1)).toEqual({ name: "Suchtberatung", open: true, hours: "Mo–Fr 10–16 Uhr" });
  });

  it("trusts a gate change that arrives while the topic is being read over the read's answer", async () => {
    const w = world();
    w.follower.setVisible(true);
    w.sockets[0]!.say({ type: "ready" });
    w.sockets[0]!.say({ type: "gate_changed", topic_id: 1, open: true });
    await w.answer({ kind: "topic", topic: sucht(false) });
    expect(w.shown.at(-1)?.open).toBe(true);
  });

  it("reads the topic again after every reconnect, since changes were missed meanwhile", async () => {
    const w = await connected();
    w.sockets[0]!.drop();
    w.advance(BUTTON_BACKOFF.initialMs);
    expect(w.open).toHaveLength(1);
    w.sockets[1]!.say({ type: "ready" });
    await w.answer({ kind: "topic", topic: sucht(true) });
    expect(w.shown.at(-1)?.open).toBe(true);
  });

  it("comes back after a random share of a growing delay", async () => {
    const early = world(0);
    const late = world(0.999);
    for (const w of [early, late]) {
      w.follower.setVisible(true);
      w.sockets[0]!.drop();
    }
    // Half of the first delay is fixed, half random.
    expect(early.pendingTimers).toEqual([BUTTON_BACKOFF.initialMs / 2]);
    expect(late.pendingTimers[0]).toBeCloseTo(BUTTON_BACKOFF.initialMs, -1);
    early.advance(BUTTON_BACKOFF.initialMs / 2);
    early.sockets[1]!.drop();
    expect(early.pendingTimers).toEqual([BUTTON_BACKOFF.initialMs]);
  });

  it("spreads the reconnects after a server restart over a few seconds", async () => {
    const first = await connected(0.1);
    const last = await connected(0.9);
    first.sockets[0]!.drop(1012);
    last.sockets[0]!.drop(1012);
    expect(first.pendingTimers).toEqual([0.1 * RESTART_SPREAD_MS]);
    expect(last.pendingTimers).toEqual([0.9 * RESTART_SPREAD_MS]);
  });

  it("does not retry in a hidden tab, and retries at once when it is shown again", async () => {
    const w = await connected();
    w.sockets[0]!.drop();
    w.follower.setVisible(false);
    expect(w.pendingTimers).toEqual([]);
    w.follower.setVisible(true);
    expect(w.open).toHaveLength(1);
  });

  it("gives up when the page was never let in: its website may not embed the topic", () => {
    const w = world();
    w.follower.setVisible(true);
    for (let i = 0; i < GIVE_UP_AFTER; i++) {
      expect(w.gaveUp).toEqual([]);
      w.sockets.at(-1)!.drop();
      w.advance(BUTTON_BACKOFF.maxMs);
    }
    expect(w.gaveUp).toEqual(["refused"]);
    expect(w.sockets).toHaveLength(GIVE_UP_AFTER);
    w.follower.setVisible(false);
    w.follower.setVisible(true);
    expect(w.sockets).toHaveLength(GIVE_UP_AFTER);
  });

  it("never gives up once it was let in: the server may be restarting", async () => {
    const w = await connected();
    for (let i = 0; i < GIVE_UP_AFTER * 3; i++) {
      w.sockets.at(-1)!.drop();
      w.advance(BUTTON_BACKOFF.maxMs);
    }
    expect(w.gaveUp).toEqual([]);
    expect(w.open).toHaveLength(1);
  });

  it("gives up on a topic that does not exist or offers no live chat", async () => {
    const w = world();
    w.follower.setVisible(true);
    w.sockets[0]!.say({ type: "ready" });
    await w.answer({ kind: "unknown" });
    expect(w.gaveUp).toEqual(["unknown"]);
    expect(w.open).toHaveLength(0);
    expect(w.pendingTimers).toEqual([]);
  });

  it("takes a socket that stays silent for two pings as dead", async () => {
    const w = await connected();
    w.advance(KEEP_ALIVE_MS);
    expect(w.sockets[0]!.sent).toEqual(['{"type":"ping"}']);
    w.sockets[0]!.say({ type: "pong" });
    w.advance(KEEP_ALIVE_MS);
    expect(w.sockets[0]!.open).toBe(true);
    w.advance(KEEP_ALIVE_MS);
    expect(w.sockets[0]!.open).toBe(false);
    w.advance(BUTTON_BACKOFF.initialMs);
    expect(w.open).toHaveLength(1);
  });
});
