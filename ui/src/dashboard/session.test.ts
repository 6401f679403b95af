import { beforeEach, describe, expect, it, vi } from "vitest";
import type { CounselorApi } from "../api/counselor";
import {
  apiFailure,
  fakeLive,
  networkFailure,
  okResult,
  settle,
  type FakeLive,
} from "../test/fakes";
import {
  availability,
  availableNow,
  conversation,
  coverage,
  me,
  message,
  request,
} from "../test/fixtures";
import { fakeE2eServer, type FakeE2eServer } from "../test/e2e";
import type { AcceptRequest, LiveChatRequest, Me, Message, NewKey, Sealed } from "../wire/types";
import { chatSafetyCode } from "../crypto/conversation";
import {
  decodeWrapped,
  encodeWrapped,
  fromBase64Url,
  newContentKey,
  openMessage,
  sealMessage,
  toBase64Url,
  unwrapContentKey,
  wrapContentKey,
} from "../crypto/e2e";
import { deviceName, memoryKeyStore, type DeviceKeyStore } from "./devices";
import { CounselorSession } from "./session";
import { uncoveredBySwitchingOff } from "./state";

/** The server's answer with every request on one page. */
const onePage = (requests: LiveChatRequest[]) => ({ requests, total: requests.length });

/** The devices and keys as the server keeps them; new for each test. */
let e2e: FakeE2eServer;
beforeEach(async () => {
  e2e = await fakeE2eServer();
});

function fakeApi(over: Partial<CounselorApi> = {}): CounselorApi {
  let seq = 100;
  return {
    ...e2e.counselorApi,
    logout: vi.fn(async () => okResult(undefined)),
    me: vi.fn(async () => okResult(me())),
    switchAvailability: vi.fn(async (on: boolean) =>
      okResult(on ? availableNow() : availability({ switched_on: false })),
    ),
    goOffline: vi.fn(async () => okResult(availability())),
    setAbsence: vi.fn(async () => okResult(availability({ absent: true }))),
    coverage: vi.fn(async () => okResult({ topics: [coverage(1, 1, 0)] })),
    statistics: vi.fn(),
    downloadStatistics: vi.fn(),
    requests: vi.fn(async () => okResult(onePage([]))),
    accept: vi.fn(async (id: string) => okResult(conversation(`conv-${id}`))),
    conversations: vi.fn(async () => okResult({ conversations: [] })),
    conversation: vi.fn(async (id: string) => okResult(conversation(id))),
    messages: vi.fn(async () => okResult({ messages: [] })),
    send: vi.fn(async (id: string, sealed: Sealed) => okResult(e2e.stored(id, sealed, ++seq))),
    end: vi.fn(async () => okResult(undefined)),
    ...over,
  } as CounselorApi;
}

/**
 * Answers of one API call that the test hands out itself, in whatever order it likes: as the
 * network may deliver the answers of two calls in flight.
 */
function heldAnswers<T>() {
  const pending: ((value: T) => void)[] = [];
  return {
    call: vi.fn(() => new Promise<T>((resolve) => pending.push(resolve))),
    /** How many calls wait for their answer. */
    get waiting() {
      return pending.length;
    },
    /** Answers the call number `index` (0 = the first one made) of those still waiting. */
    answer(index: number, value: T) {
      const [resolve] = pending.splice(index, 1);
      resolve!(value);
    },
    /** Answers every waiting call, the last one made first. */
    answerAllNewestFirst(value: T) {
      while (pending.length > 0) pending.pop()!(value);
    },
  };
}

type RequestsAnswer = Awaited<ReturnType<CounselorApi["requests"]>>;
type MeAnswer = Awaited<ReturnType<CounselorApi["me"]>>;
type SwitchAnswer = Awaited<ReturnType<CounselorApi["switchAvailability"]>>;
type CoverageAnswer = Awaited<ReturnType<CounselorApi["coverage"]>>;
type ConversationsAnswer = Awaited<ReturnType<CounselorApi["conversations"]>>;
const requestList = (...requests: LiveChatRequest[]): RequestsAnswer =>
  okResult({ requests, total: requests.length });

function startSession(
  api: CounselorApi,
  profile: Me = me(),
  extra: {
    logout?: () => Promise<ReturnType<typeof okResult<undefined>>>;
    keyStore?: DeviceKeyStore;
  } = {},
) {
  let live!: FakeLive;
  const onNewRequest = vi.fn();
  const onEnded = vi.fn();
  const session = new CounselorSession(
    {
      api,
      connect: (shouldRetry) => (live = fakeLive(shouldRetry)),
      now: () => 42,
      onNewRequest,
      onEnded,
      keyStore: memoryKeyStore(),
      deviceName: "Chromium unter Linux",
      ...extra,
    },
    profile,
  );
  session.start();
  return { session, live: () => live, onNewRequest, onEnded };
}

describe("a counselor session", () => {
  it("re-reads profile, conversations and coverage when the connection is ready", async () => {
    const api = fakeApi();
    const { session, live } = startSession(api);
    live().emit({ type: "ready" });
    await settle();
    expect(api.me).toHaveBeenCalled();
    expect(api.conversations).toHaveBeenCalled();
    expect(api.coverage).toHaveBeenCalled();
    expect(session.current.coverage).toHaveLength(1);
    expect(session.connection.get()).toBe("connected");
  });

  it("reads the requests only while available", async () => {
    const api = fakeApi();
    const { live } = startSession(api);
    live().emit({ type: "ready" });
    await settle();
    expect(api.requests).not.toHaveBeenCalled();

    const api2 = fakeApi({ me: vi.fn(async () => okResult(me({ availability: availableNow() }))) });
    const second = startSession(api2, me({ availability: availableNow() }));
    second.live().emit({ type: "ready" });
    await settle();
    expect(api2.requests).toHaveBeenCalled();
  });

  it("re-reads everything again after every reconnect", async () => {
    const api = fakeApi();
    const { live } = startSession(api);
    live().emit({ type: "ready" });
    await settle();
    live().setState("reconnecting");
    live().emit({ type: "ready" });
    await settle();
    expect(api.conversations).toHaveBeenCalledTimes(2);
  });

  it("reads the requests when availability is switched on elsewhere", async () => {
    const api = fakeApi({
      requests: vi.fn(async () => okResult(onePage([request("r1", 1)]))),
    });
    const { session, live } = startSession(api);
    live().emit({ type: "availability_changed", availability: availableNow(), reason: "toggle" });
    await settle();
    expect(session.current.requests.map((r) => r.id)).toEqual(["r1"]);
  });

  it("re-reads the request list, coverage and availability when the server says it left events out", async () => {
    const api = fakeApi({
      me: vi.fn(async () => okResult(me({ availability: availableNow() }))),
      requests: vi.fn(async () => okResult(onePage([request("r1", 1), request("r2", 2)]))),
    });
    const { session, live } = startSession(api, me({ availability: availableNow() }));
    live().emit({ type: "requests_changed" });
    await settle();
    expect(api.requests).toHaveBeenCalledTimes(1);
    expect(api.me).toHaveBeenCalled();
    expect(api.coverage).toHaveBeenCalled();
    expect(session.current.requests.map((r) => r.id)).toEqual(["r1", "r2"]);
  });

  it("keeps a request that was withdrawn while the list was being read out of the list", async () => {
    type Answer = Awaited<ReturnType<CounselorApi["requests"]>>;
    let answer!: (value: Answer) => void;
    const api = fakeApi({
      requests: vi.fn(() => new Promise<Answer>((resolve) => (answer = resolve))),
    });
    const { session, live } = startSession(api, me({ availability: availableNow() }));
    const loading = session.loadRequests();
    live().emit({
      type: "request_withdrawn",
      request_id: "gone",
      topic_id: 1,
      reason: "withdrawn",
    });
    live().emit({ type: "request_created", request: request("new", 30), notify: true });
    answer(okResult(onePage([request("gone", 10), request("old", 20)])));
    await loading;
    expect(session.current.requests.map((r) => r.id)).toEqual(["old", "new"]);
  });

  it("tells the page about a new request so it can alert and play the sound", async () => {
    const { live, onNewRequest } = startSession(fakeApi(), me({ availability: availableNow() }));
    live().emit({ type: "request_created", request: request("r1", 1), notify: true });
    live().emit({ type: "request_created", request: request("r1", 1), notify: true });
    expect(onNewRequest).toHaveBeenCalledTimes(1);
  });

  it("does not alert for requests while unavailable", () => {
    const { live, onNewRequest } = startSession(fakeApi());
    live().emit({ type: "request_created", request: request("r1", 1), notify: true });
    expect(onNewRequest).not.toHaveBeenCalled();
  });

  it("switches availability on and lists the waiting requests", async () => {
    const api = fakeApi({
      requests: vi.fn(async () => okResult(onePage([request("r1", 1)]))),
    });
    const { session } = startSession(api);
    expect(await session.switchAvailability(true)).toBeNull();
    expect(api.switchAvailability).toHaveBeenCalledWith(true);
    expect(session.current.availability?.available).toBe(true);
    expect(session.current.requests).toHaveLength(1);
  });

  it("reports the absent error when switching on during an absence", async () => {
    const api = fakeApi({ switchAvailability: vi.fn(async () => apiFailure("absent")) });
    const { session } = startSession(api);
    const failure = await session.switchAvailability(true);
    expect(failure).toMatchObject({ kind: "api", code: "absent" });
  });

  it("opens the new chat after accepting and removes the request", async () => {
    const api = fakeApi({
      requests: vi.fn(async () => okResult(onePage([request("r1", 1)]))),
    });
    const { session } = startSession(api, me({ availability: availableNow() }));
    await session.loadRequests();
    const result = await session.accept("r1");
    expect(result.ok).toBe(true);
    expect(session.current.requests).toEqual([]);
    expect(session.current.conversations.map((c) => c.id)).toEqual(["conv-r1"]);
  });

  it("removes the request and reports it when a colleague was faster", async () => {
    const api = fakeApi({
      requests: vi.fn(async () => okResult(onePage([request("r1", 1)]))),
      accept: vi.fn(async () => apiFailure("already_taken")),
    });
    const { session } = startSession(api, me({ availability: availableNow() }));
    await session.loadRequests();
    const result = await session.accept("r1");
    expect(!result.ok && result.failure).toMatchObject({ code: "already_taken" });
    expect(session.current.requests).toEqual([]);
  });

  it("keeps the request when accepting failed for lack of network", async () => {
    const api = fakeApi({
      requests: vi.fn(async () => okResult(onePage([request("r1", 1)]))),
      accept: vi.fn(async () => networkFailure()),
    });
    const { session } = startSession(api, me({ availability: availableNow() }));
    await session.loadRequests();
    await session.accept("r1");
    expect(session.current.requests).toHaveLength(1);
  });

  it("loads the history of a chat when it is opened", async () => {
    const api = fakeApi({
      conversations: vi.fn(async () => okResult({ conversations: [conversation("c1")] })),
      messages: vi.fn(async () => okResult({ messages: [message("m1", "c1", 1)] })),
    });
    const { session, live } = startSession(api);
    live().emit({ type: "ready" });
    await settle();
    await session.openConversation("c1");
    expect(session.current.openConversationId).toBe("c1");
    expect(session.current.messages["c1"]).toHaveLength(1);
  });

  it("re-reads the open chat's messages after a reconnect", async () => {
    const api = fakeApi({
      conversations: vi.fn(async () => okResult({ conversations: [conversation("c1")] })),
    });
    const { session, live } = startSession(api);
    await session.openConversation("c1");
    live().emit({ type: "ready" });
    await settle();
    expect(api.messages).toHaveBeenCalledTimes(2);
  });

  it("adds the sent message to the chat", async () => {
    const { session } = startSession(fakeApi());
    await session.openConversation("c1");
    expect(await session.send("c1", "Hallo")).toBeNull();
    expect(session.current.messages["c1"]?.map((m) => m.text)).toEqual(["Hallo"]);
  });

  it("marks a chat ended after ending it", async () => {
    const api = fakeApi({
      conversations: vi.fn(async () => okResult({ conversations: [conversation("c1")] })),
      conversation: vi.fn(async () =>
        okResult(conversation("c1", { ended_at: 50, ended_by: "counselor" })),
      ),
    });
    const { session, live } = startSession(api);
    live().emit({ type: "ready" });
    await settle();
    expect(await session.end("c1")).toBeNull();
    expect(session.current.conversations[0]).toMatchObject({ ended_by: "counselor" });
  });

  it("counts as not available while the connection is lost, the switch still on", async () => {
    const api = fakeApi({
      me: vi.fn(async () => okResult(me({ availability: availableNow() }))),
      requests: vi.fn(async () => okResult(onePage([request("r1", 1)]))),
    });
    const { session, live } = startSession(api, me({ availability: availableNow() }));
    live().emit({ type: "ready" });
    await settle();
    expect(session.current.requests).toHaveLength(1);

    live().setState("reconnecting");
    expect(session.current.availability).toMatchObject({ switched_on: true, available: false });
    expect(session.current.requests).toEqual([]);

    live().emit({ type: "ready" });
    await settle();
    expect(session.current.availability?.available).toBe(true);
    expect(session.current.availabilityReason).not.toBe("connection_lost");
    expect(session.current.requests).toHaveLength(1);
  });

  it("says the connection was the reason when the switch went off while it was lost", async () => {
    const off = availability({ switched_on: false });
    const api = fakeApi({ me: vi.fn(async () => okResult(me({ availability: availableNow() }))) });
    const { session, live } = startSession(api, me({ availability: availableNow() }));
    live().emit({ type: "ready" });
    await settle();
    live().setState("reconnecting");
    vi.mocked(api.me).mockImplementation(async () => okResult(me({ availability: off })));
    live().emit({ type: "ready" });
    // The server tells the new socket the current availability, without a reason.
    live().emit({ type: "availability_changed", availability: off, reason: null });
    await settle();
    expect(session.current.availability?.switched_on).toBe(false);
    expect(session.current.availabilityReason).toBe("connection_lost");
  });

  it("asks for the statistics from the counselor's midnight", async () => {
    const api = fakeApi({ statistics: vi.fn(async () => networkFailure()) });
    const session = new CounselorSession(
      {
        api,
        connect: () => fakeLive(),
        now: () => 0,
        utcOffsetMinutes: () => 60,
        keyStore: memoryKeyStore(),
        deviceName: "Test",
      },
      me(),
    );
    await session.statistics("2026-11-01", "2026-11-30");
    expect(api.statistics).toHaveBeenCalledWith({
      from: "2026-11-01",
      to: "2026-11-30",
      utcOffsetMinutes: 60,
    });
  });

  it("ends when the server ends the session", () => {
    const { session, live, onEnded } = startSession(fakeApi());
    live().emit({ type: "session_ended", reason: "logged_out" });
    expect(onEnded).toHaveBeenCalledWith("logged_out");
    expect(live().closed).toBe(true);
    expect(session.connection.get()).toBe("closed");
  });

  it("ends as expired when the server no longer knows the token", async () => {
    const api = fakeApi({ me: vi.fn(async () => apiFailure("unauthorized", 401)) });
    const { live, onEnded } = startSession(api);
    expect(await live().shouldRetry!()).toBe(false);
    expect(onEnded).toHaveBeenCalledWith("expired");
  });

  it("keeps retrying while the server is merely unreachable", async () => {
    const api = fakeApi({ me: vi.fn(async () => networkFailure()) });
    const { live, onEnded } = startSession(api);
    expect(await live().shouldRetry!()).toBe(true);
    expect(onEnded).not.toHaveBeenCalled();
  });

  it("logs out on the server and closes the connection", async () => {
    const api = fakeApi();
    const { session, live, onEnded } = startSession(api);
    expect(await session.logout()).toBeNull();
    expect(api.logout).toHaveBeenCalled();
    expect(live().closed).toBe(true);
    expect(onEnded).toHaveBeenCalledWith("logged_out");
  });

  it("logs out locally even when the server cannot be reached, and says so", async () => {
    const { session, onEnded } = startSession(
      fakeApi({ logout: vi.fn(async () => networkFailure()) }),
    );
    expect(await session.logout()).toEqual({ kind: "network" });
    expect(onEnded).toHaveBeenCalledWith("logged_out");
  });

  it("takes an availability the desktop shell learned, and lists the requests when it came on", async () => {
    const api = fakeApi({
      requests: vi.fn(async () => okResult(onePage([request("r1", 1)]))),
    });
    const { session } = startSession(api);
    session.receive({ type: "availability_changed", availability: availableNow(), reason: null });
    await settle();
    expect(session.current.availability?.available).toBe(true);
    expect(session.current.requests.map((r) => r.id)).toEqual(["r1"]);
  });

  it("ends when the desktop shell says the session ended, once", () => {
    const { session, live, onEnded } = startSession(fakeApi());
    session.endedElsewhere("logged_out");
    session.endedElsewhere("logged_out");
    session.receive({ type: "availability_changed", availability: availableNow(), reason: null });
    expect(onEnded).toHaveBeenCalledTimes(1);
    expect(onEnded).toHaveBeenCalledWith("logged_out");
    expect(live().closed).toBe(true);
    expect(session.current.availability?.available).toBe(false);
  });

  it("logs out the host's way when the host has one (the desktop shell)", async () => {
    const api = fakeApi();
    const logout = vi.fn(async () => okResult(undefined));
    const { session, onEnded } = startSession(api, me(), { logout });
    expect(await session.logout()).toBeNull();
    expect(logout).toHaveBeenCalledTimes(1);
    expect(api.logout).not.toHaveBeenCalled();
    expect(onEnded).toHaveBeenCalledWith("logged_out");
  });
});

describe("a counselor session whose answers and events cross on the way", () => {
  it("keeps a request announced while two list reads overlap, when the older read answers last", async () => {
    const reads = heldAnswers<RequestsAnswer>();
    const api = fakeApi({ requests: reads.call });
    const { session } = startSession(api, me({ availability: availableNow() }));
    const first = session.loadRequests();
    const second = session.loadRequests();
    // Created after the first read was answered on the server, before the second one.
    session.receive({ type: "request_created", request: request("new", 30), notify: true });
    reads.answer(1, requestList(request("new", 30)));
    await second;
    reads.answer(0, requestList());
    await first;
    expect(session.current.requests.map((r) => r.id)).toEqual(["new"]);
  });

  it("keeps a request announced right after switching on, whichever list answer comes last", async () => {
    const reads = heldAnswers<RequestsAnswer>();
    const switches = heldAnswers<SwitchAnswer>();
    const api = fakeApi({ requests: reads.call, switchAvailability: switches.call });
    const { session, live } = startSession(api);
    live().emit({ type: "ready" });
    await settle();
    const switching = session.switchAvailability(true);
    // The server switched on: its event comes over the socket before the HTTP answer.
    live().emit({ type: "availability_changed", availability: availableNow(), reason: "toggle" });
    switches.answer(0, okResult(availableNow()));
    await settle();
    // An asker enters while the list is being read. However many reads the dashboard made,
    // the server answered them before the request existed, and the newest answer comes first.
    live().emit({ type: "request_created", request: request("new", 30), notify: true });
    reads.answerAllNewestFirst(requestList());
    await switching;
    await settle();
    expect(session.current.availability?.available).toBe(true);
    expect(session.current.requests.map((r) => r.id)).toEqual(["new"]);
  });

  it("reads the list once when switching on, although both the answer and the event say so", async () => {
    const api = fakeApi();
    const { session, live } = startSession(api);
    live().emit({ type: "ready" });
    await settle();
    const switching = session.switchAvailability(true);
    live().emit({ type: "availability_changed", availability: availableNow(), reason: "toggle" });
    await switching;
    await settle();
    expect(api.requests).toHaveBeenCalledTimes(1);
    expect(session.current.requestsLoaded).toBe(true);
  });

  it("stays available when the profile read at connecting answers only after the switch went on", async () => {
    const profiles = heldAnswers<MeAnswer>();
    const api = fakeApi({ me: profiles.call });
    const { session, live, onNewRequest } = startSession(api);
    live().emit({ type: "ready" });
    await settle();
    // The server read the profile before the switch; its answer is slow.
    expect(profiles.waiting).toBe(1);
    await session.switchAvailability(true);
    live().emit({ type: "availability_changed", availability: availableNow(), reason: "toggle" });
    profiles.answer(0, okResult(me()));
    await settle();
    expect(session.current.availability).toMatchObject({ switched_on: true, available: true });
    live().emit({ type: "request_created", request: request("new", 30), notify: true });
    expect(session.current.requests.map((r) => r.id)).toEqual(["new"]);
    expect(onNewRequest).toHaveBeenCalledTimes(1);
  });

  it("takes the profile's availability when nothing newer was heard while it was read", async () => {
    const api = fakeApi({ me: vi.fn(async () => okResult(me({ availability: availableNow() }))) });
    const { session, live } = startSession(api);
    live().emit({ type: "ready" });
    await settle();
    expect(session.current.availability?.available).toBe(true);
    expect(api.requests).toHaveBeenCalledTimes(1);
  });

  it("does not switch back on when another device switched off after this one switched on", async () => {
    const switches = heldAnswers<SwitchAnswer>();
    const api = fakeApi({ switchAvailability: switches.call });
    const { session, live } = startSession(api);
    live().emit({ type: "ready" });
    await settle();
    const switching = session.switchAvailability(true);
    live().emit({ type: "availability_changed", availability: availableNow(), reason: "toggle" });
    // The tray of the desktop app switched off right after; the web answer comes last.
    const off = availability({ switched_on: false });
    live().emit({ type: "availability_changed", availability: off, reason: "toggle" });
    switches.answer(0, okResult(availableNow()));
    await switching;
    expect(session.current.availability).toMatchObject({ switched_on: false, available: false });
    expect(session.current.requests).toEqual([]);
  });

  it("takes the switch's answer while the socket is away and tells nothing newer", async () => {
    const api = fakeApi({
      switchAvailability: vi.fn(async () =>
        okResult(availability({ switched_on: true, available: false, online: false })),
      ),
    });
    const { session } = startSession(api);
    expect(await session.switchAvailability(true)).toBeNull();
    expect(session.current.availability).toMatchObject({ switched_on: true, available: false });
  });

  it("shows no request from a list read before the connection broke, when its answer comes late", async () => {
    const reads = heldAnswers<RequestsAnswer>();
    const api = fakeApi({
      me: vi.fn(async () => okResult(me({ availability: availableNow() }))),
      requests: reads.call,
    });
    const { session, live } = startSession(api, me({ availability: availableNow() }));
    live().emit({ type: "ready" });
    await settle();
    expect(reads.waiting).toBe(1);
    // Lost before the answer came; meanwhile the asker "gone" left, and nobody says so.
    live().setState("reconnecting");
    live().emit({ type: "ready" });
    await settle();
    expect(reads.waiting).toBe(2);
    reads.answer(1, requestList(request("old", 20)));
    await settle();
    reads.answer(0, requestList(request("gone", 10), request("old", 20)));
    await settle();
    expect(session.current.requests.map((r) => r.id)).toEqual(["old"]);
  });

  it("keeps a request accepted here out of a list whose answer was on its way", async () => {
    const reads = heldAnswers<RequestsAnswer>();
    const api = fakeApi({ requests: reads.call });
    const { session } = startSession(api, me({ availability: availableNow() }));
    const first = session.loadRequests();
    reads.answer(0, requestList(request("r1", 10)));
    await first;
    const loading = session.loadRequests();
    await session.accept("r1");
    reads.answer(0, requestList(request("r1", 10), request("r2", 20)));
    await loading;
    expect(session.current.requests.map((r) => r.id)).toEqual(["r2"]);
  });

  it("keeps the coverage an event told while the re-read was on its way, so switching off still asks", async () => {
    const coverages = heldAnswers<CoverageAnswer>();
    const api = fakeApi({ coverage: coverages.call });
    const { session, live } = startSession(api);
    live().emit({ type: "ready" });
    await session.switchAvailability(true);
    // Read by the server when the socket became ready: nobody there, nobody waiting.
    live().emit({ type: "coverage_changed", coverage: coverage(1, 1, 0) });
    live().emit({ type: "coverage_changed", coverage: coverage(1, 1, 1) });
    // The server also tells her she is the last one of Suchtberatung now.
    live().emit({
      type: "availability_changed",
      availability: {
        ...availableNow(),
        last_for: [{ topic_id: 1, topic_name: "Suchtberatung", waiting: 1 }],
      },
      reason: null,
    });
    coverages.answer(0, okResult({ topics: [coverage(1, 0, 0), coverage(2, 0, 0)] }));
    await settle();
    expect(session.current.coverage).toEqual([coverage(2, 0, 0), coverage(1, 1, 1)]);
    expect(uncoveredBySwitchingOff(session.current)).toEqual([
      { topicId: 1, topicName: "Suchtberatung", waiting: 1 },
    ]);
  });

  it("keeps a chat started while the conversations were re-read, though the answer lacks it", async () => {
    const lists = heldAnswers<ConversationsAnswer>();
    const api = fakeApi({
      conversations: lists.call,
      requests: vi.fn(async () => requestList(request("r1", 1))),
    });
    const { session, live } = startSession(api, me({ availability: availableNow() }));
    live().emit({ type: "ready" });
    await settle();
    expect((await session.accept("r1")).ok).toBe(true);
    lists.answer(0, okResult({ conversations: [] }));
    await settle();
    expect(session.current.conversations.map((c) => c.id)).toEqual(["conv-r1"]);
  });

  it("keeps a chat ended while the conversations were re-read ended, and the asker's presence told meanwhile", async () => {
    const lists = heldAnswers<ConversationsAnswer>();
    const api = fakeApi({ conversations: lists.call });
    const { session, live } = startSession(api);
    live().emit({ type: "ready" });
    lists.answer(0, okResult({ conversations: [conversation("c1"), conversation("c2")] }));
    await settle();
    live().setState("reconnecting");
    live().emit({ type: "ready" });
    live().emit({ type: "conversation_ended", conversation_id: "c1", by: "asker" });
    live().emit({ type: "asker_presence_changed", conversation_id: "c2", online: false });
    // Read before those events.
    lists.answer(0, okResult({ conversations: [conversation("c1"), conversation("c2")] }));
    await settle();
    const byId = new Map(session.current.conversations.map((c) => [c.id, c]));
    expect(byId.get("c1")).toMatchObject({ ended_at: 42, ended_by: "asker" });
    expect(byId.get("c2")).toMatchObject({ ended_at: null, asker_online: false });
  });

  it("takes nothing from a re-read that a newer connection's re-read replaced", async () => {
    const lists = heldAnswers<ConversationsAnswer>();
    const api = fakeApi({ conversations: lists.call });
    const { session, live } = startSession(api);
    live().emit({ type: "ready" });
    live().setState("reconnecting");
    live().emit({ type: "ready" });
    // The newer re-read says the chat ended; the older one, answered later, that it runs.
    lists.answer(1, okResult({ conversations: [conversation("c1", { ended_at: 50 })] }));
    await settle();
    lists.answer(0, okResult({ conversations: [conversation("c1")] }));
    await settle();
    expect(session.current.conversations[0]).toMatchObject({ id: "c1", ended_at: 50 });
  });
});

describe("a counselor session's end-to-end encryption", () => {
  /** Waits until this device is set up (or failed), as the session does at its start. */
  const deviceSettled = (session: CounselorSession) =>
    vi.waitFor(() => expect(session.e2e.get().device.state).not.toBe("setting_up"));

  it("adds this device at the start and keeps its keys for the next login", async () => {
    const keyStore = memoryKeyStore();
    const api = fakeApi();
    const first = startSession(api, me(), { keyStore });
    await deviceSettled(first.session);
    expect(first.session.e2e.get().device).toEqual({ state: "ready", deviceId: "dev-1" });
    expect(api.addDevice).toHaveBeenCalledWith({
      name: "Chromium unter Linux",
      public_key: expect.stringMatching(/^[\w-]{87}$/),
    });
    const stored = await keyStore.load();
    expect(stored?.deviceId).toBe("dev-1");
    expect(stored?.keys.privateKey.extractable).toBe(false);

    const again = startSession(api, me(), { keyStore });
    await deviceSettled(again.session);
    expect(again.session.e2e.get().device).toEqual({ state: "ready", deviceId: "dev-1" });
    expect(api.addDevice).toHaveBeenCalledTimes(1);
  });

  it("makes new keys at login when the server no longer lists the stored device", async () => {
    const keyStore = memoryKeyStore();
    const api = fakeApi();
    const first = startSession(api, me(), { keyStore });
    await deviceSettled(first.session);
    e2e.devices.splice(0);
    const again = startSession(api, me(), { keyStore });
    await deviceSettled(again.session);
    expect(again.session.e2e.get().device).toEqual({ state: "ready", deviceId: "dev-2" });
    expect((await keyStore.load())?.deviceId).toBe("dev-2");
  });

  it("shows a notice when this device was removed during the session, and does not add it again", async () => {
    const api = fakeApi();
    const { session, live } = startSession(api);
    await deviceSettled(session);
    e2e.devices.splice(0);
    live().emit({ type: "ready" });
    await vi.waitFor(() => expect(session.e2e.get().device).toEqual({ state: "removed" }));
    expect(api.addDevice).toHaveBeenCalledTimes(1);
    expect(await session.send("c1", "Hallo")).toMatchObject({ code: "unknown_device" });
  });

  it("keeps working without keys when this browser cannot store them; chats say why", async () => {
    const broken: DeviceKeyStore = {
      load: () => Promise.reject(new Error("no IndexedDB")),
      save: () => Promise.reject(new Error("no IndexedDB")),
    };
    const api = fakeApi({
      messages: vi.fn(async () =>
        okResult({
          messages: [await e2e.sealed("m1", "c1", 1, "Hallo", { device: null, counter: 1 })],
        }),
      ),
    });
    const { session } = startSession(api, me(), { keyStore: broken });
    await deviceSettled(session);
    expect(session.e2e.get().device).toEqual({ state: "failed", problem: "unsupported" });
    await session.openConversation("c1");
    expect(session.current.messages["c1"]).toMatchObject([{ text: null, problem: "no_key" }]);
    expect(session.e2e.get().chats["c1"]?.problem).toBe("no_device");
    expect(await session.send("c1", "Hallo")).toMatchObject({ code: "no_key" });
    // The rest of the dashboard goes on.
    expect(await session.switchAvailability(true)).toBeNull();
  });

  it("wraps the chat's key for the asker and for exactly the counselor's devices when accepting", async () => {
    const other = await e2e.registerDevice();
    const api = fakeApi({
      requests: vi.fn(async () =>
        okResult(onePage([request("r1", 1, { asker_key: e2e.askerKey })])),
      ),
    });
    const { session } = startSession(api, me({ availability: availableNow() }));
    await deviceSettled(session);
    await session.loadRequests();
    expect((await session.accept("r1")).ok).toBe(true);
    const body = vi.mocked(api.accept).mock.calls[0]![1];
    expect(body.keys.devices.map((d) => d.device).sort()).toEqual(["dev-1", "dev-2"]);
    const forAsker = await unwrapContentKey(decodeWrapped(body.keys.asker), e2e.askerKeys, "r1");
    const forOther = body.keys.devices.find((d) => d.device === other.device.id)!;
    expect(await unwrapContentKey(decodeWrapped(forOther.wrapped), other.keys, "r1")).toEqual(
      forAsker,
    );
  });

  it("wraps again once for the devices read anew when they changed meanwhile", async () => {
    let calls = 0;
    const accept = vi.fn(async (id: string, _body: AcceptRequest) => {
      calls++;
      if (calls === 1) {
        await e2e.registerDevice("Pforte-Desktop-App");
        return apiFailure<ReturnType<typeof conversation>>("devices_changed");
      }
      return okResult(conversation(id));
    });
    const api = fakeApi({
      requests: vi.fn(async () => okResult(onePage([request("r1", 1)]))),
      accept,
    });
    const { session } = startSession(api, me({ availability: availableNow() }));
    await deviceSettled(session);
    await session.loadRequests();
    expect((await session.accept("r1")).ok).toBe(true);
    expect(accept).toHaveBeenCalledTimes(2);
    expect(accept.mock.calls[0]![1].keys.devices).toHaveLength(1);
    expect(accept.mock.calls[1]![1].keys.devices).toHaveLength(2);
  });

  it("gives up after the second devices_changed", async () => {
    const accept = vi.fn(async () =>
      apiFailure<ReturnType<typeof conversation>>("devices_changed"),
    );
    const api = fakeApi({
      requests: vi.fn(async () => okResult(onePage([request("r1", 1)]))),
      accept,
    });
    const { session } = startSession(api, me({ availability: availableNow() }));
    await deviceSettled(session);
    await session.loadRequests();
    const result = await session.accept("r1");
    expect(!result.ok && result.failure).toMatchObject({ code: "devices_changed" });
    expect(accept).toHaveBeenCalledTimes(2);
  });

  it("opens the chat's history and its pushed messages, and seals what it sends", async () => {
    const history = [await e2e.sealed("m1", "c1", 1, "Hallo?", { device: null, counter: 1 })];
    const api = fakeApi({
      conversations: vi.fn(async () => okResult({ conversations: [conversation("c1")] })),
      messages: vi.fn(async () => okResult({ messages: history })),
    });
    const { session, live } = startSession(api);
    await deviceSettled(session);
    await session.openConversation("c1");
    expect(session.current.messages["c1"]?.map((m) => m.text)).toEqual(["Hallo?"]);
    live().emit({
      type: "message_posted",
      message: await e2e.sealed("m2", "c1", 2, "Sind Sie da?", { device: null, counter: 2 }),
    });
    await vi.waitFor(() => expect(session.current.messages["c1"]).toHaveLength(2));
    expect(await session.send("c1", "Ja, ich bin da.")).toBeNull();
    const [, sealed] = vi.mocked(api.send).mock.calls[0]!;
    expect(sealed).toMatchObject({ key: 1, device: "dev-1", counter: 1 });
    expect(JSON.stringify(sealed)).not.toContain("ich bin da");
    expect(session.current.messages["c1"]?.map((m) => m.text)).toEqual([
      "Hallo?",
      "Sind Sie da?",
      "Ja, ich bin da.",
    ]);
  });

  it("numbers its messages on after its own in the history (after a reload)", async () => {
    const keyStore = memoryKeyStore();
    const first = startSession(fakeApi(), me(), { keyStore });
    await deviceSettled(first.session);
    const history = [
      await e2e.sealed("m1", "c1", 1, "eins", { device: "dev-1", counter: 1 }),
      await e2e.sealed("m2", "c1", 2, "Frage", { device: null, counter: 1 }),
      await e2e.sealed("m3", "c1", 3, "zwei", { device: "dev-1", counter: 2 }),
    ];
    const api = fakeApi({ messages: vi.fn(async () => okResult({ messages: history })) });
    const { session } = startSession(api, me(), { keyStore });
    await deviceSettled(session);
    await session.openConversation("c1");
    expect(await session.send("c1", "drei")).toBeNull();
    expect(vi.mocked(api.send).mock.calls[0]![1].counter).toBe(3);
  });

  it("shows a changed message of the history as a notice", async () => {
    const good = await e2e.sealed("m1", "c1", 1, "echt", { device: null, counter: 1 });
    const changed = { ...good, id: "m2", seq: 2, sealed: { ...good.sealed, counter: 2 } };
    const api = fakeApi({ messages: vi.fn(async () => okResult({ messages: [good, changed] })) });
    const { session } = startSession(api);
    await deviceSettled(session);
    await session.openConversation("c1");
    expect(session.current.messages["c1"]).toMatchObject([
      { text: "echt" },
      { text: null, problem: "tampered" },
    ]);
  });

  it("shows the chat's Sicherheitscode from the asker's key and the readers' keys", async () => {
    const { session } = startSession(fakeApi());
    await deviceSettled(session);
    await session.openConversation("c1");
    const code = await chatSafetyCode("c1", e2e.askerKey, [e2e.devices[0]!.public_key]);
    expect(session.e2e.get().chats["c1"]).toEqual({ safetyCode: code, problem: null });
  });

  it("says so when a chat's key was wrapped for other devices only", async () => {
    const api = fakeApi({
      keys: vi.fn(async (id: string) => {
        const keys = await e2e.chatKeys(id, "dev-1");
        return okResult({ ...keys, keys: keys.keys.map((k) => ({ ...k, wrapped: null })) });
      }),
    });
    const { session } = startSession(api);
    await deviceSettled(session);
    await session.openConversation("c1");
    expect(session.e2e.get().chats["c1"]?.problem).toBe("no_key");
    expect(await session.send("c1", "Hallo")).toMatchObject({ code: "no_key" });
  });

  it("reads the chat's keys again, once, for a message sealed with a newer key", async () => {
    const second = newContentKey();
    let withSecond = false;
    const keys = vi.fn(async (id: string, device: string) => {
      const listed = await e2e.chatKeys(id, device);
      if (!withSecond) return okResult(listed);
      const reader = e2e.devices.find((d) => d.id === device)!;
      const wrapped = encodeWrapped(
        await wrapContentKey(second, fromBase64Url(reader.public_key), id),
      );
      return okResult({
        ...listed,
        keys: [...listed.keys, { key: 2, wrapped, readers: listed.keys[0]!.readers }],
      });
    });
    const history: Message[] = [];
    const api = fakeApi({ keys, messages: vi.fn(async () => okResult({ messages: history })) });
    const { session, live } = startSession(api);
    await deviceSettled(session);
    await session.openConversation("c1");
    expect(keys).toHaveBeenCalledTimes(1);

    withSecond = true;
    const place = { conversation: "c1", sender: "asker", counter: 1 };
    const { iv, ciphertext } = await sealMessage(second, place, "mit neuem Schlüssel");
    const message: Message = {
      ...e2e.stored(
        "c1",
        {
          key: 2,
          device: null,
          counter: 1,
          iv: toBase64Url(iv),
          ciphertext: toBase64Url(ciphertext),
        },
        1,
      ),
      id: "m1",
      from: "asker",
    };
    history.push(message);
    live().emit({ type: "message_posted", message });
    await vi.waitFor(() =>
      expect(session.current.messages["c1"]?.map((m) => m.text)).toEqual(["mit neuem Schlüssel"]),
    );
    expect(keys).toHaveBeenCalledTimes(2);
    expect(await session.send("c1", "Antwort")).toBeNull();
    expect(vi.mocked(api.send).mock.calls[0]![1].key).toBe(2);
  });

  it("does not read the keys again and again for a key the server never lists", async () => {
    const good = await e2e.sealed("m1", "c1", 1, "x", { device: null, counter: 1 });
    const message = { ...good, sealed: { ...good.sealed, key: 9 } };
    const api = fakeApi({ messages: vi.fn(async () => okResult({ messages: [message] })) });
    const { session } = startSession(api);
    await deviceSettled(session);
    await session.openConversation("c1");
    await vi.waitFor(() => expect(api.keys).toHaveBeenCalledTimes(2));
    await settle();
    await settle();
    expect(api.keys).toHaveBeenCalledTimes(2);
    expect(session.current.messages["c1"]).toMatchObject([{ text: null, problem: "no_key" }]);
  });

  it("removes a device from Meine Geräte", async () => {
    const other = await e2e.registerDevice();
    const { session } = startSession(fakeApi());
    await deviceSettled(session);
    await session.loadDevices();
    expect(session.e2e.get().devices).toHaveLength(2);
    expect(await session.removeDevice(other.device.id)).toBeNull();
    expect(session.e2e.get().devices?.map((d) => d.id)).toEqual(["dev-2"]);
    expect(session.e2e.get().device).toEqual({ state: "ready", deviceId: "dev-2" });
  });
});

describe("a counselor session's keys when its devices change", () => {
  const deviceSettled = (session: CounselorSession) =>
    vi.waitFor(() => expect(session.e2e.get().device.state).not.toBe("setting_up"));

  /** A session whose chat list is read: `c1` running, `c2` ended. */
  async function withChats(over: Partial<CounselorApi> = {}) {
    const api = fakeApi({
      conversations: vi.fn(async () =>
        okResult({ conversations: [conversation("c1"), conversation("c2", { ended_at: 50 })] }),
      ),
      ...over,
    });
    const started = startSession(api);
    await deviceSettled(started.session);
    started.live().emit({ type: "ready" });
    await vi.waitFor(() => expect(started.session.current.conversationsLoaded).toBe(true));
    await started.session.keysGiven();
    return { ...started, api };
  }

  const ownId = (session: CounselorSession) => {
    const device = session.e2e.get().device;
    if (device.state !== "ready") throw new Error("no device");
    return device.deviceId;
  };

  it("gives a running chat a new key for the asker and the remaining devices only after removing a device", async () => {
    const removed = await e2e.registerDevice("Firefox unter Windows");
    const kept = await e2e.registerDevice("Pforte-Desktop-App");
    const { session, api } = await withChats();
    expect(await session.removeDevice(removed.device.id)).toBeNull();
    await session.keysRenewed();

    expect(api.newKey).toHaveBeenCalledTimes(1);
    const [id, body] = vi.mocked(api.newKey).mock.calls[0]!;
    expect(id).toBe("c1");
    expect(body.key).toBe(2);
    expect(body.devices.map((d) => d.device).sort()).toEqual([kept.device.id, ownId(session)]);
    const forAsker = await unwrapContentKey(decodeWrapped(body.asker), e2e.askerKeys, "c1");
    const forKept = body.devices.find((d) => d.device === kept.device.id)!;
    expect(await unwrapContentKey(decodeWrapped(forKept.wrapped), kept.keys, "c1")).toEqual(
      forAsker,
    );
    expect(forAsker).not.toEqual(e2e.contentOf("c1", 1));
    expect(session.e2e.get().rekeyFailed).toEqual([]);
  });

  it("seals its next message with the new key after removing a device, and says who reads it", async () => {
    const removed = await e2e.registerDevice();
    const { session, api } = await withChats();
    await session.openConversation("c1");
    const before = session.e2e.get().chats["c1"]?.safetyCode;
    await session.removeDevice(removed.device.id);
    await session.keysRenewed();
    expect(await session.send("c1", "Nur noch für Sie lesbar")).toBeNull();
    const [, sealed] = vi.mocked(api.send).mock.calls[0]!;
    expect(sealed.key).toBe(2);
    const place = { conversation: "c1", sender: `device:${ownId(session)}`, counter: 1 };
    const text = await openMessage(e2e.contentOf("c1", 2)!, place, {
      iv: fromBase64Url(sealed.iv),
      ciphertext: fromBase64Url(sealed.ciphertext),
    });
    expect(text).toBe("Nur noch für Sie lesbar");
    const own = e2e.devices.find((d) => d.id === ownId(session))!;
    const code = await chatSafetyCode("c1", e2e.askerKey, [own.public_key]);
    expect(session.e2e.get().chats["c1"]?.safetyCode).toBe(code);
    expect(code).not.toBe(before);
  });

  it("reads the keys again after key_outdated and makes no second key when another device renewed it", async () => {
    const removed = await e2e.registerDevice();
    const newKey = vi.fn(async (id: string) => {
      // Another device of the counselor was quicker.
      await e2e.rekey(
        id,
        e2e.devices.map((d) => d.id),
      );
      return apiFailure<void>("key_outdated");
    });
    const { session, api } = await withChats({ newKey });
    await session.openConversation("c1");
    const reads = vi.mocked(api.keys).mock.calls.length;
    await session.removeDevice(removed.device.id);
    await session.keysRenewed();
    expect(newKey).toHaveBeenCalledTimes(1);
    expect(vi.mocked(api.keys).mock.calls.length).toBeGreaterThanOrEqual(reads + 2);
    expect(session.e2e.get().rekeyFailed).toEqual([]);
    expect(await session.send("c1", "Hallo")).toBeNull();
    expect(vi.mocked(api.send).mock.calls[0]![1].key).toBe(2);
  });

  it("wraps the new key once more for the devices read anew when they changed meanwhile", async () => {
    const removed = await e2e.registerDevice();
    let calls = 0;
    const newKey = vi.fn(async (id: string, body: NewKey) => {
      if (++calls === 1) {
        await e2e.registerDevice("Pforte-Desktop-App");
        return apiFailure<void>("devices_changed");
      }
      return e2e.counselorApi.newKey(id, body);
    });
    const { session } = await withChats({ newKey });
    await session.removeDevice(removed.device.id);
    await session.keysRenewed();
    expect(newKey).toHaveBeenCalledTimes(2);
    expect(newKey.mock.calls[0]![1].devices).toHaveLength(1);
    expect(newKey.mock.calls[1]![1]).toMatchObject({ key: 2 });
    expect(newKey.mock.calls[1]![1].devices).toHaveLength(2);
  });

  it("leaves a chat whose newest key this device does not hold to the devices that do", async () => {
    const holder = await e2e.registerDevice("Pforte-Desktop-App");
    await e2e.accepted("c1");
    const removed = await e2e.registerDevice();
    const { session, api } = await withChats();
    expect(holder.device.id).not.toBe(ownId(session));
    await session.removeDevice(removed.device.id);
    await session.keysRenewed();
    expect(api.newKey).not.toHaveBeenCalled();
    expect(session.e2e.get().rekeyFailed).toEqual([]);
  });

  it("says so when a chat's key could not be renewed", async () => {
    const removed = await e2e.registerDevice();
    const { session } = await withChats({ newKey: vi.fn(async () => networkFailure<void>()) });
    await session.removeDevice(removed.device.id);
    await session.keysRenewed();
    expect(session.e2e.get().rekeyFailed).toEqual(["c1"]);
  });

  it("gives a device added after a chat's key was made that key, once", async () => {
    const { session, api, live } = await withChats();
    await e2e.accepted("c1");
    await e2e.accepted("c2");
    const added = await e2e.registerDevice("Pforte-Desktop-App");
    await session.loadDevices();
    await session.keysGiven();
    const forC1 = vi.mocked(api.giveKey).mock.calls.filter(([id]) => id === "c1");
    expect(forC1).toHaveLength(1);
    const [, key, body] = forC1[0]!;
    expect(key).toBe(1);
    expect(body.device).toBe(added.device.id);
    expect(await unwrapContentKey(decodeWrapped(body.wrapped), added.keys, "c1")).toEqual(
      e2e.contentOf("c1", 1),
    );
    // Read again (the card, opening the chat, a reconnect): nothing is given twice.
    await session.loadDevices();
    await session.openConversation("c1");
    live().emit({ type: "ready" });
    await settle();
    await session.keysGiven();
    expect(api.giveKey).toHaveBeenCalledTimes(2);
  });

  it("shows a device added on another computer and gives it the keys when the server says the devices changed", async () => {
    const { session, api, live } = await withChats();
    await e2e.accepted("c1");
    await session.loadDevices();
    expect(session.e2e.get().devices).toHaveLength(1);
    const added = await e2e.registerDevice("Chromium unter Linux");
    live().emit({ type: "devices_changed" });
    await vi.waitFor(() => expect(session.e2e.get().devices).toHaveLength(2));
    await session.keysGiven();
    const given = vi.mocked(api.giveKey).mock.calls.filter(([id]) => id === "c1");
    expect(given.map(([, , body]) => body.device)).toEqual([added.device.id]);
  });

  it("does not give a key again on this page when the giving failed, however often it reads the keys", async () => {
    const giveKey = vi.fn(async () => networkFailure<void>());
    const { session, live } = await withChats({ giveKey });
    await e2e.accepted("c1");
    await e2e.accepted("c2");
    await e2e.registerDevice();
    await session.loadDevices();
    await session.keysGiven();
    expect(giveKey).toHaveBeenCalledTimes(2);
    await session.openConversation("c1");
    await session.openConversation("c2");
    await session.loadDevices();
    live().emit({ type: "ready" });
    await settle();
    await session.keysGiven();
    await settle();
    expect(giveKey).toHaveBeenCalledTimes(2);
  });

  it("gives the keys of an ended chat too", async () => {
    const { session, api } = await withChats();
    await e2e.accepted("c2");
    const added = await e2e.registerDevice();
    await session.loadDevices();
    await session.keysGiven();
    expect(api.giveKey).toHaveBeenCalledWith("c2", 1, {
      device: added.device.id,
      wrapped: expect.any(String),
    });
    const keys = await e2e.chatKeys("c2", added.device.id);
    expect(keys.keys[0]!.readers.map((r) => r.device)).toContain(added.device.id);
  });

  it("gives a key only to devices whose readers lack it, not to itself", async () => {
    const { session, api } = await withChats();
    await e2e.registerDevice();
    // Key 1 of both chats is wrapped for every device already.
    await session.loadDevices();
    await session.keysGiven();
    expect(api.giveKey).not.toHaveBeenCalled();
  });

  it("does not read the keys of chats that started after every other device was added", async () => {
    const earlier = await e2e.registerDevice();
    earlier.device.added_at = 1_000;
    const api = fakeApi({
      conversations: vi.fn(async () =>
        okResult({ conversations: [conversation("c1", { started_at: 2 * 86_400_000 })] }),
      ),
    });
    const { session, live } = startSession(api);
    await deviceSettled(session);
    live().emit({ type: "ready" });
    await vi.waitFor(() => expect(session.current.conversationsLoaded).toBe(true));
    await session.loadDevices();
    await session.keysGiven();
    expect(api.keys).not.toHaveBeenCalled();
  });

  it("reads a chat it had no key for after another device gave it, with Erneut versuchen", async () => {
    const other = await e2e.registerDevice();
    await e2e.accepted("c1");
    const history = [await e2e.sealed("m1", "c1", 1, "Hallo?", { device: null, counter: 1 })];
    const { session } = await withChats({
      messages: vi.fn(async () => okResult({ messages: history })),
    });
    await session.openConversation("c1");
    expect(session.e2e.get().chats["c1"]?.problem).toBe("no_key");
    expect(session.current.messages["c1"]).toMatchObject([{ text: null, problem: "no_key" }]);

    // The other device gives it the key.
    const own = e2e.devices.find((d) => d.id === ownId(session))!;
    const wrapped = encodeWrapped(
      await wrapContentKey(e2e.contentOf("c1", 1)!, fromBase64Url(own.public_key), "c1"),
    );
    expect(other.device.id).not.toBe(own.id);
    await e2e.counselorApi.giveKey("c1", 1, { device: own.id, wrapped });

    await session.retryKeys("c1");
    expect(session.e2e.get().chats["c1"]?.problem).toBeNull();
    expect(session.current.messages["c1"]?.map((m) => m.text)).toEqual(["Hallo?"]);
    expect(await session.send("c1", "Jetzt auch hier")).toBeNull();
  });
  it("reads the keys of an open chat it had no key for again after a reconnect", async () => {
    await e2e.registerDevice();
    await e2e.accepted("c1");
    const { session, api, live } = await withChats();
    await session.openConversation("c1");
    expect(session.e2e.get().chats["c1"]?.problem).toBe("no_key");
    const reads = vi.mocked(api.keys).mock.calls.length;
    const own = e2e.devices.find((d) => d.id === ownId(session))!;
    const wrapped = encodeWrapped(
      await wrapContentKey(e2e.contentOf("c1", 1)!, fromBase64Url(own.public_key), "c1"),
    );
    await e2e.counselorApi.giveKey("c1", 1, { device: own.id, wrapped });
    live().emit({ type: "ready" });
    await vi.waitFor(() => expect(session.e2e.get().chats["c1"]?.problem).toBeNull());
    expect(vi.mocked(api.keys).mock.calls.length).toBeGreaterThan(reads);
  });
});

describe("a device's name in Meine Geräte", () => {
  it("names the browser and the system, or the desktop app", () => {
    const chromium =
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chromium/120.0 Chrome/120.0 Safari/537.36";
    expect(deviceName(chromium, false)).toBe("Chromium unter Linux");
    expect(
      deviceName(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
        false,
      ),
    ).toBe("Firefox unter Windows");
    expect(deviceName(chromium, true)).toBe("Pforte-Desktop-App");
    expect(deviceName("curl/8", false)).toBe("Browser");
  });
});
