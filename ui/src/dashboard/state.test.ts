import { describe, expect, it } from "vitest";
import {
  availability,
  availableNow,
  conversation,
  coverage,
  me,
  message,
  request,
} from "../test/fixtures";
import {
  endedConversations,
  freeSeats,
  initialDashboard,
  reduceDashboard,
  runningConversations,
  totalUnread,
  uncoveredBySwitchingOff,
  type DashboardAction,
  type DashboardEvent,
  type DashboardState,
} from "./state";

const server = (event: DashboardEvent, at = 0): DashboardAction => ({ type: "server", event, at });
const run = (actions: DashboardAction[], from: DashboardState = initialDashboard) =>
  actions.reduce(reduceDashboard, from);

const available = run([{ type: "me_loaded", me: me({ availability: availableNow() }) }]);
const withRequests = (...requests: ReturnType<typeof request>[]) =>
  run([{ type: "requests_loaded", requests }], available);

describe("availability", () => {
  it("comes from the counselor's profile after login", () => {
    const state = run([{ type: "me_loaded", me: me() }]);
    expect(state.availability?.switched_on).toBe(false);
  });

  it("follows a switch made on another device, with the reason", () => {
    const state = run(
      [server({ type: "availability_changed", availability: availableNow(), reason: "toggle" })],
      run([{ type: "me_loaded", me: me() }]),
    );
    expect(state.availability?.available).toBe(true);
    expect(state.availabilityReason).toBe("toggle");
    expect(state.me?.availability.available).toBe(true);
  });

  it("hides the requests and their alerts when it goes off", () => {
    let state = withRequests(request("r1", 10));
    state = run(
      [server({ type: "request_created", request: request("r2", 20), notify: true })],
      state,
    );
    state = run(
      [
        server({
          type: "availability_changed",
          availability: availability({ switched_on: false }),
          reason: "connection_lost",
        }),
      ],
      state,
    );
    expect(state.requests).toEqual([]);
    expect(state.requestsLoaded).toBe(false);
    expect(state.alerts).toEqual([]);
    expect(state.availabilityReason).toBe("connection_lost");
  });

  it("keeps the reason when a new socket is merely told the state it already knew", () => {
    const off = availability({ switched_on: false });
    let state = run([
      { type: "me_loaded", me: me({ availability: availableNow() }) },
      { type: "availability_set", availability: off, reason: "connection_lost" },
    ]);
    state = run([server({ type: "availability_changed", availability: off, reason: null })], state);
    expect(state.availabilityReason).toBe("connection_lost");
    // A switch that moved without a reason forgets the old one.
    state = run(
      [server({ type: "availability_changed", availability: availableNow(), reason: null })],
      state,
    );
    expect(state.availabilityReason).toBeNull();
  });

  it("counts as not available while the connection is lost, the switch still on", () => {
    const state = run([{ type: "connection_lost" }], withRequests(request("r1", 10)));
    expect(state.availability).toMatchObject({ switched_on: true, available: false });
    expect(state.requests).toEqual([]);
  });
});

describe("the live-chat request list", () => {
  it("lists requests oldest first", () => {
    const state = withRequests(request("late", 300), request("early", 100), request("mid", 200));
    expect(state.requests.map((r) => r.id)).toEqual(["early", "mid", "late"]);
  });

  it("adds a new request in its place by waiting time", () => {
    let state = withRequests(request("a", 100), request("c", 300));
    state = run(
      [server({ type: "request_created", request: request("b", 200), notify: true })],
      state,
    );
    expect(state.requests.map((r) => r.id)).toEqual(["a", "b", "c"]);
  });

  it("does not list a request twice when its event repeats", () => {
    let state = withRequests(request("a", 100));
    state = run(
      [server({ type: "request_created", request: request("a", 100), notify: true })],
      state,
    );
    expect(state.requests).toHaveLength(1);
  });

  it("removes a request another counselor took", () => {
    let state = withRequests(request("a", 100), request("b", 200));
    state = run(
      [server({ type: "request_taken", request_id: "a", topic_id: 1, by_you: false })],
      state,
    );
    expect(state.requests.map((r) => r.id)).toEqual(["b"]);
  });

  it("removes a request whose asker left", () => {
    let state = withRequests(request("a", 100));
    state = run(
      [server({ type: "request_withdrawn", request_id: "a", topic_id: 1, reason: "withdrawn" })],
      state,
    );
    expect(state.requests).toEqual([]);
  });

  it("ignores requests while the counselor is not available", () => {
    const state = run(
      [server({ type: "request_created", request: request("a", 1), notify: true })],
      run([{ type: "me_loaded", me: me() }]),
    );
    expect(state.requests).toEqual([]);
    expect(state.alerts).toEqual([]);
  });

  it("ignores a late list answer once availability went off", () => {
    const off = run([{ type: "me_loaded", me: me() }]);
    expect(run([{ type: "requests_loaded", requests: [request("a", 1)] }], off).requests).toEqual(
      [],
    );
  });
});

describe("alerts for new requests", () => {
  it("raises an alert for a request that arrives live, not for the ones already listed", () => {
    let state = withRequests(request("old", 1));
    expect(state.alerts).toEqual([]);
    state = run(
      [server({ type: "request_created", request: request("new", 2), notify: true })],
      state,
    );
    expect(state.alerts.map((a) => a.requestId)).toEqual(["new"]);
  });

  it("drops the alert when the request is gone", () => {
    let state = run(
      [server({ type: "request_created", request: request("a", 2), notify: true })],
      available,
    );
    state = run(
      [server({ type: "request_taken", request_id: "a", topic_id: 1, by_you: false })],
      state,
    );
    expect(state.alerts).toEqual([]);
  });

  it("drops all alerts when dismissed", () => {
    let state = run(
      [server({ type: "request_created", request: request("a", 2), notify: true })],
      available,
    );
    state = run([{ type: "alert_dismissed" }], state);
    expect(state.alerts).toEqual([]);
    expect(state.requests).toHaveLength(1);
  });
});

describe("conversations", () => {
  const loaded = run(
    [
      {
        type: "conversations_loaded",
        conversations: [
          conversation("ended", { ended_at: 5_000, ended_by: "asker" }),
          conversation("running", { message_count: 3 }),
        ],
      },
    ],
    available,
  );

  it("lists running chats before ended ones", () => {
    expect(loaded.conversations.map((c) => c.id)).toEqual(["running", "ended"]);
    expect(runningConversations(loaded).map((c) => c.id)).toEqual(["running"]);
    expect(endedConversations(loaded).map((c) => c.id)).toEqual(["ended"]);
  });

  it("starts without unread messages on first load", () => {
    expect(totalUnread(loaded)).toBe(0);
  });

  it("counts an asker's message as unread while the chat is not open", () => {
    const state = run(
      [server({ type: "message_posted", message: message("m1", "running", 9_000) })],
      loaded,
    );
    const running = state.conversations.find((c) => c.id === "running");
    expect(running?.unread).toBe(1);
    expect(running?.message_count).toBe(4);
    expect(running?.last_message_at).toBe(9_000);
  });

  it("does not count the counselor's own messages as unread", () => {
    const state = run(
      [
        server({
          type: "message_posted",
          message: message("m1", "running", 9_000, { from: "counselor" }),
        }),
      ],
      loaded,
    );
    expect(totalUnread(state)).toBe(0);
  });

  it("does not count messages of the open chat as unread", () => {
    const state = run(
      [
        { type: "conversation_opened", conversationId: "running" },
        server({ type: "message_posted", message: message("m1", "running", 9_000) }),
      ],
      loaded,
    );
    expect(totalUnread(state)).toBe(0);
  });

  it("clears the unread count when the chat is opened", () => {
    const state = run(
      [
        server({ type: "message_posted", message: message("m1", "running", 9_000) }),
        server({ type: "message_posted", message: message("m2", "running", 9_001) }),
        { type: "conversation_opened", conversationId: "running" },
      ],
      loaded,
    );
    expect(totalUnread(state)).toBe(0);
  });

  it("counts messages missed while disconnected as unread after the re-read", () => {
    const state = run(
      [
        {
          type: "conversations_loaded",
          conversations: [
            conversation("ended", { ended_at: 5_000, ended_by: "asker" }),
            conversation("running", { message_count: 5, last_message_at: 9_000 }),
          ],
        },
      ],
      loaded,
    );
    expect(state.conversations.find((c) => c.id === "running")?.unread).toBe(2);
  });

  it("shows a message once although it arrives as send answer and as event", () => {
    const m = message("m1", "running", 9_000, { from: "counselor" });
    const state = run(
      [
        { type: "conversation_opened", conversationId: "running" },
        { type: "messages_loaded", conversationId: "running", messages: [] },
        { type: "message_sent", message: m },
        server({ type: "message_posted", message: m }),
      ],
      loaded,
    );
    expect(state.messages["running"]).toHaveLength(1);
    expect(state.conversations.find((c) => c.id === "running")?.message_count).toBe(4);
  });

  it("keeps messages that arrived before the history was read", () => {
    const state = run(
      [
        { type: "conversation_opened", conversationId: "running" },
        { type: "messages_loaded", conversationId: "running", messages: [] },
        server({ type: "message_posted", message: message("new", "running", 9_000) }),
        {
          type: "messages_loaded",
          conversationId: "running",
          messages: [message("old", "running", 1_000)],
        },
      ],
      loaded,
    );
    expect(state.messages["running"]?.map((m) => m.id)).toEqual(["old", "new"]);
  });

  it("adds a chat accepted on another device", () => {
    const state = run(
      [
        server({
          type: "conversation_started",
          conversation: conversation("fresh", { started_at: 9_999 }),
        }),
      ],
      loaded,
    );
    expect(state.conversations[0]?.id).toBe("fresh");
  });

  it("shows whether the asker is there", () => {
    const state = run(
      [server({ type: "asker_presence_changed", conversation_id: "running", online: false })],
      loaded,
    );
    expect(state.conversations.find((c) => c.id === "running")?.asker_online).toBe(false);
  });

  it("marks a chat ended by the asker as ended, read-only", () => {
    const state = run(
      [server({ type: "conversation_ended", conversation_id: "running", by: "asker" }, 7_000)],
      loaded,
    );
    const ended = state.conversations.find((c) => c.id === "running");
    expect(ended?.ended_at).toBe(7_000);
    expect(ended?.ended_by).toBe("asker");
    expect(runningConversations(state)).toEqual([]);
  });
});

describe("the last-counselor confirmation", () => {
  const last = (topic_id: number, topic_name: string, waiting: number) => ({
    topic_id,
    topic_name,
    waiting,
  });
  const lastFor = (...covers: ReturnType<typeof last>[]) =>
    run([{ type: "me_loaded", me: me({ availability: { ...availableNow(), last_for: covers } }) }]);

  it("asks when the server says the counselor is the last one of a topic in which askers wait", () => {
    const state = lastFor(last(1, "Suchtberatung", 3), last(2, "Schwangerschaftsberatung", 0));
    expect(uncoveredBySwitchingOff(state)).toEqual([
      { topicId: 1, topicName: "Suchtberatung", waiting: 3 },
    ]);
  });

  it("does not ask when nobody waits", () => {
    expect(uncoveredBySwitchingOff(lastFor(last(1, "Suchtberatung", 0)))).toEqual([]);
  });

  it("does not ask when the server counts colleagues, whatever the coverage table shows", () => {
    const state = run([{ type: "coverage_loaded", coverage: [coverage(1, 1, 5)] }], lastFor());
    expect(uncoveredBySwitchingOff(state)).toEqual([]);
  });

  it("does not ask when the counselor is not available anyway", () => {
    const state = run([{ type: "me_loaded", me: me() }]);
    expect(uncoveredBySwitchingOff(state)).toEqual([]);
  });

  it("follows the server when it says again who is the last one", () => {
    let state = lastFor();
    expect(uncoveredBySwitchingOff(state)).toEqual([]);
    state = run(
      [
        server({
          type: "availability_changed",
          availability: { ...availableNow(), last_for: [last(1, "Suchtberatung", 2)] },
          reason: null,
        }),
      ],
      state,
    );
    expect(uncoveredBySwitchingOff(state).map((t) => t.waiting)).toEqual([2]);
  });
});

describe("the session", () => {
  it("records that the server ended it", () => {
    const state = run([server({ type: "session_ended", reason: "expired" })], available);
    expect(state.sessionEnded).toBe("expired");
  });
});

describe("shift reminders", () => {
  const reminder = (notice: "started" | "ended" | "switched_off"): DashboardEvent => ({
    type: "shift_reminder",
    notice,
    topic_id: 1,
    topic_name: "Suchtberatung",
    starts_at: 1_000,
    ends_at: 2_000,
  });
  const notAvailable = run([{ type: "me_loaded", me: me() }]);

  it("shows that a shift begins while not available, until switched on", () => {
    let state = run([server(reminder("started"))], notAvailable);
    expect(state.shiftReminder).toEqual({
      notice: "started",
      topicName: "Suchtberatung",
      startsAt: 1_000,
      endsAt: 2_000,
    });
    state = run(
      [server({ type: "availability_changed", availability: availableNow(), reason: "toggle" })],
      state,
    );
    expect(state.shiftReminder).toBeNull();
  });

  it("ignores a reminder to switch on once available", () => {
    expect(run([server(reminder("started"))], available).shiftReminder).toBeNull();
  });

  it("keeps the reminder to switch off until the switch is off", () => {
    let state = run([server(reminder("ended"))], available);
    expect(state.shiftReminder?.notice).toBe("ended");
    state = run(
      [
        server({
          type: "availability_changed",
          availability: availability({ switched_on: false }),
          reason: "toggle",
        }),
      ],
      state,
    );
    expect(state.shiftReminder).toBeNull();
  });

  it("tells of the automatic switch-off with its reason until dismissed", () => {
    let state = run(
      [
        server({
          type: "availability_changed",
          availability: availability({ switched_on: false }),
          reason: "shift_ended",
        }),
        server(reminder("switched_off")),
      ],
      available,
    );
    expect(state.availabilityReason).toBe("shift_ended");
    expect(state.shiftReminder?.notice).toBe("switched_off");
    state = run([{ type: "shift_reminder_dismissed" }], state);
    expect(state.shiftReminder).toBeNull();
  });
});

describe("seats", () => {
  it("lists a request that comes without a free seat but raises no alert", () => {
    const state = run(
      [server({ type: "request_created", request: request("a", 1), notify: false })],
      available,
    );
    expect(state.requests.map((r) => r.id)).toEqual(["a"]);
    expect(state.alerts).toEqual([]);
  });

  it("knows the free seats per topic, none listed meaning no limit", () => {
    const limited = run([
      {
        type: "me_loaded",
        me: me({
          availability: { ...availableNow(), seats: [{ topic_id: 1, limit: 2, free: 0 }] },
        }),
      },
    ]);
    expect(freeSeats(limited, 1)).toBe(0);
    expect(freeSeats(limited, 2)).toBeNull();
  });
});

describe("the administration", () => {
  it("says why it switched the counselor off until they switch on again", () => {
    const off = availability();
    let state = run(
      [
        server({ type: "switched_off_by_operator", reason: "Schicht vorbei" }),
        server({ type: "availability_changed", availability: off, reason: "operator" }),
      ],
      available,
    );
    expect(state.operatorReason).toBe("Schicht vorbei");
    expect(state.availabilityReason).toBe("operator");
    expect(state.availability?.switched_on).toBe(false);
    state = run(
      [{ type: "availability_set", availability: availableNow(), reason: "toggle" }],
      state,
    );
    expect(state.operatorReason).toBeNull();
  });

  it("keeps the live overview an operator's socket pushed last", () => {
    const overview = {
      topics: [
        {
          topic_id: 1,
          topic_name: "Suchtberatung",
          live_chat: true,
          gate_open: true,
          available_counselors: ["Bernd"],
          free_seats: null,
          waiting: 2,
          oldest_waiting_since: 1000,
          running_chats: 1,
        },
      ],
    };
    const state = run([server({ type: "overview_changed", overview })], available);
    expect(state.overview).toEqual(overview);
  });
});
