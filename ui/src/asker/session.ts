// The asker's visit: topic choice, waiting room, chat. Feeds server events and HTTP answers
// into the pure reducer (./state.ts); re-reads after every (re)connect; never polls.
import type { AskerApi, PublicApi } from "../api/public";
import {
  ConversationCipher,
  localFailure,
  openChatKeys,
  unreadable,
  type ChatMessage,
} from "../crypto/conversation";
import {
  E2eError,
  exportAskerKeys,
  importAskerKeys,
  newAskerKeys,
  publicKeyBytes,
  toBase64Url,
} from "../crypto/e2e";
import { failureCode, type Failure } from "../platform/http";
import type { ConnectionState, LiveConnection } from "../platform/live";
import type { KeyValueStore } from "../platform/storage";
import { createStore, type Store } from "../lib/store";
import type { ChatKeys, Message, ServerEvent } from "../wire/types";
import {
  initialAsker,
  isFinished,
  reduceAsker,
  type AskerAction,
  type AskerView,
  type EnterProblem,
} from "./state";

/** Where the asker token is kept: per tab, gone when the tab closes. */
export const TOKEN_KEY = "pforte.asker.token";
/** Beside it, the tab's key pair of this chat (a JWK): a reload keeps the chat readable. */
export const KEYS_KEY = "pforte.asker.keys";
/** The public keys of the counselor's devices this tab saw last (to notice a change). */
export const READERS_KEY = "pforte.asker.readers";

export interface AskerSessionDeps {
  publicApi: PublicApi;
  askerApi(token: string): AskerApi;
  /** The anonymous socket that reports gates opening and closing. */
  watchGates(): LiveConnection;
  /** The asker's own socket; `shouldRetry` decides after a refused socket. */
  followVisit(token: string, shouldRetry: () => Promise<boolean>): LiveConnection;
  /** Per-tab store for the token and the chat's keys, so a reload keeps the place and the chat. */
  tokens: KeyValueStore;
}

export class AskerSession {
  readonly view: Store<AskerView> = createStore(initialAsker);
  readonly connection: Store<ConnectionState> = createStore<ConnectionState>("connecting");
  /** Topics could not be read (no answer from the server). */
  readonly topicsFailed: Store<boolean> = createStore(false);
  private gates: LiveConnection | null = null;
  private visit: LiveConnection | null = null;
  private token: string | null = null;
  /** Events of the visit that arrived while its state was being re-read, one list per read. */
  private readonly stateReads = new Set<ServerEvent[]>();
  /** This tab's key pair for the chat; null when it is lost (then nothing can be opened). */
  private keys: CryptoKeyPair | null = null;
  /** The chat's opened keys, once read; null before (and after a failed read: read again). */
  private cipher: Promise<ConversationCipher | null> | null = null;
  /** The cipher before the keys were read again, until its successor took over. */
  private retired: Promise<ConversationCipher | null> | null = null;
  /** The newest key number that made the keys be read again (once per key). */
  private readAgainFor = 0;
  /** The last read of the messages: a send waits for it, to number after the history. */
  private history: Promise<void> = Promise.resolve();

  constructor(private readonly deps: AskerSessionDeps) {}

  get current(): AskerView {
    return this.view.get();
  }

  dispatch(action: AskerAction): void {
    this.view.update((v) => reduceAsker(v, action));
  }

  /** Resumes a stored visit, or starts with the topics (`slug` from `?topic=`). */
  async start(slug: string | null): Promise<void> {
    const stored = this.deps.tokens.get(TOKEN_KEY);
    if (stored) {
      const resumed = await this.resume(stored);
      if (resumed) return;
    }
    await this.loadTopics(slug);
    this.watchGates();
  }

  private async resume(token: string): Promise<boolean> {
    const result = await this.deps.askerApi(token).state();
    if (!result.ok) {
      const code = failureCode(result.failure);
      if (code === "unauthorized" || code === "not_found") {
        this.deps.tokens.remove(TOKEN_KEY);
        return false;
      }
      // No answer: keep the place and let the socket come back with the server.
      this.token = token;
      this.keys = await this.storedKeys();
      this.follow(token);
      return true;
    }
    this.token = token;
    this.keys = await this.storedKeys();
    this.dispatch({ type: "state_loaded", state: result.value });
    const phase = this.current.phase.name;
    if (phase === "chatting" || phase === "chat_ended") await this.loadMessages();
    if (phase === "request_ended") {
      this.forgetToken();
      return true;
    }
    if (!isFinished(this.current.phase)) this.follow(token);
    return true;
  }

  async loadTopics(slug: string | null = null): Promise<void> {
    const result = await this.deps.publicApi.topics();
    if (!result.ok) {
      this.topicsFailed.set(true);
      return;
    }
    this.topicsFailed.set(false);
    this.dispatch({ type: "topics_loaded", topics: result.value.topics });
    if (slug !== null) {
      const topic = result.value.topics.find((t) => t.slug === slug);
      this.dispatch(topic ? { type: "topic_chosen", topicId: topic.id } : { type: "link_unknown" });
    } else if (result.value.topics.length === 1 && this.current.phase.name === "choose") {
      // One topic only: no choice to make.
      this.dispatch({ type: "topic_chosen", topicId: result.value.topics[0]!.id });
    }
  }

  chooseTopic(topicId: number): void {
    this.dispatch({ type: "topic_chosen", topicId });
  }

  backToChoice(): void {
    this.dispatch({ type: "back_to_choice" });
  }

  /** Enters the waiting room; the server refuses if the gate closed meanwhile. */
  async enter(consent: boolean): Promise<void> {
    const phase = this.current.phase;
    if (phase.name !== "consent") return;
    this.dispatch({ type: "entering" });
    // A key pair for this chat only: the counselor wraps the chat's key for its public half.
    let keys: CryptoKeyPair;
    let publicKey: string;
    let jwk: JsonWebKey;
    try {
      keys = await newAskerKeys();
      publicKey = toBase64Url(await publicKeyBytes(keys.publicKey));
      jwk = await exportAskerKeys(keys);
    } catch {
      this.dispatch({ type: "enter_failed", problem: "no_crypto" });
      return;
    }
    const result = await this.deps.publicApi.enterWaitingRoom({
      topic_id: phase.topicId,
      consent,
      public_key: publicKey,
    });
    if (result.ok) {
      this.token = result.value.token;
      this.keys = keys;
      this.cipher = null;
      this.deps.tokens.set(TOKEN_KEY, result.value.token);
      this.deps.tokens.set(KEYS_KEY, JSON.stringify(jwk));
      this.deps.tokens.remove(READERS_KEY);
      this.dispatch({ type: "entered", entered: result.value });
      this.stopGates();
      this.follow(result.value.token);
      return;
    }
    const code = failureCode(result.failure);
    switch (code) {
      case "gate_closed":
        this.dispatch({ type: "enter_refused_gate_closed" });
        return;
      case "unknown_topic":
      case "live_chat_disabled":
        await this.loadTopics();
        this.dispatch({ type: "link_unknown" });
        return;
      default:
        this.dispatch({ type: "enter_failed", problem: enterProblem(result.failure) });
    }
  }

  /** Leaves the waiting room. Returns the failure if the server could not be told. */
  async leave(): Promise<Failure | null> {
    if (!this.token) return null;
    const result = await this.deps.askerApi(this.token).leave();
    if (!result.ok) {
      const code = failureCode(result.failure);
      // Already gone on the server: the page follows.
      if (code !== "unauthorized" && code !== "request_gone" && code !== "not_found") {
        return result.failure;
      }
    }
    this.dispatch({ type: "left" });
    this.stopVisit();
    this.forgetToken();
    return null;
  }

  /** Seals `text` with the chat's key and sends it; a retry (same `clientId`) is the same. */
  async send(text: string, clientId?: string): Promise<Failure | null> {
    if (!this.token) return null;
    const token = this.token;
    // Numbered after the history (a reload continues after the highest own counter).
    await this.history;
    const cipher = await this.ensureCipher();
    if (!cipher || cipher.sealingKey === null) return localFailure("no_key");
    let sealed;
    try {
      sealed = await cipher.seal(text, clientId);
    } catch (error) {
      const tooLong = error instanceof E2eError && error.problem === "too_long";
      return localFailure(tooLong ? "message_too_long" : "no_key");
    }
    const result = await this.deps.askerApi(token).send(sealed, clientId);
    if (!result.ok) {
      if (failureCode(result.failure) === "conversation_ended") void this.resync();
      return result.failure;
    }
    const [message] = await this.openMessages([result.value]);
    this.dispatch({ type: "message_sent", message: message! });
    return null;
  }

  async endChat(): Promise<Failure | null> {
    if (!this.token) return null;
    const result = await this.deps.askerApi(this.token).end();
    if (!result.ok && failureCode(result.failure) !== "conversation_ended") return result.failure;
    this.dispatch({ type: "ended_by_me" });
    this.stopVisit();
    return null;
  }

  /** After an ended visit: start over with the topics. */
  /** A new visit: back to the topics, or straight to the topic `slug` (the embedded page). */
  async restart(slug: string | null = null): Promise<void> {
    this.stopVisit();
    this.forgetToken();
    this.dispatch({ type: "restart" });
    await this.loadTopics(slug);
    this.watchGates();
  }

  reconnectNow(): void {
    this.gates?.reconnectNow();
    this.visit?.reconnectNow();
  }

  dispose(): void {
    this.stopGates();
    this.stopVisit();
  }

  private watchGates(): void {
    if (this.gates) return;
    const live = this.deps.watchGates();
    this.gates = live;
    this.connection.set(live.state);
    live.onState((s) => this.connection.set(s));
    live.onEvent((event) => {
      if (event.type === "ready") {
        void this.loadTopics();
        return;
      }
      this.dispatch({ type: "server", event });
    });
  }

  private stopGates(): void {
    this.gates?.close();
    this.gates = null;
  }

  private follow(token: string): void {
    this.stopVisit();
    const live = this.deps.followVisit(token, () => this.stillKnown());
    this.visit = live;
    this.connection.set(live.state);
    live.onState((s) => this.connection.set(s));
    live.onEvent((event) => this.handleVisitEvent(event));
  }

  private stopVisit(): void {
    this.visit?.close();
    this.visit = null;
  }

  private handleVisitEvent(event: ServerEvent): void {
    if (event.type === "ready") {
      void this.resync();
      return;
    }
    if (event.type === "message_posted") {
      void this.receive(event.message);
      return;
    }
    for (const read of this.stateReads) read.push(event);
    this.dispatch({ type: "server", event });
    if (event.type === "chat_accepted") void this.loadMessages();
    if (event.type === "request_ended") {
      // Nothing more will come for this visit, and nothing of it needs to be read again.
      this.stopVisit();
      this.forgetToken();
    }
    if (event.type === "conversation_ended") this.stopVisit();
  }

  /** After every (re)connect of the asker socket. */
  async resync(): Promise<void> {
    if (!this.token) return;
    const meanwhile: ServerEvent[] = [];
    this.stateReads.add(meanwhile);
    const result = await this.deps
      .askerApi(this.token)
      .state()
      .finally(() => this.stateReads.delete(meanwhile));
    if (!result.ok) {
      const code = failureCode(result.failure);
      if (code === "unauthorized" || code === "not_found") this.lose();
      return;
    }
    this.dispatch({ type: "state_loaded", state: result.value });
    // The server may have read the state before what was pushed meanwhile (a counselor
    // accepted, the place moved): those events go on top again, in their order.
    for (const event of meanwhile) this.dispatch({ type: "server", event });
    const phase = this.current.phase.name;
    if (phase === "chatting" || phase === "chat_ended") {
      // The keys are read again too: the counselor's devices may have changed meanwhile.
      this.retire();
      await this.loadMessages();
    }
    if (phase === "request_ended") {
      this.stopVisit();
      this.forgetToken();
    }
    if (phase === "chat_ended") this.stopVisit();
  }

  private loadMessages(): Promise<void> {
    const read = this.readMessages();
    this.history = read.catch(() => undefined);
    return read;
  }

  private async readMessages(): Promise<void> {
    if (!this.token) return;
    await this.ensureCipher();
    const result = await this.deps.askerApi(this.token).messages();
    if (!result.ok) return;
    this.dispatch({
      type: "messages_loaded",
      messages: await this.openMessages(result.value.messages),
    });
  }

  /** A pushed message: opened, then shown. */
  private async receive(message: Message): Promise<void> {
    const opened = await this.openMessages([message]);
    this.dispatch({ type: "messages_loaded", messages: opened });
  }

  /**
   * Opens messages with the chat's keys. One sealed with a newer key than this tab holds (the
   * counselor's devices changed) makes it read the keys again once.
   */
  private async openMessages(messages: Message[]): Promise<ChatMessage[]> {
    const cipher = await this.ensureCipher();
    if (!cipher) return messages.map((m) => unreadable(m, "no_key"));
    const opened = await cipher.open(messages);
    const newer = Math.max(
      0,
      ...messages.filter((m) => cipher.isNewer(m)).map((m) => m.sealed.key),
    );
    if (newer <= this.readAgainFor || this.cipher === null) return opened;
    this.readAgainFor = newer;
    const current = await this.cipher;
    if (current !== cipher) return current ? current.open(messages) : opened;
    this.retire();
    const fresh = await this.ensureCipher();
    if (!fresh) return opened;
    // The new cipher learns the history (and this tab's counter) from what is shown.
    const all = await fresh.open([...this.current.messages, ...messages]);
    this.dispatch({ type: "messages_loaded", messages: all });
    return all.slice(-messages.length);
  }

  /** The keys are read again; what the current cipher sent carries over to the next one. */
  private retire(): void {
    if (this.cipher) this.retired = this.cipher;
    this.cipher = null;
  }

  /** The chat's keys, read and opened once (again after a failed read). */
  private ensureCipher(): Promise<ConversationCipher | null> {
    if (!this.cipher) {
      const reading = this.readKeys();
      this.cipher = reading;
      void reading.then((cipher) => {
        if (cipher === null && this.cipher === reading) this.cipher = null;
      });
    }
    return this.cipher;
  }

  private async readKeys(): Promise<ConversationCipher | null> {
    const cipher = await this.readCipher();
    const earlier = await this.retired;
    if (cipher && earlier) {
      cipher.continueFrom(earlier);
      this.retired = null;
    }
    return cipher;
  }

  private async readCipher(): Promise<ConversationCipher | null> {
    if (!this.token) return null;
    const result = await this.deps.askerApi(this.token).keys();
    if (!result.ok || result.value.keys.length === 0) return null;
    const chatKeys = result.value;
    if (!this.keys) {
      this.dispatch({ type: "keys_unreadable" });
      return new ConversationCipher(
        chatKeys.conversation_id,
        new Map(),
        "asker",
        newestOf(chatKeys),
      );
    }
    let opened;
    try {
      opened = await openChatKeys(chatKeys, this.keys, { asker: true });
    } catch {
      this.dispatch({ type: "keys_unreadable" });
      return new ConversationCipher(
        chatKeys.conversation_id,
        new Map(),
        "asker",
        newestOf(chatKeys),
      );
    }
    const newest = newestOf(chatKeys);
    const seen = this.deps.tokens.get(READERS_KEY);
    const readers = JSON.stringify(opened.readers);
    this.deps.tokens.set(READERS_KEY, readers);
    this.dispatch({
      type: "keys_opened",
      safetyCode: opened.safetyCode,
      readersChanged: seen !== null && seen !== readers,
      unreadable: !opened.keys.has(newest),
    });
    return new ConversationCipher(chatKeys.conversation_id, opened.keys, "asker", newest);
  }

  /** The tab's key pair of this visit, if it kept one that still imports. */
  private async storedKeys(): Promise<CryptoKeyPair | null> {
    const stored = this.deps.tokens.get(KEYS_KEY);
    if (!stored) return null;
    try {
      return await importAskerKeys(JSON.parse(stored) as JsonWebKey);
    } catch {
      return null;
    }
  }

  private async stillKnown(): Promise<boolean> {
    if (!this.token) return false;
    const result = await this.deps.askerApi(this.token).state();
    if (!result.ok) {
      const code = failureCode(result.failure);
      if (code === "unauthorized" || code === "not_found") {
        this.lose();
        return false;
      }
    }
    return true;
  }

  private lose(): void {
    this.stopVisit();
    this.forgetToken();
    this.dispatch({ type: "visit_lost" });
  }

  private forgetToken(): void {
    this.token = null;
    this.keys = null;
    this.cipher = null;
    this.retired = null;
    this.readAgainFor = 0;
    this.deps.tokens.remove(TOKEN_KEY);
    this.deps.tokens.remove(KEYS_KEY);
    this.deps.tokens.remove(READERS_KEY);
  }
}

/** The newest key number of a conversation's keys (0: none yet). */
const newestOf = (keys: ChatKeys) => Math.max(0, ...keys.keys.map((k) => k.key));

/** How the consent step explains a failed entry. */
export function enterProblem(failure: Failure): EnterProblem {
  if (failure.kind === "network") return "network";
  switch (failureCode(failure)) {
    case "rate_limited":
      return "rate_limited";
    case "consent_required":
      return "consent_required";
    case "queue_full":
      return "queue_full";
    default:
      return "unavailable";
  }
}
