import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AskerApi, PublicApi } from "../api/public";
import { memoryStore } from "../platform/storage";
import {
  apiFailure,
  fakeLive,
  networkFailure,
  okResult,
  settle,
  type FakeLive,
} from "../test/fakes";
import { chatSafetyCode } from "../crypto/conversation";
import { fromBase64Url, newAskerKeys } from "../crypto/e2e";
import { b64PublicKey, fakeE2eServer, type FakeE2eServer } from "../test/e2e";
import { askerState, topic } from "../test/fixtures";
import type { KeyValueStore } from "../platform/storage";
import type {
  EnteredWaitingRoom,
  EnterWaitingRoom,
  Message,
  PublicTopic,
  Sealed,
} from "../wire/types";
import { AskerSession, KEYS_KEY, TOKEN_KEY } from "./session";

/** The counselor's side and the server's keys; new for each test. */
let e2e: FakeE2eServer;
/** The chat's messages as the server stores them: the counselor's greeting, then sends. */
let history: Message[];
beforeEach(async () => {
  e2e = await fakeE2eServer();
  await e2e.registerDevice();
  history = [await e2e.sealed("m1", "c", 1, "Guten Tag", { device: "dev-1", counter: 1 })];
});

const entered: EnteredWaitingRoom = {
  token: "tok-1",
  request_id: "req-1",
  pseudonym: "Gast 17",
  topic_id: 1,
  position: 2,
};

function setup(
  options: {
    topics?: PublicTopic[];
    publicApi?: Partial<PublicApi>;
    askerApi?: Partial<AskerApi>;
    storedToken?: string;
    /** The tab's storage (a reload keeps it). */
    tokens?: KeyValueStore;
  } = {},
) {
  const publicApi: PublicApi = {
    topics: vi.fn(async () =>
      okResult({ topics: options.topics ?? [topic(1, true), topic(2, false)] }),
    ),
    topic: vi.fn(),
    enterWaitingRoom: vi.fn(async (body: EnterWaitingRoom) => {
      e2e.setAskerKey(body.public_key);
      return okResult(entered);
    }),
    ...options.publicApi,
  } as PublicApi;
  const askerApi: AskerApi = {
    state: vi.fn(async () =>
      okResult(
        askerState({
          state: "waiting",
          position: 2,
          gate_open: true,
          grace_until: null,
          estimate: null,
        }),
      ),
    ),
    leave: vi.fn(async () => okResult(undefined)),
    keys: vi.fn(async () => okResult(await e2e.chatKeys("c", null))),
    messages: vi.fn(async () => okResult({ messages: [...history] })),
    send: vi.fn(async (sealed: Sealed) => {
      const stored = e2e.stored("c", sealed, history.length + 1);
      history.push(stored);
      return okResult(stored);
    }),
    end: vi.fn(async () => okResult(undefined)),
    ...options.askerApi,
  } as AskerApi;
  const tokens = options.tokens ?? memoryStore();
  if (options.storedToken) {
    tokens.set(TOKEN_KEY, options.storedToken);
    tokens.set(KEYS_KEY, e2e.askerJwk);
  }
  const gates: FakeLive[] = [];
  const visits: FakeLive[] = [];
  const session = new AskerSession({
    publicApi,
    askerApi: vi.fn(() => askerApi),
    watchGates: () => {
      const live = fakeLive();
      gates.push(live);
      return live;
    },
    followVisit: (_token, shouldRetry) => {
      const live = fakeLive(shouldRetry);
      visits.push(live);
      return live;
    },
    tokens,
  });
  return { session, publicApi, askerApi, tokens, gates, visits };
}

describe("the asker's visit", () => {
  it("starts with the topics and watches the gates", async () => {
    const { session, gates } = setup();
    await session.start(null);
    expect(session.current.phase).toEqual({ name: "choose", unknownLink: false });
    expect(gates).toHaveLength(1);
  });

  it("goes straight to a topic named in the link", async () => {
    const { session } = setup();
    await session.start("topic-2");
    expect(session.current.phase).toEqual({ name: "closed", topicId: 2 });
  });

  it("skips the choice when only one topic offers live chat", async () => {
    const { session } = setup({ topics: [topic(5, true)] });
    await session.start(null);
    expect(session.current.phase).toMatchObject({ name: "consent", topicId: 5 });
  });

  it("says the link is unknown and shows the topics", async () => {
    const { session } = setup();
    await session.start("nope");
    expect(session.current.phase).toEqual({ name: "choose", unknownLink: true });
  });

  it("remembers that the topics could not be loaded", async () => {
    const { session } = setup({ publicApi: { topics: vi.fn(async () => networkFailure()) } });
    await session.start(null);
    expect(session.topicsFailed.get()).toBe(true);
  });

  it("re-reads the topics whenever the gate socket is ready again", async () => {
    const { session, publicApi, gates } = setup();
    await session.start(null);
    gates[0]!.emit({ type: "ready" });
    await settle();
    expect(publicApi.topics).toHaveBeenCalledTimes(2);
  });

  it("opens the closed topic by itself when its gate opens", async () => {
    const { session, gates } = setup();
    await session.start("topic-2");
    gates[0]!.emit({ type: "gate_changed", topic_id: 2, open: true });
    expect(session.current.phase).toMatchObject({
      name: "consent",
      topicId: 2,
      openedWhileWatching: true,
    });
  });

  it("enters the waiting room, keeps the token for a reload and follows the visit", async () => {
    const { session, tokens, gates, visits, publicApi } = setup();
    await session.start("topic-1");
    await session.enter(true);
    expect(publicApi.enterWaitingRoom).toHaveBeenCalledWith({
      topic_id: 1,
      consent: true,
      public_key: expect.stringMatching(/^[\w-]{87}$/),
    });
    expect(tokens.get(TOKEN_KEY)).toBe("tok-1");
    expect(session.current.phase).toMatchObject({ name: "waiting", position: 2 });
    expect(gates[0]!.closed).toBe(true);
    expect(visits).toHaveLength(1);
  });

  it("shows the closed explanation when the gate closed just before entering", async () => {
    const { session, tokens } = setup({
      publicApi: { enterWaitingRoom: vi.fn(async () => apiFailure("gate_closed")) },
    });
    await session.start("topic-1");
    await session.enter(true);
    expect(session.current.phase).toEqual({ name: "closed", topicId: 1 });
    expect(tokens.get(TOKEN_KEY)).toBeNull();
  });

  it("says the waiting room is full when too many people wait", async () => {
    const { session, tokens } = setup({
      publicApi: { enterWaitingRoom: vi.fn(async () => apiFailure("queue_full", 503)) },
    });
    await session.start("topic-1");
    await session.enter(true);
    expect(session.current.phase).toMatchObject({ name: "consent", problem: "queue_full" });
    expect(tokens.get(TOKEN_KEY)).toBeNull();
  });

  it("explains a rate limit on the consent step", async () => {
    const { session } = setup({
      publicApi: { enterWaitingRoom: vi.fn(async () => apiFailure("rate_limited", 429)) },
    });
    await session.start("topic-1");
    await session.enter(true);
    expect(session.current.phase).toMatchObject({ name: "consent", problem: "rate_limited" });
  });

  it("re-reads its state when the asker socket is ready again", async () => {
    const { session, visits, askerApi } = setup();
    await session.start("topic-1");
    await session.enter(true);
    visits[0]!.emit({ type: "ready" });
    await settle();
    expect(askerApi.state).toHaveBeenCalled();
    expect(session.current.visit?.retentionSeconds).toBe(86_400);
  });

  it("stays in the chat when the state re-read after a reconnect was read before the counselor accepted", async () => {
    type StateAnswer = Awaited<ReturnType<AskerApi["state"]>>;
    let answer!: (value: StateAnswer) => void;
    const { session, visits, askerApi } = setup();
    await session.start("topic-1");
    await session.enter(true);
    vi.mocked(askerApi.state).mockImplementation(
      () => new Promise<StateAnswer>((resolve) => (answer = resolve)),
    );
    visits[0]!.emit({ type: "ready" });
    visits[0]!.emit({ type: "queue_position", position: 1, estimate: null });
    visits[0]!.emit({ type: "chat_accepted", counselor_name: "Anna" });
    answer(
      okResult(
        askerState({
          state: "waiting",
          position: 2,
          gate_open: true,
          grace_until: null,
          estimate: null,
        }),
      ),
    );
    await settle();
    expect(session.current.phase).toMatchObject({ name: "chatting", counselorName: "Anna" });
  });

  it("takes the re-read state when nothing was pushed while it was read", async () => {
    const { session, visits, askerApi } = setup();
    await session.start("topic-1");
    await session.enter(true);
    vi.mocked(askerApi.state).mockImplementation(async () =>
      okResult(askerState({ state: "chatting", counselor_name: "Anna", counselor_online: false })),
    );
    visits[0]!.emit({ type: "ready" });
    await settle();
    expect(session.current.phase).toMatchObject({
      name: "chatting",
      counselorName: "Anna",
      counselorOnline: false,
    });
  });

  it("resumes a stored visit after a reload", async () => {
    const { session, visits, gates } = setup({ storedToken: "tok-old" });
    await session.start(null);
    expect(session.current.phase).toMatchObject({ name: "waiting", position: 2 });
    expect(visits).toHaveLength(1);
    expect(gates).toHaveLength(0);
  });

  it("resumes an ended chat read-only with its messages and without a socket", async () => {
    const { session, visits } = setup({
      storedToken: "tok-old",
      askerApi: {
        state: vi.fn(async () =>
          okResult(
            askerState({ state: "chat_ended", counselor_name: "Anna", ended_by: "counselor" }),
          ),
        ),
      },
    });
    await session.start(null);
    expect(session.current.phase).toMatchObject({ name: "chat_ended" });
    expect(session.current.messages).toHaveLength(1);
    expect(visits).toHaveLength(0);
  });

  it("starts fresh when the stored token is no longer known", async () => {
    const { session, tokens } = setup({
      storedToken: "tok-old",
      askerApi: { state: vi.fn(async () => apiFailure("unauthorized", 401)) },
    });
    await session.start(null);
    expect(tokens.get(TOKEN_KEY)).toBeNull();
    expect(session.current.phase).toEqual({ name: "choose", unknownLink: false });
  });

  it("loads the history when a counselor accepts", async () => {
    const { session, visits, askerApi } = setup();
    await session.start("topic-1");
    await session.enter(true);
    visits[0]!.emit({ type: "chat_accepted", counselor_name: "Anna" });
    await vi.waitFor(() => expect(askerApi.messages).toHaveBeenCalled());
    await vi.waitFor(() =>
      expect(session.current.messages.map((m) => m.text)).toEqual(["Guten Tag"]),
    );
    expect(session.current.phase).toMatchObject({ name: "chatting", counselorName: "Anna" });
  });

  it("forgets the token when the request ends", async () => {
    const { session, visits, tokens } = setup();
    await session.start("topic-1");
    await session.enter(true);
    visits[0]!.emit({ type: "request_ended", reason: "nobody_available", next_chat_hours: null });
    expect(tokens.get(TOKEN_KEY)).toBeNull();
    expect(visits[0]!.closed).toBe(true);
  });

  it("leaves the waiting room", async () => {
    const { session, askerApi, tokens } = setup();
    await session.start("topic-1");
    await session.enter(true);
    expect(await session.leave()).toBeNull();
    expect(askerApi.leave).toHaveBeenCalled();
    expect(session.current.phase).toMatchObject({ name: "request_ended", reason: "withdrawn" });
    expect(tokens.get(TOKEN_KEY)).toBeNull();
  });

  it("stays in the waiting room when leaving could not reach the server", async () => {
    const { session } = setup({ askerApi: { leave: vi.fn(async () => networkFailure()) } });
    await session.start("topic-1");
    await session.enter(true);
    expect(await session.leave()).toEqual({ kind: "network" });
    expect(session.current.phase.name).toBe("waiting");
  });

  it("sends a message and shows it", async () => {
    const { session, visits } = setup();
    await session.start("topic-1");
    await session.enter(true);
    visits[0]!.emit({ type: "chat_accepted", counselor_name: "Anna" });
    expect(await session.send("Hallo")).toBeNull();
    expect(session.current.messages.map((m) => m.text)).toContain("Hallo");
  });

  it("ends the chat and keeps it readable", async () => {
    const { session, visits, tokens } = setup();
    await session.start("topic-1");
    await session.enter(true);
    visits[0]!.emit({ type: "chat_accepted", counselor_name: "Anna" });
    expect(await session.endChat()).toBeNull();
    expect(session.current.phase).toMatchObject({ name: "chat_ended", endedBy: "asker" });
    expect(tokens.get(TOKEN_KEY)).toBe("tok-1");
  });

  it("shows that the visit is lost when the server forgot the token", async () => {
    const { session, visits, askerApi } = setup();
    await session.start("topic-1");
    await session.enter(true);
    askerApi.state = vi.fn(async () => apiFailure("unauthorized", 401));
    expect(await visits[0]!.shouldRetry!()).toBe(false);
    expect(session.current.phase).toEqual({ name: "lost" });
  });

  it("starts over with the topics after the end", async () => {
    const { session, visits, gates } = setup();
    await session.start("topic-1");
    await session.enter(true);
    visits[0]!.emit({ type: "request_ended", reason: "nobody_available", next_chat_hours: null });
    await session.restart();
    expect(session.current.phase).toEqual({ name: "choose", unknownLink: false });
    expect(gates).toHaveLength(2);
  });

  it("starts over with the same topic inside a website's chat dialog", async () => {
    const { session, visits } = setup();
    await session.start("topic-1");
    await session.enter(true);
    visits[0]!.emit({ type: "request_ended", reason: "nobody_available", next_chat_hours: null });
    await session.restart("topic-1");
    expect(session.current.phase).toMatchObject({ name: "consent", topicId: 1 });
  });
});

describe("the asker's end-to-end encryption", () => {
  const chatting = () =>
    okResult(askerState({ state: "chatting", counselor_name: "Anna", counselor_online: true }));

  async function inChat(options: Parameters<typeof setup>[0] = {}) {
    const visit = setup(options);
    await visit.session.start("topic-1");
    await visit.session.enter(true);
    visit.visits[0]!.emit({ type: "chat_accepted", counselor_name: "Anna" });
    await vi.waitFor(() => expect(visit.session.current.messages).toHaveLength(1));
    return visit;
  }

  it("seals what it sends: the server gets no text, only the padded ciphertext", async () => {
    const { session, askerApi } = await inChat();
    expect(await session.send("Ich brauche Hilfe", "client-1")).toBeNull();
    const [sealed, clientId] = vi.mocked(askerApi.send).mock.calls[0]!;
    expect(clientId).toBe("client-1");
    expect(sealed).toMatchObject({ key: 1, device: null, counter: 1 });
    expect(JSON.stringify(sealed)).not.toContain("Hilfe");
    expect(fromBase64Url(sealed.ciphertext)).toHaveLength(256 + 16);
    expect(session.current.messages.map((m) => m.text)).toEqual(["Guten Tag", "Ich brauche Hilfe"]);
  });

  it("opens the counselor's pushed messages", async () => {
    const { session, visits } = await inChat();
    const message = await e2e.sealed("m2", "c", 2, "Wie geht es Ihnen?", {
      device: "dev-1",
      counter: 2,
    });
    visits[0]!.emit({ type: "message_posted", message });
    await vi.waitFor(() =>
      expect(session.current.messages.map((m) => m.text)).toContain("Wie geht es Ihnen?"),
    );
  });

  it("shows a changed message as a notice, never its ciphertext", async () => {
    const { session, visits } = await inChat();
    const message = await e2e.sealed("m2", "c", 2, "echt", { device: "dev-1", counter: 2 });
    const changed = { ...message, sealed: { ...message.sealed, counter: 3 } };
    visits[0]!.emit({ type: "message_posted", message: changed });
    await vi.waitFor(() => expect(session.current.messages).toHaveLength(2));
    expect(session.current.messages[1]).toMatchObject({ text: null, problem: "tampered" });
  });

  it("keeps the chat's key pair across a reload of the tab and numbers on after its history", async () => {
    const first = await inChat();
    expect(await first.session.send("Hallo")).toBeNull();
    first.session.dispose();

    const reloaded = setup({
      tokens: first.tokens,
      askerApi: { state: vi.fn(async () => chatting()) },
    });
    await reloaded.session.start(null);
    await vi.waitFor(() =>
      expect(reloaded.session.current.messages.map((m) => m.text)).toEqual(["Guten Tag", "Hallo"]),
    );
    expect(reloaded.session.current.e2e.safetyCode).toBe(first.session.current.e2e.safetyCode);
    expect(await reloaded.session.send("Noch eine Frage")).toBeNull();
    expect(vi.mocked(reloaded.askerApi.send).mock.calls[0]![0].counter).toBe(2);
  });

  it("shows the same Sicherheitscode as the counselor's device", async () => {
    const { session } = await inChat();
    const device = e2e.devices[0]!;
    const code = await chatSafetyCode("c", e2e.askerKey, [device.public_key]);
    expect(session.current.e2e.safetyCode).toBe(code);
  });

  it("says so when the counselling uses another device since this tab last looked", async () => {
    const { session, visits } = await inChat({
      askerApi: { state: vi.fn(async () => chatting()) },
    });
    const before = session.current.e2e.safetyCode;
    expect(session.current.e2e.readersChanged).toBe(false);
    await e2e.registerDevice("Pforte-Desktop-App");
    visits[0]!.emit({ type: "ready" });
    await vi.waitFor(() => expect(session.current.e2e.readersChanged).toBe(true));
    expect(session.current.e2e.safetyCode).not.toBe(before);
  });

  it("opens the messages of both keys when the counselling renewed the chat's key after removing a device", async () => {
    await e2e.registerDevice("Pforte-Desktop-App");
    const { session, visits, askerApi } = await inChat();
    const before = session.current.e2e.safetyCode;
    expect(session.current.e2e.readersChanged).toBe(false);

    // "dev-2" is removed; "dev-1" makes key 2 for the asker and itself and writes with it.
    await e2e.counselorApi.removeDevice("dev-2");
    expect(await e2e.rekey("c", ["dev-1"])).toBe(2);
    const message = await e2e.sealed("m2", "c", 2, "Mit neuem Schlüssel", {
      device: "dev-1",
      counter: 2,
      key: 2,
    });
    history.push(message);
    visits[0]!.emit({ type: "message_posted", message });

    await vi.waitFor(() =>
      expect(session.current.messages.map((m) => m.text)).toEqual([
        "Guten Tag",
        "Mit neuem Schlüssel",
      ]),
    );
    expect(session.current.messages.map((m) => m.sealed.key)).toEqual([1, 2]);
    expect(session.current.e2e.readersChanged).toBe(true);
    const code = await chatSafetyCode("c", e2e.askerKey, [e2e.devices[0]!.public_key]);
    expect(session.current.e2e.safetyCode).toBe(code);
    expect(code).not.toBe(before);
    // What the asker writes now is sealed with the new key, numbered on.
    expect(await session.send("Danke")).toBeNull();
    expect(vi.mocked(askerApi.send).mock.calls[0]![0]).toMatchObject({ key: 2, counter: 1 });
  });

  it("forgets the key pair with the token when the visit ends", async () => {
    const { session, visits, tokens } = await inChat();
    expect(tokens.get(KEYS_KEY)).not.toBeNull();
    visits[0]!.emit({ type: "conversation_ended", conversation_id: "c", by: "counselor" });
    await session.restart();
    expect(tokens.get(KEYS_KEY)).toBeNull();
  });

  it("shows notices, not texts, when the tab lost its key pair", async () => {
    const { session } = setup({
      storedToken: "tok-old",
      askerApi: { state: vi.fn(async () => chatting()) },
    });
    // The key pair stored is not the one the chat was wrapped for.
    e2e.setAskerKey(await b64PublicKey(await newAskerKeys()));
    await session.start(null);
    await vi.waitFor(() => expect(session.current.messages).toHaveLength(1));
    expect(session.current.messages[0]).toMatchObject({ text: null, problem: "no_key" });
    expect(session.current.e2e.unreadable).toBe(true);
    expect(await session.send("Hallo")).toMatchObject({ code: "no_key" });
  });
});
