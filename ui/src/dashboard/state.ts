// The counselor dashboard as a pure function: events in, view state out.
// Server events (`ServerEvent`) and the answers of re-reads after a reconnect both land here.
// Messages arrive opened (`ChatMessage`): the session opens every sealed one first.
import type { ChatMessage } from "../crypto/conversation";
import { mergeMessages } from "../lib/messages";
import type {
  Availability,
  Conversation,
  LiveChatRequest,
  Me,
  Overview,
  ServerEvent,
  SessionEndReason,
  ShiftNotice,
  SwitchReason,
  TopicCoverage,
} from "../wire/types";

/** A shift reminder the dashboard shows until it is dealt with or dismissed. */
export interface ShiftReminderView {
  notice: ShiftNotice;
  topicName: string;
  startsAt: number;
  endsAt: number;
}

export interface ConversationView extends Conversation {
  /** Asker messages that arrived while the conversation was not open. */
  unread: number;
}

/** A new request the counselor has not looked at yet (in-app alert, sound). */
export interface RequestAlert {
  requestId: string;
  topicName: string;
  enteredAt: number;
}

export interface DashboardState {
  me: Me | null;
  availability: Availability | null;
  /** Why the availability changed last, when another place or the server switched it. */
  availabilityReason: SwitchReason | null;
  /** Waiting requests, oldest first. Empty and not loaded while unavailable. */
  requests: LiveChatRequest[];
  requestsLoaded: boolean;
  /** Running conversations first (newest first), then ended ones (latest end first). */
  conversations: ConversationView[];
  conversationsLoaded: boolean;
  /** Messages of conversations that were opened, by conversation id. */
  messages: Record<string, ChatMessage[]>;
  openConversationId: string | null;
  coverage: TopicCoverage[];
  alerts: RequestAlert[];
  sessionEnded: SessionEndReason | null;
  /** The last shift reminder ("Ihre Chatzeit beginnt – Sie sind noch nicht verfügbar"). */
  shiftReminder: ShiftReminderView | null;
  /** Why the administration switched this counselor off, until they switch on again. */
  operatorReason: string | null;
  /** The live overview (operators only), as the socket pushed it last. */
  overview: Overview | null;
}

export const initialDashboard: DashboardState = {
  me: null,
  availability: null,
  availabilityReason: null,
  requests: [],
  requestsLoaded: false,
  conversations: [],
  conversationsLoaded: false,
  messages: {},
  openConversationId: null,
  coverage: [],
  alerts: [],
  sessionEnded: null,
  shiftReminder: null,
  operatorReason: null,
  overview: null,
};

/** What the client itself learned: answers of HTTP calls and the counselor's own actions. */
export type DashboardAction =
  | { type: "me_loaded"; me: Me }
  | { type: "availability_set"; availability: Availability; reason: SwitchReason }
  | { type: "requests_loaded"; requests: LiveChatRequest[] }
  | { type: "request_gone"; requestId: string }
  | { type: "conversations_loaded"; conversations: Conversation[] }
  | { type: "conversation_loaded"; conversation: Conversation }
  | { type: "messages_loaded"; conversationId: string; messages: ChatMessage[] }
  | { type: "message_sent"; message: ChatMessage }
  | { type: "conversation_opened"; conversationId: string }
  | { type: "conversation_closed" }
  | { type: "ended_by_me"; conversationId: string; at: number }
  | { type: "coverage_loaded"; coverage: TopicCoverage[] }
  | { type: "alert_dismissed"; requestId?: string }
  | { type: "shift_reminder_dismissed" }
  /**
   * The live connection broke. The server now counts the counselor as not available (the
   * switch stays on for its resume window), so the dashboard says the same until it is back.
   */
  | { type: "connection_lost" }
  | { type: "server"; event: DashboardEvent; at: number };

/** A server event as the reducer takes it: a pushed message opened by the session. */
export type DashboardEvent =
  | Exclude<ServerEvent, { type: "message_posted" }>
  | { type: "message_posted"; message: ChatMessage };

function sortRequests(requests: LiveChatRequest[]): LiveChatRequest[] {
  return [...requests].sort(
    (a, b) => a.entered_at - b.entered_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

function sortConversations(list: ConversationView[]): ConversationView[] {
  return [...list].sort((a, b) => {
    const aRunning = a.ended_at === null;
    const bRunning = b.ended_at === null;
    if (aRunning !== bRunning) return aRunning ? -1 : 1;
    const aTime = aRunning ? (a.last_message_at ?? a.started_at) : (a.ended_at ?? 0);
    const bTime = bRunning ? (b.last_message_at ?? b.started_at) : (b.ended_at ?? 0);
    return bTime - aTime;
  });
}

function withoutRequest(state: DashboardState, requestId: string): DashboardState {
  if (
    !state.requests.some((r) => r.id === requestId) &&
    !state.alerts.some((a) => a.requestId === requestId)
  ) {
    return state;
  }
  return {
    ...state,
    requests: state.requests.filter((r) => r.id !== requestId),
    alerts: state.alerts.filter((a) => a.requestId !== requestId),
  };
}

function setAvailability(
  state: DashboardState,
  availability: Availability,
  reason: SwitchReason | null,
): DashboardState {
  // A reminder to switch on is done once available; one to switch off once off.
  const reminder = state.shiftReminder;
  const settled =
    reminder !== null &&
    ((reminder.notice === "started" && availability.available) ||
      (reminder.notice === "ended" && !availability.switched_on));
  const next: DashboardState = {
    ...state,
    availability,
    availabilityReason: reason,
    me: state.me ? { ...state.me, availability } : state.me,
    shiftReminder: settled ? null : reminder,
    // The administration's word stays until the counselor switches on again.
    operatorReason: availability.switched_on ? null : state.operatorReason,
  };
  if (!availability.available) {
    // Only available counselors see requests: the list goes, and must be re-read later.
    return { ...next, requests: [], requestsLoaded: false, alerts: [] };
  }
  return next;
}

function upsertConversation(state: DashboardState, conversation: Conversation): DashboardState {
  const known = state.conversations.find((c) => c.id === conversation.id);
  const unread = known?.unread ?? 0;
  const others = state.conversations.filter((c) => c.id !== conversation.id);
  return {
    ...state,
    conversations: sortConversations([...others, { ...conversation, unread }]),
  };
}

function patchConversation(
  state: DashboardState,
  id: string,
  patch: (c: ConversationView) => ConversationView,
): DashboardState {
  if (!state.conversations.some((c) => c.id === id)) return state;
  return {
    ...state,
    conversations: sortConversations(state.conversations.map((c) => (c.id === id ? patch(c) : c))),
  };
}

function conversationsLoaded(state: DashboardState, loaded: Conversation[]): DashboardState {
  const before = new Map(state.conversations.map((c) => [c.id, c]));
  const conversations = loaded.map((c): ConversationView => {
    const known = before.get(c.id);
    if (!known) {
      // First load (or a conversation that started while we were away): nothing counts as
      // unread except what arrived while the dashboard already knew the conversation.
      return { ...c, unread: 0 };
    }
    const open = state.openConversationId === c.id;
    // Messages that arrived while the socket was away count as unread unless it is open.
    // (The count includes the counselor's own messages from another device; acceptable.)
    const missed = Math.max(0, c.message_count - known.message_count);
    return { ...c, unread: open ? 0 : known.unread + missed };
  });
  return { ...state, conversations: sortConversations(conversations), conversationsLoaded: true };
}

function applyServerEvent(
  state: DashboardState,
  event: DashboardEvent,
  at: number,
): DashboardState {
  switch (event.type) {
    case "availability_changed": {
      // Without a reason the server just tells a new socket how things are; if the switch
      // did not move, the reason known for its position still holds.
      const unchanged = state.availability?.switched_on === event.availability.switched_on;
      const reason = event.reason ?? (unchanged ? state.availabilityReason : null);
      return setAvailability(state, event.availability, reason);
    }

    case "request_created": {
      if (!state.availability?.available) return state;
      if (state.requests.some((r) => r.id === event.request.id)) return state;
      // Without a free seat the request is listed, but nobody is alerted.
      if (event.notify === false) {
        return { ...state, requests: sortRequests([...state.requests, event.request]) };
      }
      const alert: RequestAlert = {
        requestId: event.request.id,
        topicName: event.request.topic_name,
        enteredAt: event.request.entered_at,
      };
      return {
        ...state,
        requests: sortRequests([...state.requests, event.request]),
        alerts: [...state.alerts, alert],
      };
    }

    case "request_withdrawn":
    case "request_taken":
      return withoutRequest(state, event.request_id);

    case "coverage_changed": {
      const others = state.coverage.filter((c) => c.topic_id !== event.coverage.topic_id);
      return {
        ...state,
        coverage: [...others, event.coverage].sort((a, b) =>
          a.topic_name.localeCompare(b.topic_name),
        ),
      };
    }

    case "conversation_started":
      return upsertConversation(state, event.conversation);

    case "asker_presence_changed":
      return patchConversation(state, event.conversation_id, (c) => ({
        ...c,
        asker_online: event.online,
      }));

    case "message_posted": {
      const { message } = event;
      const id = message.conversation_id;
      const loaded = state.messages[id];
      const alreadyKnown = loaded?.some((m) => m.id === message.id) ?? false;
      const messages = loaded
        ? { ...state.messages, [id]: mergeMessages(loaded, [message]) }
        : state.messages;
      const next = { ...state, messages };
      if (alreadyKnown) return next;
      const open = state.openConversationId === id;
      return patchConversation(next, id, (c) => ({
        ...c,
        message_count: c.message_count + 1,
        last_message_at: Math.max(c.last_message_at ?? 0, message.sent_at),
        unread: !open && message.from === "asker" ? c.unread + 1 : c.unread,
      }));
    }

    case "conversation_ended":
      return patchConversation(state, event.conversation_id, (c) => ({
        ...c,
        ended_at: c.ended_at ?? at,
        ended_by: c.ended_by ?? event.by,
      }));

    case "session_ended":
      return { ...state, sessionEnded: event.reason };

    case "shift_reminder":
      // A reminder to switch on means nothing to a counselor who is available by now.
      if (event.notice === "started" && state.availability?.available) return state;
      return {
        ...state,
        shiftReminder: {
          notice: event.notice,
          topicName: event.topic_name,
          startsAt: event.starts_at,
          endsAt: event.ends_at,
        },
      };
    case "switched_off_by_operator":
      return { ...state, operatorReason: event.reason };

    case "overview_changed":
      return { ...state, overview: event.overview };

    default:
      // ready, pong, gate events and asker events do not change the dashboard.
      return state;
  }
}

export function reduceDashboard(state: DashboardState, action: DashboardAction): DashboardState {
  switch (action.type) {
    case "me_loaded":
      return setAvailability(
        { ...state, me: action.me },
        action.me.availability,
        state.availabilityReason,
      );

    case "availability_set":
      return setAvailability(state, action.availability, action.reason);

    case "requests_loaded": {
      if (!state.availability?.available) return state;
      const ids = new Set(action.requests.map((r) => r.id));
      return {
        ...state,
        requests: sortRequests(action.requests),
        requestsLoaded: true,
        // Alerts only for requests that still wait.
        alerts: state.alerts.filter((a) => ids.has(a.requestId)),
      };
    }

    case "request_gone":
      return withoutRequest(state, action.requestId);

    case "conversations_loaded":
      return conversationsLoaded(state, action.conversations);

    case "conversation_loaded":
      return upsertConversation(state, action.conversation);

    case "messages_loaded": {
      const existing = state.messages[action.conversationId] ?? [];
      return {
        ...state,
        messages: {
          ...state.messages,
          [action.conversationId]: mergeMessages(existing, action.messages),
        },
      };
    }

    case "message_sent":
      // The answer of the send; the pushed `message_posted` for it is then recognised.
      return applyServerEvent(
        {
          ...state,
          messages: state.messages[action.message.conversation_id]
            ? state.messages
            : { ...state.messages, [action.message.conversation_id]: [] },
        },
        { type: "message_posted", message: action.message },
        action.message.sent_at,
      );

    case "conversation_opened":
      return patchConversation(
        { ...state, openConversationId: action.conversationId },
        action.conversationId,
        (c) => ({ ...c, unread: 0 }),
      );

    case "conversation_closed":
      return { ...state, openConversationId: null };

    case "ended_by_me":
      return patchConversation(state, action.conversationId, (c) => ({
        ...c,
        ended_at: c.ended_at ?? action.at,
        ended_by: c.ended_by ?? "counselor",
      }));

    case "coverage_loaded":
      return {
        ...state,
        coverage: [...action.coverage].sort((a, b) => a.topic_name.localeCompare(b.topic_name)),
      };

    case "alert_dismissed":
      return {
        ...state,
        alerts: action.requestId
          ? state.alerts.filter((a) => a.requestId !== action.requestId)
          : [],
      };

    case "shift_reminder_dismissed":
      return { ...state, shiftReminder: null };

    case "connection_lost":
      if (!state.availability) return state;
      return setAvailability(
        state,
        { ...state.availability, available: false, online: false },
        state.availabilityReason,
      );

    case "server":
      return applyServerEvent(state, action.event, action.at);
  }
}

/** Topics where switching off leaves waiting askers without anyone. */
export interface UncoveredTopic {
  topicId: number;
  topicName: string;
  waiting: number;
}

/**
 * The confirmation rule: switching off asks first when the counselor is the last available
 * one of a topic in which askers wait. The server says so (`availability.last_for`, sent
 * again whenever it changes); the desktop tray asks by the same fact.
 */
export function uncoveredBySwitchingOff(state: DashboardState): UncoveredTopic[] {
  if (!state.availability?.available) return [];
  return (state.availability.last_for ?? [])
    .filter((last) => last.waiting > 0)
    .map((last) => ({ topicId: last.topic_id, topicName: last.topic_name, waiting: last.waiting }));
}

/**
 * Free seats of the counselor for a topic's requests: `null` without a seat limit. At 0,
 * "Chat starten" is refused (`no_free_seat`) until a chat ends.
 */
export function freeSeats(state: DashboardState, topicId: number): number | null {
  const seats = state.availability?.seats?.find((s) => s.topic_id === topicId);
  return seats ? seats.free : null;
}

/** Number of asker messages not yet seen, over all conversations. */
export function totalUnread(state: DashboardState): number {
  return state.conversations.reduce((sum, c) => sum + c.unread, 0);
}

export function runningConversations(state: DashboardState): ConversationView[] {
  return state.conversations.filter((c) => c.ended_at === null);
}

export function endedConversations(state: DashboardState): ConversationView[] {
  return state.conversations.filter((c) => c.ended_at !== null);
}
