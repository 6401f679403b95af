import { describe, expect, it } from "vitest";
import { askerState, message, topic } from "../test/fixtures";
import type { ServerEvent } from "../wire/types";
import {
  hasLiveVisit,
  initialAsker,
  isFinished,
  reduceAsker,
  type AskerAction,
  type AskerView,
} from "./state";

const server = (event: ServerEvent): AskerAction => ({ type: "server", event });
const run = (actions: AskerAction[], from: AskerView = initialAsker) =>
  actions.reduce(reduceAsker, from);

const topicsShown = run([{ type: "topics_loaded", topics: [topic(1, true), topic(2, false)] }]);
const entered: AskerAction = {
  type: "entered",
  entered: { token: "tok", request_id: "req-1", pseudonym: "Gast 17", topic_id: 1, position: 3 },
};
const waiting = run(
  [{ type: "topic_chosen", topicId: 1 }, { type: "entering" }, entered],
  topicsShown,
);
const chatting = run([server({ type: "chat_accepted", counselor_name: "Anna" })], waiting);

describe("choosing a topic", () => {
  it("shows the topics once they are loaded", () => {
    expect(topicsShown.phase).toEqual({ name: "choose", unknownLink: false });
    expect(topicsShown.topics).toHaveLength(2);
  });

  it("asks for consent when the topic's gate is open", () => {
    const view = run([{ type: "topic_chosen", topicId: 1 }], topicsShown);
    expect(view.phase).toMatchObject({ name: "consent", topicId: 1, openedWhileWatching: false });
  });

  it("explains a closed gate instead of letting the asker wait in vain", () => {
    const view = run([{ type: "topic_chosen", topicId: 2 }], topicsShown);
    expect(view.phase).toEqual({ name: "closed", topicId: 2 });
  });

  it("says so when a link names a topic that does not exist", () => {
    expect(run([{ type: "link_unknown" }], topicsShown).phase).toEqual({
      name: "choose",
      unknownLink: true,
    });
  });

  it("updates the topic list live when gates open and close", () => {
    const view = run([server({ type: "gate_changed", topic_id: 2, open: true })], topicsShown);
    expect(view.topics.find((t) => t.id === 2)?.gate_open).toBe(true);
  });
});

describe("a closed gate", () => {
  const closed = run([{ type: "topic_chosen", topicId: 2 }], topicsShown);

  it("opens by itself when a counselor becomes available", () => {
    const view = run([server({ type: "gate_changed", topic_id: 2, open: true })], closed);
    expect(view.phase).toMatchObject({ name: "consent", topicId: 2, openedWhileWatching: true });
  });

  it("stays closed when another topic's gate opens", () => {
    const view = run([server({ type: "gate_changed", topic_id: 1, open: true })], closed);
    expect(view.phase).toEqual({ name: "closed", topicId: 2 });
  });

  it("opens after a reconnect when the re-read topics say the gate is open", () => {
    const view = run([{ type: "topics_loaded", topics: [topic(1, true), topic(2, true)] }], closed);
    expect(view.phase).toMatchObject({ name: "consent", topicId: 2, openedWhileWatching: true });
  });

  it("closes the consent step again when the gate closes before the asker entered", () => {
    const consent = run([{ type: "topic_chosen", topicId: 1 }], topicsShown);
    const view = run([server({ type: "gate_changed", topic_id: 1, open: false })], consent);
    expect(view.phase).toEqual({ name: "closed", topicId: 1 });
  });

  it("shows the closed explanation when the server refuses entry because the gate closed", () => {
    const view = run(
      [
        { type: "topic_chosen", topicId: 1 },
        { type: "entering" },
        { type: "enter_refused_gate_closed" },
      ],
      topicsShown,
    );
    expect(view.phase).toEqual({ name: "closed", topicId: 1 });
    expect(view.topics.find((t) => t.id === 1)?.gate_open).toBe(false);
  });
});

describe("entering the waiting room", () => {
  it("waits with the position the server gave", () => {
    expect(waiting.phase).toEqual({
      name: "waiting",
      position: 3,
      reopened: false,
      estimate: null,
    });
    expect(waiting.visit).toMatchObject({
      requestId: "req-1",
      pseudonym: "Gast 17",
      topicName: "Thema 1",
    });
    expect(hasLiveVisit(waiting)).toBe(true);
  });

  it("stays on the consent step with an explanation when entering fails", () => {
    const view = run(
      [
        { type: "topic_chosen", topicId: 1 },
        { type: "entering" },
        { type: "enter_failed", problem: "rate_limited" },
      ],
      topicsShown,
    );
    expect(view.phase).toMatchObject({ name: "consent", problem: "rate_limited" });
  });
});

describe("waiting", () => {
  it("moves up in the queue live", () => {
    const view = run([server({ type: "queue_position", position: 1, estimate: null })], waiting);
    expect(view.phase).toMatchObject({ name: "waiting", position: 1 });
  });

  it("is told at once when the last counselor leaves, with the grace period", () => {
    const view = run([server({ type: "waiting_room_closing", grace_until: 99_000 })], waiting);
    expect(view.phase).toEqual({
      name: "closing",
      position: 3,
      graceUntil: 99_000,
      estimate: null,
    });
  });

  it("goes on waiting when a counselor comes back during the grace period", () => {
    const view = run(
      [
        server({ type: "waiting_room_closing", grace_until: 99_000 }),
        server({ type: "waiting_room_reopened" }),
      ],
      waiting,
    );
    expect(view.phase).toEqual({ name: "waiting", position: 3, reopened: true, estimate: null });
  });

  it("ends with a clear reason and the next chat hours when the grace period is over", () => {
    const view = run(
      [
        server({ type: "waiting_room_closing", grace_until: 99_000 }),
        server({
          type: "request_ended",
          reason: "nobody_available",
          next_chat_hours: "Mo 10–12 Uhr",
        }),
      ],
      waiting,
    );
    expect(view.phase).toEqual({
      name: "request_ended",
      reason: "nobody_available",
      nextChatHours: "Mo 10–12 Uhr",
    });
    expect(isFinished(view.phase)).toBe(true);
    expect(hasLiveVisit(view)).toBe(false);
  });

  it("ends as withdrawn when the asker leaves", () => {
    expect(run([{ type: "left" }], waiting).phase).toMatchObject({
      name: "request_ended",
      reason: "withdrawn",
    });
  });
});

describe("the chat", () => {
  it("begins when a counselor accepts", () => {
    expect(chatting.phase).toEqual({
      name: "chatting",
      counselorName: "Anna",
      counselorOnline: true,
    });
  });

  it("shows whether the counselor is connected", () => {
    const view = run([server({ type: "counselor_presence_changed", online: false })], chatting);
    expect(view.phase).toMatchObject({ counselorOnline: false });
  });

  it("shows messages once each, in order", () => {
    const mine = message("m2", "c", 20, { from: "asker" });
    const view = run(
      [
        { type: "messages_loaded", messages: [message("m1", "c", 10, { from: "counselor" })] },
        { type: "message_sent", message: mine },
        { type: "messages_loaded", messages: [mine] },
      ],
      chatting,
    );
    expect(view.messages.map((m) => m.id)).toEqual(["m1", "m2"]);
  });

  it("leaves a sealed pushed message to the session, which opens it first", () => {
    const view = run(
      [server({ type: "message_posted", message: message("m1", "c", 10) })],
      chatting,
    );
    expect(view.messages).toEqual([]);
  });

  it("keeps an opened message over a notice for the same message", () => {
    const notice = message("m1", "c", 10, { text: null, problem: "no_key" });
    const view = run(
      [
        { type: "messages_loaded", messages: [notice] },
        { type: "messages_loaded", messages: [message("m1", "c", 10)] },
        { type: "messages_loaded", messages: [notice] },
      ],
      chatting,
    );
    expect(view.messages.map((m) => m.text)).toEqual(["text m1"]);
  });

  it("notes a changed Sicherheitscode until the visit ends", () => {
    const view = run(
      [
        { type: "keys_opened", safetyCode: "1", readersChanged: true, unreadable: false },
        { type: "keys_opened", safetyCode: "2", readersChanged: false, unreadable: false },
      ],
      chatting,
    );
    expect(view.e2e).toEqual({ safetyCode: "2", readersChanged: true, unreadable: false });
  });

  it("becomes read-only when the counselor ends it", () => {
    const view = run(
      [server({ type: "conversation_ended", conversation_id: "c", by: "counselor" })],
      chatting,
    );
    expect(view.phase).toEqual({ name: "chat_ended", counselorName: "Anna", endedBy: "counselor" });
  });

  it("becomes read-only when the asker ends it", () => {
    expect(run([{ type: "ended_by_me" }], chatting).phase).toMatchObject({
      name: "chat_ended",
      endedBy: "asker",
    });
  });

  it("keeps its messages after it ended", () => {
    const view = run(
      [
        { type: "messages_loaded", messages: [message("m1", "c", 10)] },
        server({ type: "conversation_ended", conversation_id: "c", by: "asker" }),
      ],
      chatting,
    );
    expect(view.messages).toHaveLength(1);
  });
});

describe("resuming from the server's state", () => {
  it("restores a wait with an open gate", () => {
    const view = run([
      {
        type: "state_loaded",
        state: askerState({
          state: "waiting",
          position: 2,
          gate_open: true,
          grace_until: null,
          estimate: null,
        }),
      },
    ]);
    expect(view.phase).toEqual({ name: "waiting", position: 2, reopened: false, estimate: null });
    expect(view.visit?.retentionSeconds).toBe(86_400);
  });

  it("restores a wait during the grace period", () => {
    const view = run([
      {
        type: "state_loaded",
        state: askerState({
          state: "waiting",
          position: 1,
          gate_open: false,
          grace_until: 5_000,
          estimate: null,
        }),
      },
    ]);
    expect(view.phase).toEqual({ name: "closing", position: 1, graceUntil: 5_000, estimate: null });
  });

  it("restores a running chat", () => {
    const view = run([
      {
        type: "state_loaded",
        state: askerState({ state: "chatting", counselor_name: "Ben", counselor_online: false }),
      },
    ]);
    expect(view.phase).toEqual({ name: "chatting", counselorName: "Ben", counselorOnline: false });
  });

  it("restores an ended chat as read-only", () => {
    const view = run([
      {
        type: "state_loaded",
        state: askerState({ state: "chat_ended", counselor_name: "Ben", ended_by: "asker" }),
      },
    ]);
    expect(view.phase).toEqual({ name: "chat_ended", counselorName: "Ben", endedBy: "asker" });
  });

  it("restores an ended request with its reason", () => {
    const view = run([
      {
        type: "state_loaded",
        state: askerState({
          state: "request_ended",
          reason: "waited_too_long",
          next_chat_hours: null,
        }),
      },
    ]);
    expect(view.phase).toEqual({
      name: "request_ended",
      reason: "waited_too_long",
      nextChatHours: null,
    });
  });
});

describe("starting over", () => {
  it("forgets the visit and shows the topics again", () => {
    const view = run([{ type: "restart" }], chatting);
    expect(view.visit).toBeNull();
    expect(view.messages).toEqual([]);
    expect(view.phase).toEqual({ name: "choose", unknownLink: false });
  });
});

describe("the waiting-time estimate", () => {
  const estimate = {
    min_minutes: 5,
    max_minutes: 10,
    text_de: "etwa 5–10 Minuten",
    text_en: "about 5–10 minutes",
  };

  it("is shown once the server gives one and follows the queue", () => {
    const view = run([server({ type: "queue_position", position: 2, estimate })], waiting);
    expect(view.phase).toMatchObject({ name: "waiting", position: 2, estimate });
    const later = run([server({ type: "queue_position", position: 1, estimate: null })], view);
    expect(later.phase).toMatchObject({ name: "waiting", position: 1, estimate: null });
  });

  it("comes with the state read after a reload", () => {
    const view = run(
      [
        {
          type: "state_loaded",
          state: askerState({
            state: "waiting",
            position: 3,
            gate_open: true,
            grace_until: null,
            estimate,
          }),
        },
      ],
      waiting,
    );
    expect(view.phase).toMatchObject({ name: "waiting", estimate });
  });

  it("is kept while the waiting room closes and reopens", () => {
    let view = run([server({ type: "queue_position", position: 2, estimate })], waiting);
    view = run([server({ type: "waiting_room_closing", grace_until: 9_000 })], view);
    expect(view.phase).toMatchObject({ name: "closing", estimate });
    view = run([server({ type: "waiting_room_reopened" })], view);
    expect(view.phase).toMatchObject({ name: "waiting", estimate });
  });
});
