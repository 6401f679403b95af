// A logged-in counselor's session: feeds server events and HTTP answers into the pure
// reducer (./state.ts) and re-reads everything it may have missed after every (re)connect.
// No polling: between connects, only pushed events change the view.
import type { CounselorApi } from "../api/counselor";
import { failureCode, type Failure, type Result } from "../platform/http";
import type { ConnectionState, LiveConnection } from "../platform/live";
import { createStore, type Store } from "../lib/store";
import { utcOffsetMinutes } from "../lib/time";
import type {
  Conversation,
  LiveChatRequest,
  Me,
  Message,
  ServerEvent,
  SessionEndReason,
  Statistics,
} from "../wire/types";
import {
  initialDashboard,
  reduceDashboard,
  type DashboardAction,
  type DashboardState,
} from "./state";

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
}

/** Collects what the socket says while a list is being read, to correct the read's answer. */
interface PendingRequestRead {
  created: LiveChatRequest[];
  removed: Set<string>;
}

export class CounselorSession {
  readonly state: Store<DashboardState> = createStore(initialDashboard);
  readonly connection: Store<ConnectionState> = createStore<ConnectionState>("connecting");
  private live: LiveConnection | null = null;
  private ended = false;
  private pendingRequestRead: PendingRequestRead | null = null;
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
    this.state.update((s) => reduceDashboard(s, action));
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
      void this.resync();
      return;
    }
    const wasAvailable = this.current.availability?.available ?? false;
    const read = this.pendingRequestRead;
    if (read) {
      if (event.type === "request_created") read.created.push(event.request);
      if (event.type === "request_withdrawn" || event.type === "request_taken") {
        read.removed.add(event.request_id);
      }
    }
    const knewRequest =
      event.type === "request_created" &&
      this.current.requests.some((r) => r.id === event.request.id);

    this.dispatch({ type: "server", event, at: this.deps.now() });

    switch (event.type) {
      case "request_created":
        if (!knewRequest && this.current.availability?.available) {
          this.deps.onNewRequest?.(event.request);
        }
        break;
      case "availability_changed":
        if (!wasAvailable && event.availability.available) void this.loadRequests();
        break;
      case "message_posted":
        if (!this.current.conversations.some((c) => c.id === event.message.conversation_id)) {
          void this.loadConversation(event.message.conversation_id);
        }
        break;
      case "requests_changed":
        // This socket fell behind a flood of requests: the server left their events out.
        if (this.current.availability?.available) void this.loadRequests();
        break;
      case "session_ended":
        this.finish(event.reason);
        break;
    }
  }

  private connectionLost(): void {
    this.switchedOnWhenLost ||= this.current.availability?.switched_on ?? false;
    this.dispatch({ type: "connection_lost" });
  }

  /** After every (re)connect: read what may have changed while the socket was away. */
  async resync(): Promise<void> {
    const { api } = this.deps;
    const [me, conversations, coverage] = await Promise.all([
      api.me(),
      api.conversations(),
      api.coverage(),
    ]);
    if (this.checkUnauthorized(me) || this.ended) return;
    if (me.ok) {
      this.dispatch({ type: "me_loaded", me: me.value });
      if (this.switchedOnWhenLost && !me.value.availability.switched_on) {
        // Away longer than the server's resume window: it switched off. Say why.
        this.dispatch({
          type: "availability_set",
          availability: me.value.availability,
          reason: "connection_lost",
        });
      }
      this.switchedOnWhenLost = false;
    }
    if (conversations.ok) {
      this.dispatch({
        type: "conversations_loaded",
        conversations: conversations.value.conversations,
      });
    }
    if (coverage.ok) this.dispatch({ type: "coverage_loaded", coverage: coverage.value.topics });
    const tasks: Promise<unknown>[] = [];
    if (this.current.availability?.available) tasks.push(this.loadRequests());
    const open = this.current.openConversationId;
    if (open) tasks.push(this.loadMessages(open));
    await Promise.all(tasks);
  }

  /** Reads the waiting requests; corrects the answer by what the socket said meanwhile. */
  async loadRequests(): Promise<void> {
    const read: PendingRequestRead = { created: [], removed: new Set() };
    this.pendingRequestRead = read;
    const result = await this.deps.api.requests();
    if (this.pendingRequestRead === read) this.pendingRequestRead = null;
    if (this.checkUnauthorized(result)) return;
    if (!result.ok) return; // not_available: the availability event says why
    const ids = new Set(result.value.requests.map((r) => r.id));
    const requests = [
      ...result.value.requests,
      ...read.created.filter((r) => !ids.has(r.id)),
    ].filter((r) => !read.removed.has(r.id));
    this.dispatch({ type: "requests_loaded", requests });
  }

  private async loadConversation(id: string): Promise<void> {
    const result = await this.deps.api.conversation(id);
    if (result.ok) this.dispatch({ type: "conversation_loaded", conversation: result.value });
  }

  async loadMessages(conversationId: string): Promise<Result<Message[]>> {
    const result = await this.deps.api.messages(conversationId);
    if (this.checkUnauthorized(result)) return result as Result<never>;
    if (!result.ok) return result;
    this.dispatch({ type: "messages_loaded", conversationId, messages: result.value.messages });
    return { ok: true, value: result.value.messages };
  }

  async openConversation(conversationId: string): Promise<void> {
    this.dispatch({ type: "conversation_opened", conversationId });
    if (!this.current.conversations.some((c) => c.id === conversationId)) {
      await this.loadConversation(conversationId);
      this.dispatch({ type: "conversation_opened", conversationId });
    }
    await this.loadMessages(conversationId);
  }

  closeConversation(): void {
    this.dispatch({ type: "conversation_closed" });
  }

  /** Switches "Meine Live-Chat Verfügbarkeit". Ask `uncoveredBySwitchingOff` first. */
  async switchAvailability(on: boolean): Promise<Failure | null> {
    const result = await this.deps.api.switchAvailability(on);
    if (this.checkUnauthorized(result)) return null;
    if (!result.ok) return result.failure;
    this.dispatch({ type: "availability_set", availability: result.value, reason: "toggle" });
    if (result.value.available) await this.loadRequests();
    return null;
  }

  async setAbsence(absent: boolean, message: string | null): Promise<Failure | null> {
    const result = await this.deps.api.setAbsence({ absent, message });
    if (this.checkUnauthorized(result)) return null;
    if (!result.ok) return result.failure;
    this.dispatch({ type: "availability_set", availability: result.value, reason: "absence" });
    return null;
  }

  /** "Chat starten". On `already_taken` / `request_gone` the request leaves the list. */
  async accept(requestId: string): Promise<Result<Conversation>> {
    const result = await this.deps.api.accept(requestId);
    if (this.checkUnauthorized(result)) return result;
    if (result.ok) {
      this.dispatch({ type: "request_gone", requestId });
      this.dispatch({ type: "conversation_loaded", conversation: result.value });
      return result;
    }
    const code = failureCode(result.failure);
    if (code === "already_taken" || code === "request_gone") {
      this.dispatch({ type: "request_gone", requestId });
    }
    return result;
  }

  async send(conversationId: string, text: string, clientId?: string): Promise<Failure | null> {
    const result = await this.deps.api.send(conversationId, text, clientId);
    if (this.checkUnauthorized(result)) return null;
    if (!result.ok) {
      if (failureCode(result.failure) === "conversation_ended")
        void this.loadConversation(conversationId);
      return result.failure;
    }
    this.dispatch({ type: "message_sent", message: result.value });
    return null;
  }

  async end(conversationId: string): Promise<Failure | null> {
    const result = await this.deps.api.end(conversationId);
    if (this.checkUnauthorized(result)) return null;
    if (!result.ok && failureCode(result.failure) !== "conversation_ended") return result.failure;
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
    const result = await this.deps.api.me();
    if (this.checkUnauthorized(result)) return false;
    if (result.ok) this.dispatch({ type: "me_loaded", me: result.value });
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
