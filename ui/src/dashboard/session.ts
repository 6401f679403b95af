// A logged-in counselor's session: feeds server events and HTTP answers into the pure
// reducer (./state.ts) and re-reads everything it may have missed after every (re)connect.
// No polling: between connects, only pushed events change the view.
import type { CounselorApi } from "../api/counselor";
import {
  ConversationCipher,
  localFailure,
  openChatKeys,
  unreadable,
  type ChatMessage,
} from "../crypto/conversation";
import {
  E2eError,
  encodeWrapped,
  fromBase64Url,
  newContentKey,
  wrapContentKey,
} from "../crypto/e2e";
import { fail, failureCode, type Failure, type Result } from "../platform/http";
import type { ConnectionState, LiveConnection } from "../platform/live";
import { createStore, type Store } from "../lib/store";
import { utcOffsetMinutes } from "../lib/time";
import type {
  AcceptRequest,
  Availability,
  ChatKeys,
  Conversation,
  Device,
  LiveChatRequest,
  Me,
  MyShifts,
  Message,
  NewKey,
  ServerEvent,
  SessionEndReason,
  SetMyShifts,
  Statistics,
  SwitchReason,
  WeekPlan,
} from "../wire/types";
import { setUpDevice, type DeviceKeyStore, type DeviceProblem, type StoredDevice } from "./devices";
import {
  initialDashboard,
  reduceDashboard,
  type DashboardAction,
  type DashboardState,
} from "./state";

/** This device's part in the end-to-end encryption, as the dashboard shows it. */
export type DeviceStatus =
  | { state: "setting_up" }
  | { state: "ready"; deviceId: string }
  | { state: "failed"; problem: DeviceProblem }
  /** Removed from "Meine Geräte" during this session: a new login adds it again. */
  | { state: "removed" };

/** Why a chat cannot be read or written on this device. */
export type ChatKeyProblem =
  /** This device has no keys (see `DeviceStatus`). */
  | "no_device"
  /** The chat's key was not wrapped for this device (it started on another one). */
  | "no_key"
  /** The chat's keys could not be read yet (no answer): tried again with the next read. */
  | "unreachable";

export interface ChatE2e {
  /** The "Sicherheitscode", once the chat's keys were read. */
  safetyCode: string | null;
  problem: ChatKeyProblem | null;
}

export interface DashboardE2e {
  device: DeviceStatus;
  /** "Meine Geräte", once read. */
  devices: Device[] | null;
  /** By conversation id. */
  chats: Record<string, ChatE2e>;
  /**
   * Running chats whose content key could not be renewed after this device removed another
   * one (they go on with the previous key).
   */
  rekeyFailed: string[];
}

export interface CounselorSessionDeps {
  api: CounselorApi;
  /** Opens the counselor's live connection; `shouldRetry` decides after a refused socket. */
  connect(shouldRetry: () => Promise<boolean>): LiveConnection;
  now(): number;
  /** Minutes east of UTC where the counselor is (60 in CET); default: this device's zone. */
  utcOffsetMinutes?(): number;
  /** A request appeared while available (for the in-app alert and the sound). */
  onNewRequest?(request: LiveChatRequest): void;
  /** The session is over: logged out here or elsewhere, or expired. */
  onEnded?(reason: SessionEndReason): void;
  /** How to log out; default: the REST call (the desktop app goes through its shell). */
  logout?(): Promise<Result<void>>;
  /** Where this device's key pair is kept (IndexedDB in the browser and the desktop app). */
  keyStore: DeviceKeyStore;
  /** This device's name in "Meine Geräte" ("Chromium unter Linux", "Pforte-Desktop-App"). */
  deviceName: string;
}

/**
 * A read of the waiting requests in flight. The server may have answered it before or after
 * any event that arrives meanwhile, so every event that arrives while it is in flight corrects
 * its answer. Each read collects on its own: reads overlap (a switch's answer and its pushed
 * event both start one) and their answers may come back in any order.
 */
interface PendingRequestRead {
  /** `requestFeed` when the read was sent; a read from an older feed is void. */
  feed: number;
  created: LiveChatRequest[];
  removed: Set<string>;
}

/**
 * What the socket and this client's own actions said while a re-read was in flight: the
 * topics whose coverage and the conversations that changed. For those the dashboard already
 * knows at least as much as the answer (which the server may have read before the change).
 */
interface ResyncNews {
  topics: Set<number>;
  conversations: Set<string>;
  /** Conversations whose asker came or went. */
  presence: Set<string>;
}

function sameAvailability(a: Availability | null, b: Availability | null): boolean {
  return (
    a !== null &&
    b !== null &&
    a.switched_on === b.switched_on &&
    a.available === b.available &&
    a.online === b.online &&
    a.absent === b.absent &&
    a.absence_message === b.absence_message
  );
}

export class CounselorSession {
  readonly state: Store<DashboardState> = createStore(initialDashboard);
  readonly connection: Store<ConnectionState> = createStore<ConnectionState>("connecting");
  readonly e2e: Store<DashboardE2e> = createStore<DashboardE2e>({
    device: { state: "setting_up" },
    devices: null,
    chats: {},
    rekeyFailed: [],
  });
  /** This device's keys, once set up (again after it failed: at the next reconnect). */
  private device: Promise<StoredDevice | null> | null = null;
  /** Each conversation's opened keys, read once (again after a failed read). */
  private readonly ciphers = new Map<string, Promise<ConversationCipher | null>>();
  /** A conversation's cipher whose keys are being read again and failed: the next read takes over. */
  private readonly retired = new Map<string, Promise<ConversationCipher | null>>();
  /** The newest key number that made a conversation's keys be read again. */
  private readonly readAgainFor = new Map<string, number>();
  /** Keys given to a device that lacked them, as `[conversation, key, device]`: once per page. */
  private readonly givenKeys = new Set<string>();
  /** Conversations whose keys were checked for a device, as `[conversation, device]`. */
  private readonly checkedKeys = new Set<string>();
  /** The pass giving keys to devices that lack them; another is asked for while it runs. */
  private giving: Promise<void> | null = null;
  private giveAgain = false;
  /** The renewal of the chats' keys after removing devices, one after the other. */
  private renewing: Promise<void> = Promise.resolve();
  /** The last read of each conversation's messages: a send waits for it (its counter). */
  private readonly histories = new Map<string, Promise<unknown>>();
  private live: LiveConnection | null = null;
  private ended = false;
  private readonly requestReads = new Set<PendingRequestRead>();
  /**
   * Counts the breaks in the stream of request events: the dashboard stopped being available
   * (the server tells only available counselors) or a socket became ready (events before it
   * went nowhere). An answer of a read sent before a break may hold a request whose end was
   * never told, so it is dropped; the read started after the break counts.
   */
  private requestFeed = 0;
  /** `requestFeed` when the last read of the requests was sent. */
  private lastReadFeed = -1;
  /** The read started when the dashboard last became available. */
  private requestsRead: Promise<void> = Promise.resolve();
  /**
   * How often availability was learned: from anywhere (`availabilityNews`) and from the server
   * pushing it or the connection breaking (`availabilityPushes`). An answer sent before newer
   * news arrived may describe an older moment, so it does not overwrite what is known.
   */
  private availabilityNews = 0;
  private availabilityPushes = 0;
  /** Sockets that became ready; a re-read started for an earlier one is superseded. */
  private readies = 0;
  private readonly resyncs = new Set<ResyncNews>();
  /** Set when a connection broke while the switch was on; checked at the next `ready`. */
  private switchedOnWhenLost = false;

  constructor(
    private readonly deps: CounselorSessionDeps,
    me: Me,
  ) {
    this.dispatch({ type: "me_loaded", me });
  }

  get current(): DashboardState {
    return this.state.get();
  }

  dispatch(action: DashboardAction): void {
    const wasAvailable = this.current.availability?.available ?? false;
    this.state.update((s) => reduceDashboard(s, action));
    const isAvailable = this.current.availability?.available ?? false;
    if (wasAvailable && !isAvailable) this.requestFeed++;
    // Became available, whoever said so (a pushed event, a switch's answer, a re-read): the
    // requests are read once, here. Before `start` there is no socket to correct the read.
    if (!wasAvailable && isAvailable && this.live && !this.ended) {
      this.requestsRead = this.loadRequests();
    }
  }

  start(): void {
    if (this.live || this.ended) return;
    const live = this.deps.connect(() => this.stillLoggedIn());
    this.live = live;
    live.onState((s) => {
      const was = this.connection.get();
      this.connection.set(s);
      if (was === "connected" && s === "reconnecting") this.connectionLost();
    });
    live.onEvent((event) => this.handle(event));
    this.connection.set(live.state);
    void this.ensureDevice();
  }

  /** Reconnect at once, e.g. when the device's network came back. */
  reconnectNow(): void {
    this.live?.reconnectNow();
  }

  /**
   * An event learned another way than over this session's socket (the desktop shell's own
   * connection, e.g. an availability switched in the tray while this socket reconnects).
   */
  receive(event: ServerEvent): void {
    if (this.ended || event.type === "ready") return;
    this.handle(event);
  }

  /** The session ended and the host learned it first (the desktop shell's "Abmelden"). */
  endedElsewhere(reason: SessionEndReason): void {
    this.finish(reason);
  }

  private handle(event: ServerEvent): void {
    if (event.type === "ready") {
      this.requestFeed++;
      this.readies++;
      void this.resync();
      return;
    }
    if (event.type === "coverage_changed") {
      for (const news of this.resyncs) news.topics.add(event.coverage.topic_id);
    }
    const conversationId = conversationOf(event);
    if (conversationId !== null) this.conversationChanged(conversationId);
    if (event.type === "asker_presence_changed") {
      for (const news of this.resyncs) news.presence.add(event.conversation_id);
    }
    for (const read of this.requestReads) {
      if (event.type === "request_created") read.created.push(event.request);
      if (event.type === "request_withdrawn" || event.type === "request_taken") {
        read.removed.add(event.request_id);
      }
    }
    if (event.type === "availability_changed") {
      this.availabilityNews++;
      this.availabilityPushes++;
    }
    const knewRequest =
      event.type === "request_created" &&
      this.current.requests.some((r) => r.id === event.request.id);

    if (event.type === "message_posted") {
      void this.receiveMessage(event.message);
    } else {
      this.dispatch({ type: "server", event, at: this.deps.now() });
    }

    switch (event.type) {
      case "request_created":
        if (!knewRequest && this.current.availability?.available) {
          this.deps.onNewRequest?.(event.request);
        }
        break;
      case "message_posted":
        if (!this.current.conversations.some((c) => c.id === event.message.conversation_id)) {
          void this.loadConversation(event.message.conversation_id);
        }
        break;
      case "requests_changed":
        // This socket fell behind a flood of requests: the server left events out (the
        // request list, coverage, availability refreshes). Re-read them.
        void this.resync();
        break;
      case "session_ended":
        this.finish(event.reason);
        break;
      case "devices_changed":
        // Another login of this counselor added or removed a device: the list under "Meine
        // Geräte" is read again, and a device added later is given the chats' keys at once.
        void this.loadDevices();
        break;
    }
  }

  private connectionLost(): void {
    this.switchedOnWhenLost ||= this.current.availability?.switched_on ?? false;
    this.availabilityNews++;
    this.availabilityPushes++;
    this.dispatch({ type: "connection_lost" });
  }

  /**
   * The answer of `GET /api/me`, sent when `availabilityNews` was `seen`. If availability was
   * learned since, the answer may be older than that (an answer read before a switch went on
   * can arrive after it): the rest of the profile is taken, the availability kept.
   */
  private profileLoaded(me: Me, seen: number): Availability {
    const known = this.current.availability;
    if (seen !== this.availabilityNews && known) {
      this.dispatch({ type: "me_loaded", me: { ...me, availability: known } });
      return known;
    }
    this.availabilityNews++;
    this.dispatch({ type: "me_loaded", me });
    return me.availability;
  }

  /**
   * The availability a command answered (switch, absence), sent when `availabilityPushes` was
   * `seen`. The server reads it after the command, but a pushed event that arrived meanwhile
   * may be newer (another device switched); then only the reason is taken, and only if the
   * answer says the same as the dashboard already knows.
   */
  private commandAnswered(availability: Availability, reason: SwitchReason, seen: number): void {
    if (
      seen !== this.availabilityPushes &&
      !sameAvailability(availability, this.current.availability)
    ) {
      return;
    }
    this.availabilityNews++;
    this.dispatch({ type: "availability_set", availability, reason });
  }

  /** This client learned that a conversation changed (an event, or an answer to it). */
  private conversationChanged(id: string): void {
    for (const news of this.resyncs) news.conversations.add(id);
  }

  /** After every (re)connect: read what may have changed while the socket was away. */
  async resync(): Promise<void> {
    const { api } = this.deps;
    const seen = this.availabilityNews;
    const ready = this.readies;
    const news: ResyncNews = { topics: new Set(), conversations: new Set(), presence: new Set() };
    this.resyncs.add(news);
    void this.checkDevice();
    const [me, conversations, coverage] = await Promise.all([
      api.me(),
      api.conversations(),
      api.coverage(),
    ]).finally(() => this.resyncs.delete(news));
    if (this.checkUnauthorized(me) || this.ended) return;
    // A newer socket became ready meanwhile: its own re-read counts, not this older one.
    if (ready !== this.readies) return;
    if (me.ok) {
      const availability = this.profileLoaded(me.value, seen);
      if (this.switchedOnWhenLost && !availability.switched_on) {
        // Away longer than the server's resume window: it switched off. Say why.
        this.dispatch({ type: "availability_set", availability, reason: "connection_lost" });
      }
      this.switchedOnWhenLost = false;
    }
    if (conversations.ok) {
      const known = new Map(this.current.conversations.map((c) => [c.id, c]));
      const loaded = conversations.value.conversations.map((c) => {
        const newer = news.conversations.has(c.id) ? known.get(c.id) : undefined;
        if (!newer) return c;
        // An end never comes undone; a presence told meanwhile is newer than the answer.
        const ended = c.ended_at === null && newer.ended_at !== null;
        return {
          ...c,
          ...(ended ? { ended_at: newer.ended_at, ended_by: newer.ended_by } : {}),
          ...(news.presence.has(c.id) ? { asker_online: newer.asker_online } : {}),
        };
      });
      const ids = new Set(loaded.map((c) => c.id));
      // Started (or learned of) while the list was read: the answer may predate it.
      for (const id of news.conversations) {
        const conversation = known.get(id);
        if (conversation && !ids.has(id)) loaded.push(conversation);
      }
      this.dispatch({ type: "conversations_loaded", conversations: loaded });
      void this.giveKeysToDevices();
    }
    if (coverage.ok) {
      const known = new Map(this.current.coverage.map((c) => [c.topic_id, c]));
      const loaded = coverage.value.topics.map((c) =>
        news.topics.has(c.topic_id) ? (known.get(c.topic_id) ?? c) : c,
      );
      this.dispatch({ type: "coverage_loaded", coverage: loaded });
    }
    const tasks: Promise<unknown>[] = [];
    // Unless becoming available already started a read on this socket.
    if (this.current.availability?.available && this.lastReadFeed !== this.requestFeed) {
      tasks.push(this.loadRequests());
    }
    const open = this.current.openConversationId;
    // With the keys again if this device lacked them (another device may have given them).
    if (open) tasks.push(this.loadMessages(open, true));
    await Promise.all(tasks);
  }

  /** Reads the waiting requests; corrects the answer by what the socket said meanwhile. */
  async loadRequests(): Promise<void> {
    const read: PendingRequestRead = { feed: this.requestFeed, created: [], removed: new Set() };
    this.lastReadFeed = read.feed;
    this.requestReads.add(read);
    const result = await this.deps.api.requests();
    this.requestReads.delete(read);
    if (this.checkUnauthorized(result)) return;
    if (!result.ok) return; // not_available: the availability event says why
    if (read.feed !== this.requestFeed) return; // sent before a break: a later read counts
    const ids = new Set(result.value.requests.map((r) => r.id));
    const requests = [
      ...result.value.requests,
      ...read.created.filter((r) => !ids.has(r.id)),
    ].filter((r) => !read.removed.has(r.id));
    this.dispatch({ type: "requests_loaded", requests });
  }

  private async loadConversation(id: string): Promise<void> {
    const result = await this.deps.api.conversation(id);
    if (!result.ok) return;
    this.conversationChanged(id);
    this.dispatch({ type: "conversation_loaded", conversation: result.value });
  }

  /**
   * Reads the chat's messages; with `refreshKeys`, also its keys again if this device lacked
   * the newest (another device may have given it meanwhile).
   */
  loadMessages(conversationId: string, refreshKeys = false): Promise<Result<ChatMessage[]>> {
    const read = this.readMessages(conversationId, refreshKeys);
    this.histories.set(conversationId, read);
    return read;
  }

  /** "Erneut versuchen" at a chat this device has no key for: its keys and messages again. */
  async retryKeys(conversationId: string): Promise<void> {
    await this.loadMessages(conversationId, true);
  }

  private async readMessages(
    conversationId: string,
    refreshKeys: boolean,
  ): Promise<Result<ChatMessage[]>> {
    const lacking = this.e2e.get().chats[conversationId]?.problem === "no_key";
    const reading =
      refreshKeys && lacking && this.ciphers.has(conversationId)
        ? this.rereadKeys(conversationId)
        : this.cipherFor(conversationId);
    const cipher = await reading;
    const result = await this.deps.api.messages(conversationId);
    if (this.checkUnauthorized(result)) return result as Result<never>;
    if (!result.ok) return result;
    const messages = await this.openWith(cipher, result.value.messages);
    this.dispatch({ type: "messages_loaded", conversationId, messages });
    if (cipher && this.ciphers.get(conversationId) === reading) {
      this.readAgainIfNewer(conversationId, cipher, messages);
    }
    return { ok: true, value: messages };
  }

  /** A pushed message: opened, then applied (its chat's count, its list if that is loaded). */
  private async receiveMessage(message: Message): Promise<void> {
    const id = message.conversation_id;
    const event = (opened: ChatMessage) =>
      ({
        type: "server",
        event: { type: "message_posted", message: opened },
        at: this.deps.now(),
      }) as const;
    if (!this.current.messages[id] && !this.ciphers.has(id)) {
      // Not shown: only counted. Its list is read (and opened) when the chat is opened.
      this.dispatch(event(unreadable(message, "no_key")));
      return;
    }
    const reading = this.cipherFor(id);
    const cipher = await reading;
    const [opened] = await this.openWith(cipher, [message]);
    this.dispatch(event(opened!));
    if (cipher && this.ciphers.get(id) === reading) this.readAgainIfNewer(id, cipher, [message]);
  }

  /**
   * Messages sealed with a key newer than the conversation listed when its keys were read
   * (a new content key since): the keys and the messages are read again, once per key.
   */
  private readAgainIfNewer(
    conversationId: string,
    cipher: ConversationCipher,
    messages: readonly Message[],
  ): void {
    const newest = Math.max(
      0,
      ...messages.filter((m) => cipher.isNewer(m)).map((m) => m.sealed.key),
    );
    if (newest <= (this.readAgainFor.get(conversationId) ?? 0)) return;
    this.readAgainFor.set(conversationId, newest);
    void this.rereadKeys(conversationId);
    void this.loadMessages(conversationId);
  }

  private openWith(
    cipher: ConversationCipher | null,
    messages: readonly Message[],
  ): Promise<ChatMessage[]> {
    if (!cipher) return Promise.resolve(messages.map((m) => unreadable(m, "no_key")));
    return cipher.open(messages);
  }

  /** The conversation's keys on this device, read and opened once (again after a failure). */
  private cipherFor(conversationId: string): Promise<ConversationCipher | null> {
    return this.ciphers.get(conversationId) ?? this.readCipher(conversationId);
  }

  /**
   * The conversation's keys read again (a newer key, or one given to this device since): the
   * new cipher takes over what the earlier one sent (its counter, its sealed sends).
   */
  private rereadKeys(conversationId: string): Promise<ConversationCipher | null> {
    const earlier = this.ciphers.get(conversationId);
    if (earlier) this.retired.set(conversationId, earlier);
    this.ciphers.delete(conversationId);
    return this.readCipher(conversationId);
  }

  private readCipher(conversationId: string): Promise<ConversationCipher | null> {
    const earlier = this.retired.get(conversationId);
    const reading = (async () => {
      const cipher = await this.readKeys(conversationId);
      const before = earlier ? await earlier : null;
      if (cipher && before) cipher.continueFrom(before);
      return cipher;
    })();
    this.ciphers.set(conversationId, reading);
    void reading.then((cipher) => {
      if (this.ciphers.get(conversationId) !== reading) return;
      if (!cipher) {
        this.ciphers.delete(conversationId);
      } else if (this.retired.get(conversationId) === earlier) {
        this.retired.delete(conversationId);
      }
    });
    return reading;
  }

  private async readKeys(conversationId: string): Promise<ConversationCipher | null> {
    const device = await this.ensureDevice();
    if (!device) {
      this.chatE2e(conversationId, { problem: "no_device" });
      return null;
    }
    const result = await this.deps.api.keys(conversationId, device.deviceId);
    if (!result.ok) {
      const code = failureCode(result.failure);
      if (code === "unknown_device") this.deviceRemoved();
      this.chatE2e(conversationId, {
        problem:
          code === "unknown_device" ? "no_device" : code === "no_key" ? "no_key" : "unreachable",
      });
      return null;
    }
    try {
      const opened = await openChatKeys(result.value, device.keys, { device: device.deviceId });
      const newest = Math.max(0, ...result.value.keys.map((k) => k.key));
      this.chatE2e(conversationId, {
        safetyCode: opened.safetyCode,
        problem: opened.keys.has(newest) ? null : "no_key",
      });
      const self = `device:${device.deviceId}`;
      void this.giveMissingKeys(result.value, opened.keys, device.deviceId).catch(() => undefined);
      return new ConversationCipher(conversationId, opened.keys, self, newest);
    } catch {
      this.chatE2e(conversationId, { problem: "no_key" });
      return new ConversationCipher(conversationId, new Map(), `device:${device.deviceId}`);
    }
  }

  private chatE2e(conversationId: string, change: Partial<ChatE2e>): void {
    this.e2e.update((e) => ({
      ...e,
      chats: {
        ...e.chats,
        [conversationId]: {
          safetyCode: null,
          problem: null,
          ...e.chats[conversationId],
          ...change,
        },
      },
    }));
  }

  /** This device's keys: set up once per session (again after it failed). */
  private ensureDevice(): Promise<StoredDevice | null> {
    if (!this.device) {
      const setting = this.setUpDevice();
      this.device = setting;
      void setting.then((device) => {
        if (!device && this.device === setting && this.e2e.get().device.state !== "removed") {
          this.device = null;
        }
      });
    }
    return this.device;
  }

  private async setUpDevice(): Promise<StoredDevice | null> {
    this.e2e.update((e) => ({ ...e, device: { state: "setting_up" } }));
    const setup = await setUpDevice(this.deps.api, this.deps.keyStore, this.deps.deviceName);
    if (!setup.ok) {
      if (setup.failure) this.checkUnauthorized({ ok: false, failure: setup.failure });
      this.e2e.update((e) => ({ ...e, device: { state: "failed", problem: setup.problem } }));
      return null;
    }
    this.e2e.update((e) => ({
      ...e,
      device: { state: "ready", deviceId: setup.device.deviceId },
    }));
    // Chats that could not be read without keys: read again.
    for (const [id, chat] of Object.entries(this.e2e.get().chats)) {
      if (chat.problem === "no_device") this.ciphers.delete(id);
    }
    void this.loadDevices();
    return setup.device;
  }

  /** During a session: a device removed elsewhere gets a notice (a new login adds it again). */
  private async checkDevice(): Promise<void> {
    const status = this.e2e.get().device;
    if (status.state === "failed" && !this.device) {
      await this.ensureDevice();
      return;
    }
    if (status.state === "ready") await this.loadDevices();
  }

  private deviceRemoved(): void {
    this.device = Promise.resolve(null);
    this.ciphers.clear();
    this.e2e.update((e) => ({ ...e, device: { state: "removed" } }));
  }

  /** "Meine Geräte": read them again. */
  async loadDevices(): Promise<Failure | null> {
    const result = await this.deps.api.devices();
    if (this.checkUnauthorized(result)) return null;
    if (!result.ok) return result.failure;
    this.e2e.update((e) => ({ ...e, devices: result.value.devices }));
    const status = this.e2e.get().device;
    if (status.state === "ready" && !result.value.devices.some((d) => d.id === status.deviceId)) {
      this.deviceRemoved();
    }
    void this.giveKeysToDevices();
    return null;
  }

  /** "Entfernen" in "Meine Geräte": that device can read no new chat any more. */
  async removeDevice(deviceId: string): Promise<Failure | null> {
    const result = await this.deps.api.removeDevice(deviceId);
    if (this.checkUnauthorized(result)) return null;
    if (!result.ok && failureCode(result.failure) !== "unknown_device") return result.failure;
    this.e2e.update((e) => ({
      ...e,
      devices: e.devices?.filter((d) => d.id !== deviceId) ?? null,
    }));
    const status = this.e2e.get().device;
    if (status.state === "ready" && status.deviceId === deviceId) {
      this.deviceRemoved();
    } else if (result.ok && status.state === "ready") {
      // It is logged out on the server; the running chats get a key it never had.
      this.renewing = this.renewing.then(() => this.renewKeys()).catch(() => undefined);
    }
    return null;
  }

  /** Resolves when the renewal of the chats' keys after removing devices is done. */
  keysRenewed(): Promise<void> {
    return this.renewing;
  }

  /**
   * After this device removed another one: each running chat whose newest key this device
   * holds gets a new content key, for the asker and exactly the devices there are now, so the
   * removed device can read no message written from now on.
   */
  private async renewKeys(): Promise<void> {
    const device = await this.ensureDevice();
    if (!device || this.ended) return;
    const running = this.current.conversations.filter((c) => c.ended_at === null);
    // Renewed, or not this device's to renew (ended meanwhile, its newest key not held here).
    const done = new Set<string>();
    const failed = new Set<string>();
    for (const conversation of running) {
      if (this.ended || this.e2e.get().device.state !== "ready") break;
      const outcome = await this.renewKey(conversation.id, device).catch(() => "failed" as const);
      (outcome === "failed" ? failed : done).add(conversation.id);
    }
    this.e2e.update((e) => ({
      ...e,
      rekeyFailed: [...e.rekeyFailed.filter((id) => !done.has(id) && !failed.has(id)), ...failed],
    }));
  }

  /**
   * One chat's new key: number newest + 1. If another device made that number meanwhile
   * (`key_outdated`) or the devices changed (`devices_changed`), the keys and devices are
   * read again and it is tried once more — unless the newest key is then a newer one this
   * device holds (another device renewed it already).
   */
  private async renewKey(
    conversationId: string,
    device: StoredDevice,
  ): Promise<"renewed" | "skipped" | "failed"> {
    const { api } = this.deps;
    const contentKey = newContentKey();
    let tried: number | null = null;
    for (let attempt = 0; attempt < 2; attempt++) {
      const [keys, devices] = await Promise.all([
        api.keys(conversationId, device.deviceId),
        api.devices(),
      ]);
      if (this.checkUnauthorized(keys) || this.checkUnauthorized(devices)) return "failed";
      if (!keys.ok) {
        if (failureCode(keys.failure) === "unknown_device") this.deviceRemoved();
        return "failed";
      }
      if (!devices.ok) return "failed";
      this.e2e.update((e) => ({ ...e, devices: devices.value.devices }));
      if (!devices.value.devices.some((d) => d.id === device.deviceId)) {
        this.deviceRemoved();
        return "failed";
      }
      const newest = newestKey(keys.value);
      if (!newest) return "skipped";
      const holds = newest.wrapped !== null;
      if (tried === null && !holds) return "skipped"; // not this device's to renew
      if (tried !== null && newest.key > tried && holds) {
        this.keysChanged(conversationId);
        return "renewed";
      }
      let body: NewKey;
      try {
        body = await newKeyBody(
          contentKey,
          conversationId,
          newest.key + 1,
          keys.value.asker_key,
          devices.value.devices,
        );
      } catch {
        return "failed";
      }
      tried = newest.key;
      const result = await api.newKey(conversationId, body);
      if (this.checkUnauthorized(result)) return "failed";
      if (result.ok) {
        this.keysChanged(conversationId);
        return "renewed";
      }
      const code = failureCode(result.failure);
      if (code === "conversation_ended") {
        void this.loadConversation(conversationId);
        return "skipped";
      }
      if (code !== "key_outdated" && code !== "devices_changed") return "failed";
    }
    return "failed";
  }

  /** The chat has a newer key: a cipher in use reads the keys again and seals with it. */
  private keysChanged(conversationId: string): void {
    if (this.ciphers.has(conversationId)) void this.rereadKeys(conversationId);
  }

  /**
   * Gives the keys of the listed chats (running and ended) to the counselor's devices that
   * lack them (added after the key was made). Asked for whenever the chats or the devices
   * were read; each chat's keys are read once per device that was not checked yet.
   */
  private giveKeysToDevices(): Promise<void> {
    if (this.giving) {
      this.giveAgain = true;
      return this.giving;
    }
    const run = (async () => {
      do {
        this.giveAgain = false;
        await this.giveKeysOnce();
      } while (this.giveAgain && !this.ended);
    })()
      .catch(() => undefined)
      .finally(() => {
        this.giving = null;
      });
    this.giving = run;
    return run;
  }

  /** Resolves when the keys were given to the devices that lacked them (as far as known). */
  async keysGiven(): Promise<void> {
    while (this.giving) await this.giving;
  }

  private async giveKeysOnce(): Promise<void> {
    if (this.e2e.get().device.state !== "ready" || !this.current.conversationsLoaded) return;
    const device = await this.device;
    const devices = this.e2e.get().devices;
    if (!device || !devices) return;
    const others = devices.filter((d) => d.id !== device.deviceId);
    if (others.length === 0) return;
    for (const conversation of [...this.current.conversations]) {
      if (this.ended || this.e2e.get().device.state !== "ready") return;
      const id = conversation.id;
      // A key is made for every device there is then: only one added since the chat started
      // (give or take the servers' clocks) can lack one.
      const later = others.filter((d) => d.added_at >= conversation.started_at - CLOCK_MARGIN_MS);
      if (later.every((d) => this.checkedKeys.has(JSON.stringify([id, d.id])))) continue;
      const result = await this.deps.api.keys(id, device.deviceId);
      if (this.checkUnauthorized(result)) return;
      if (!result.ok) {
        if (failureCode(result.failure) === "unknown_device") {
          this.deviceRemoved();
          return;
        }
        continue;
      }
      let opened;
      try {
        opened = await openChatKeys(result.value, device.keys, { device: device.deviceId });
      } catch {
        continue;
      }
      await this.giveMissingKeys(result.value, opened.keys, device.deviceId);
    }
  }

  /**
   * Each key of `chatKeys` this device holds (`held`), for each of the counselor's current
   * devices its readers lack: wrapped for that device and given to it. At most once per
   * chat, key and device in this page's life, whatever the answer.
   */
  private async giveMissingKeys(
    chatKeys: ChatKeys,
    held: ReadonlyMap<number, Uint8Array>,
    self: string,
  ): Promise<void> {
    const devices = this.e2e.get().devices;
    if (!devices) return;
    const conversationId = chatKeys.conversation_id;
    for (const entry of chatKeys.keys) {
      const contentKey = held.get(entry.key);
      if (!contentKey) continue;
      const readers = new Set(entry.readers.map((r) => r.device));
      for (const device of devices) {
        const mark = JSON.stringify([conversationId, entry.key, device.id]);
        if (device.id === self || readers.has(device.id) || this.givenKeys.has(mark)) continue;
        this.givenKeys.add(mark);
        let wrapped: string;
        try {
          wrapped = encodeWrapped(
            await wrapContentKey(contentKey, fromBase64Url(device.public_key), conversationId),
          );
        } catch {
          continue; // not a public key: nothing to give it
        }
        const result = await this.deps.api.giveKey(conversationId, entry.key, {
          device: device.id,
          wrapped,
        });
        // `unknown_device`: removed meanwhile; anything else is not tried again on this page.
        if (this.checkUnauthorized(result) || this.ended) return;
      }
    }
    for (const device of devices) this.checkedKeys.add(JSON.stringify([conversationId, device.id]));
  }

  async openConversation(conversationId: string): Promise<void> {
    this.dispatch({ type: "conversation_opened", conversationId });
    if (!this.current.conversations.some((c) => c.id === conversationId)) {
      await this.loadConversation(conversationId);
      this.dispatch({ type: "conversation_opened", conversationId });
    }
    await this.loadMessages(conversationId, true);
  }

  closeConversation(): void {
    this.dispatch({ type: "conversation_closed" });
  }

  /** Switches "Meine Live-Chat Verfügbarkeit". Ask `uncoveredBySwitchingOff` first. */
  async switchAvailability(on: boolean): Promise<Failure | null> {
    const seen = this.availabilityPushes;
    const result = await this.deps.api.switchAvailability(on);
    if (this.checkUnauthorized(result)) return null;
    if (!result.ok) return result.failure;
    this.commandAnswered(result.value, "toggle", seen);
    // Becoming available (by this answer or by the pushed event) started the read.
    if (this.current.availability?.available) await this.requestsRead;
    return null;
  }

  async setAbsence(absent: boolean, message: string | null): Promise<Failure | null> {
    const seen = this.availabilityPushes;
    const result = await this.deps.api.setAbsence({ absent, message });
    if (this.checkUnauthorized(result)) return null;
    if (!result.ok) return result.failure;
    this.commandAnswered(result.value, "absence", seen);
    return null;
  }

  /**
   * "Chat starten": makes the chat's content key and wraps it for the asker and for exactly
   * the counselor's current devices; if those changed meanwhile (`devices_changed`), once
   * more with the devices read again. On `already_taken` / `request_gone` the request leaves
   * the list.
   */
  async accept(requestId: string): Promise<Result<Conversation>> {
    const device = await this.ensureDevice();
    if (!device) {
      const removed = this.e2e.get().device.state === "removed";
      return fail(localFailure(removed ? "unknown_device" : "no_key"));
    }
    const find = () => this.current.requests.find((r) => r.id === requestId);
    // Its asker's key comes with the list: read the list if it lacks the request.
    if (!find()) await this.loadRequests();
    const request = find();
    if (!request) {
      this.requestGone(requestId);
      return fail(localFailure("request_gone"));
    }
    const contentKey = newContentKey();
    let result: Result<Conversation> | null = null;
    for (let attempt = 0; attempt < 2; attempt++) {
      const devices = await this.deps.api.devices();
      if (this.checkUnauthorized(devices)) return devices as Result<never>;
      if (!devices.ok) return devices;
      this.e2e.update((e) => ({ ...e, devices: devices.value.devices }));
      if (!devices.value.devices.some((d) => d.id === device.deviceId)) {
        this.deviceRemoved();
        return fail(localFailure("unknown_device"));
      }
      let body: AcceptRequest;
      try {
        body = await grant(contentKey, requestId, request.asker_key, devices.value.devices);
      } catch {
        return fail(localFailure("key_invalid"));
      }
      result = await this.deps.api.accept(requestId, body);
      if (result.ok || failureCode(result.failure) !== "devices_changed") break;
    }
    if (!result) return fail(localFailure("devices_changed"));
    if (this.checkUnauthorized(result)) return result;
    if (result.ok) {
      this.requestGone(requestId);
      this.conversationChanged(result.value.id);
      this.dispatch({ type: "conversation_loaded", conversation: result.value });
      return result;
    }
    const code = failureCode(result.failure);
    if (code === "already_taken" || code === "request_gone") this.requestGone(requestId);
    return result;
  }

  /** Learned from an answer: the request no longer waits, also for reads still in flight. */
  private requestGone(requestId: string): void {
    for (const read of this.requestReads) read.removed.add(requestId);
    this.dispatch({ type: "request_gone", requestId });
  }

  /** Seals `text` with the chat's key and sends it; a retry (same `clientId`) is the same. */
  async send(conversationId: string, text: string, clientId?: string): Promise<Failure | null> {
    // Numbered after the history (a reload continues after this device's highest counter).
    await this.histories.get(conversationId);
    const cipher = await this.cipherFor(conversationId);
    if (!cipher || cipher.sealingKey === null) {
      const removed = this.e2e.get().device.state === "removed";
      return localFailure(removed ? "unknown_device" : "no_key");
    }
    let sealed;
    try {
      sealed = await cipher.seal(text, clientId);
    } catch (error) {
      const tooLong = error instanceof E2eError && error.problem === "too_long";
      return localFailure(tooLong ? "message_too_long" : "no_key");
    }
    const result = await this.deps.api.send(conversationId, sealed, clientId);
    if (this.checkUnauthorized(result)) return null;
    if (!result.ok) {
      const code = failureCode(result.failure);
      if (code === "conversation_ended") void this.loadConversation(conversationId);
      if (code === "unknown_device") this.deviceRemoved();
      return result.failure;
    }
    this.conversationChanged(conversationId);
    const [message] = await cipher.open([result.value]);
    this.dispatch({ type: "message_sent", message: message! });
    return null;
  }

  async end(conversationId: string): Promise<Failure | null> {
    const result = await this.deps.api.end(conversationId);
    if (this.checkUnauthorized(result)) return null;
    if (!result.ok && failureCode(result.failure) !== "conversation_ended") return result.failure;
    this.conversationChanged(conversationId);
    this.dispatch({ type: "ended_by_me", conversationId, at: this.deps.now() });
    void this.loadConversation(conversationId);
    return null;
  }

  /** "Meine Statistik" of the days `from`..`to`, counted from the counselor's midnights. */
  statistics(from: string, to: string): Promise<Result<Statistics>> {
    return this.deps.api.statistics({ from, to, utcOffsetMinutes: this.utcOffsetMinutes() });
  }

  /** Gives where the file was saved, where the host knows it (the desktop app). */
  downloadStatistics(from: string, to: string, fileName: string): Promise<Result<string | null>> {
    return this.deps.api.downloadStatistics(
      { from, to, utcOffsetMinutes: this.utcOffsetMinutes() },
      fileName,
    );
  }

  private utcOffsetMinutes(): number {
    return this.deps.utcOffsetMinutes?.() ?? utcOffsetMinutes(new Date(this.deps.now()));
  }

  dismissAlert(requestId?: string): void {
    this.dispatch({ type: "alert_dismissed", requestId });
  }

  dismissShiftReminder(): void {
    this.dispatch({ type: "shift_reminder_dismissed" });
  }

  /** "Meine Chatzeiten". */
  shifts(): Promise<Result<MyShifts>> {
    return this.deps.api.shifts();
  }

  setShifts(body: SetMyShifts): Promise<Result<MyShifts>> {
    return this.deps.api.setShifts(body);
  }

  /** A topic's weekly plan (this week). */
  plan(slug: string): Promise<Result<WeekPlan>> {
    return this.deps.api.plan(slug);
  }

  /** Logs out on the server (which switches availability off), then here. */
  async logout(): Promise<Failure | null> {
    const result = await (this.deps.logout ?? this.deps.api.logout)();
    this.finish("logged_out");
    return result.ok || failureCode(result.failure) === "unauthorized" ? null : result.failure;
  }

  /** Stops the live connection without telling the server (e.g. the page is torn down). */
  dispose(): void {
    this.live?.close();
    this.live = null;
  }

  private async stillLoggedIn(): Promise<boolean> {
    const seen = this.availabilityNews;
    const result = await this.deps.api.me();
    if (this.checkUnauthorized(result)) return false;
    if (result.ok) this.profileLoaded(result.value, seen);
    return !this.ended;
  }

  /** An `unauthorized` answer means the token is dead: the session is over. */
  private checkUnauthorized(result: Result<unknown>): boolean {
    if (!result.ok && failureCode(result.failure) === "unauthorized") {
      this.finish("expired");
      return true;
    }
    return false;
  }

  private finish(reason: SessionEndReason): void {
    if (this.ended) return;
    this.ended = true;
    this.dispatch({
      type: "server",
      event: { type: "session_ended", reason },
      at: this.deps.now(),
    });
    this.dispose();
    this.connection.set("closed");
    this.deps.onEnded?.(reason);
  }
}

/** The content key wrapped for the asker and for each of `devices` (the accept's body). */
async function grant(
  contentKey: Uint8Array,
  conversationId: string,
  askerKey: string,
  devices: readonly Device[],
): Promise<AcceptRequest> {
  const wrap = async (publicKey: string) =>
    encodeWrapped(await wrapContentKey(contentKey, fromBase64Url(publicKey), conversationId));
  return {
    keys: {
      asker: await wrap(askerKey),
      devices: await Promise.all(
        devices.map(async (d) => ({ device: d.id, wrapped: await wrap(d.public_key) })),
      ),
    },
  };
}

/** How far the clocks of the server's instances may be apart (devices added vs chats started). */
const CLOCK_MARGIN_MS = 5 * 60_000;

/** A new content key numbered `key`, wrapped for the asker and for each of `devices`. */
async function newKeyBody(
  contentKey: Uint8Array,
  conversationId: string,
  key: number,
  askerKey: string,
  devices: readonly Device[],
): Promise<NewKey> {
  const { keys } = await grant(contentKey, conversationId, askerKey, devices);
  return { key, asker: keys.asker, devices: keys.devices };
}

/** The newest of a chat's keys (the highest number), if it has any. */
const newestKey = (keys: ChatKeys): ChatKeys["keys"][number] | undefined =>
  keys.keys.reduce<ChatKeys["keys"][number] | undefined>(
    (a, k) => (a && a.key > k.key ? a : k),
    undefined,
  );

/** The conversation an event changes, if it changes one. */
function conversationOf(event: ServerEvent): string | null {
  switch (event.type) {
    case "conversation_started":
      return event.conversation.id;
    case "message_posted":
      return event.message.conversation_id;
    case "asker_presence_changed":
    case "conversation_ended":
      return event.conversation_id;
    default:
      return null;
  }
}
