// The asker page as a pure function: events in, view state out.
import type { ChatMessage } from "../crypto/conversation";
import { mergeMessages } from "../lib/messages";
import type {
  AskerState,
  EnteredWaitingRoom,
  PublicTopic,
  RequestEndReason,
  Sender,
  ServerEvent,
  WaitEstimate,
} from "../wire/types";

/** Why entering the waiting room did not work, as the page explains it. */
export type EnterProblem =
  | "rate_limited"
  | "consent_required"
  | "queue_full"
  | "unavailable"
  | "network"
  /** This browser cannot make the chat's keys (no WebCrypto, e.g. a page not on https). */
  | "no_crypto";

export type AskerPhase =
  /** Reading the topics or resuming a stored visit. */
  | { name: "loading" }
  | { name: "choose"; unknownLink: boolean }
  /** Nobody is available for the topic; the page opens by itself when someone comes. */
  | { name: "closed"; topicId: number }
  | { name: "consent"; topicId: number; openedWhileWatching: boolean; problem: EnterProblem | null }
  | { name: "entering"; topicId: number }
  /** `estimate`: the server's honest range, or null while it has too little data. */
  | { name: "waiting"; position: number; reopened: boolean; estimate: WaitEstimate | null }
  /** The last counselor left; the place is kept until `graceUntil`. */
  | {
      name: "closing";
      position: number;
      graceUntil: number | null;
      estimate: WaitEstimate | null;
    }
  | { name: "request_ended"; reason: RequestEndReason; nextChatHours: string | null }
  | { name: "chatting"; counselorName: string; counselorOnline: boolean }
  | { name: "chat_ended"; counselorName: string; endedBy: Sender }
  /** The stored visit is no longer known to the server (deleted, or the server forgot it). */
  | { name: "lost" };

export interface AskerVisit {
  requestId: string;
  topicId: number;
  topicName: string | null;
  pseudonym: string;
  /** Known once the server told it (GET /api/asker). */
  retentionSeconds: number | null;
}

export interface AskerView {
  topics: PublicTopic[];
  topicsLoaded: boolean;
  phase: AskerPhase;
  visit: AskerVisit | null;
  messages: ChatMessage[];
  e2e: AskerE2e;
}

/** The end-to-end encryption of the chat, as the page shows it. */
export interface AskerE2e {
  /** The "Sicherheitscode", once the chat's keys were opened. */
  safetyCode: string | null;
  /** The counselor's devices changed since this tab last saw them: the code changed. */
  readersChanged: boolean;
  /** The chat's key could not be opened in this tab: messages show as notices. */
  unreadable: boolean;
}

export const noE2e: AskerE2e = { safetyCode: null, readersChanged: false, unreadable: false };

export const initialAsker: AskerView = {
  topics: [],
  topicsLoaded: false,
  phase: { name: "loading" },
  visit: null,
  messages: [],
  e2e: noE2e,
};

export type AskerAction =
  | { type: "topics_loaded"; topics: PublicTopic[] }
  | { type: "topic_chosen"; topicId: number }
  | { type: "link_unknown" }
  | { type: "back_to_choice" }
  | { type: "entering" }
  | { type: "entered"; entered: EnteredWaitingRoom }
  | { type: "enter_refused_gate_closed" }
  | { type: "enter_failed"; problem: EnterProblem }
  | { type: "state_loaded"; state: AskerState }
  /** Opened messages: of the history, or pushed (the session opens `message_posted` first). */
  | { type: "messages_loaded"; messages: ChatMessage[] }
  | { type: "message_sent"; message: ChatMessage }
  | { type: "keys_opened"; safetyCode: string; readersChanged: boolean; unreadable: boolean }
  | { type: "keys_unreadable" }
  | { type: "left" }
  | { type: "ended_by_me" }
  | { type: "visit_lost" }
  | { type: "restart" }
  | { type: "server"; event: ServerEvent };

export function topicOf(view: AskerView, topicId: number): PublicTopic | undefined {
  return view.topics.find((t) => t.id === topicId);
}

function phaseForTopic(view: AskerView, topicId: number): AskerPhase {
  const topic = topicOf(view, topicId);
  if (!topic) return { name: "choose", unknownLink: true };
  return topic.gate_open
    ? { name: "consent", topicId, openedWhileWatching: false, problem: null }
    : { name: "closed", topicId };
}

function phaseFromState(state: AskerState, previous: AskerPhase): AskerPhase {
  const status = state.status;
  switch (status.state) {
    case "waiting":
      if (status.gate_open) {
        return {
          name: "waiting",
          position: status.position,
          reopened: previous.name === "waiting" && previous.reopened,
          estimate: status.estimate ?? null,
        };
      }
      return {
        name: "closing",
        position: status.position,
        graceUntil: status.grace_until,
        estimate: status.estimate ?? null,
      };
    case "chatting":
      return {
        name: "chatting",
        counselorName: status.counselor_name,
        counselorOnline: status.counselor_online,
      };
    case "request_ended":
      return {
        name: "request_ended",
        reason: status.reason,
        nextChatHours: status.next_chat_hours,
      };
    case "chat_ended":
      return { name: "chat_ended", counselorName: status.counselor_name, endedBy: status.ended_by };
  }
}

/** Whether the visit is over: no more events will come for it. */
export function isFinished(phase: AskerPhase): boolean {
  return phase.name === "request_ended" || phase.name === "chat_ended" || phase.name === "lost";
}

/** Whether the page holds a waiting-room visit (token) that the server still follows. */
export function hasLiveVisit(view: AskerView): boolean {
  return view.visit !== null && !isFinished(view.phase);
}

function applyServerEvent(view: AskerView, event: ServerEvent): AskerView {
  const phase = view.phase;
  switch (event.type) {
    case "gate_changed": {
      const topics = view.topics.map((t) =>
        t.id === event.topic_id ? { ...t, gate_open: event.open } : t,
      );
      const next = { ...view, topics };
      if (phase.name === "closed" && phase.topicId === event.topic_id && event.open) {
        return {
          ...next,
          phase: {
            name: "consent",
            topicId: phase.topicId,
            openedWhileWatching: true,
            problem: null,
          },
        };
      }
      if (phase.name === "consent" && phase.topicId === event.topic_id && !event.open) {
        return { ...next, phase: { name: "closed", topicId: phase.topicId } };
      }
      return next;
    }

    case "queue_position":
      if (phase.name === "waiting" || phase.name === "closing") {
        return {
          ...view,
          phase: { ...phase, position: event.position, estimate: event.estimate ?? null },
        };
      }
      return view;

    case "waiting_room_closing":
      if (phase.name === "waiting" || phase.name === "closing") {
        return {
          ...view,
          phase: {
            name: "closing",
            position: phase.position,
            graceUntil: event.grace_until,
            estimate: phase.estimate,
          },
        };
      }
      return view;

    case "waiting_room_reopened":
      if (phase.name === "closing" || phase.name === "waiting") {
        return {
          ...view,
          phase: {
            name: "waiting",
            position: phase.position,
            reopened: true,
            estimate: phase.estimate,
          },
        };
      }
      return view;

    case "request_ended":
      if (phase.name === "chatting" || phase.name === "chat_ended") return view;
      return {
        ...view,
        phase: {
          name: "request_ended",
          reason: event.reason,
          nextChatHours: event.next_chat_hours,
        },
      };

    case "chat_accepted":
      if (phase.name === "chat_ended") return view;
      return {
        ...view,
        phase: { name: "chatting", counselorName: event.counselor_name, counselorOnline: true },
      };

    case "counselor_presence_changed":
      if (phase.name !== "chatting") return view;
      return { ...view, phase: { ...phase, counselorOnline: event.online } };

    case "message_posted":
      // Sealed: the session opens it and hands it on as `messages_loaded`.
      return view;

    case "conversation_ended":
      if (phase.name !== "chatting") return view;
      return {
        ...view,
        phase: { name: "chat_ended", counselorName: phase.counselorName, endedBy: event.by },
      };

    default:
      return view;
  }
}

export function reduceAsker(view: AskerView, action: AskerAction): AskerView {
  const phase = view.phase;
  switch (action.type) {
    case "topics_loaded": {
      const next = { ...view, topics: action.topics, topicsLoaded: true };
      // The gate of the topic on screen may have changed while the socket was away.
      if (phase.name === "closed" || phase.name === "consent") {
        const topic = action.topics.find((t) => t.id === phase.topicId);
        if (!topic) return { ...next, phase: { name: "choose", unknownLink: false } };
        if (phase.name === "closed" && topic.gate_open) {
          return {
            ...next,
            phase: { name: "consent", topicId: topic.id, openedWhileWatching: true, problem: null },
          };
        }
        if (phase.name === "consent" && !topic.gate_open) {
          return { ...next, phase: { name: "closed", topicId: topic.id } };
        }
      }
      if (phase.name === "loading")
        return { ...next, phase: { name: "choose", unknownLink: false } };
      return next;
    }

    case "topic_chosen":
      return { ...view, phase: phaseForTopic(view, action.topicId) };

    case "link_unknown":
      return { ...view, phase: { name: "choose", unknownLink: true } };

    case "back_to_choice":
      return { ...view, phase: { name: "choose", unknownLink: false } };

    case "entering":
      if (phase.name !== "consent") return view;
      return { ...view, phase: { name: "entering", topicId: phase.topicId } };

    case "entered": {
      const { entered } = action;
      return {
        ...view,
        visit: {
          requestId: entered.request_id,
          topicId: entered.topic_id,
          topicName: topicOf(view, entered.topic_id)?.name ?? null,
          pseudonym: entered.pseudonym,
          retentionSeconds: null,
        },
        messages: [],
        e2e: noE2e,
        phase: { name: "waiting", position: entered.position, reopened: false, estimate: null },
      };
    }

    case "enter_refused_gate_closed": {
      if (phase.name !== "entering" && phase.name !== "consent") return view;
      const topicId = phase.topicId;
      return {
        ...view,
        topics: view.topics.map((t) => (t.id === topicId ? { ...t, gate_open: false } : t)),
        phase: { name: "closed", topicId },
      };
    }

    case "enter_failed":
      if (phase.name !== "entering" && phase.name !== "consent") return view;
      return {
        ...view,
        phase: {
          name: "consent",
          topicId: phase.topicId,
          openedWhileWatching: false,
          problem: action.problem,
        },
      };

    case "state_loaded": {
      const { state } = action;
      return {
        ...view,
        visit: {
          requestId: state.request_id,
          topicId: state.topic_id,
          topicName: state.topic_name,
          pseudonym: state.pseudonym,
          retentionSeconds: state.retention_seconds,
        },
        phase: phaseFromState(state, phase),
      };
    }

    case "messages_loaded":
      return { ...view, messages: mergeMessages(view.messages, action.messages) };

    case "message_sent":
      return { ...view, messages: mergeMessages(view.messages, [action.message]) };

    case "keys_opened":
      return {
        ...view,
        e2e: {
          safetyCode: action.safetyCode,
          readersChanged: view.e2e.readersChanged || action.readersChanged,
          unreadable: action.unreadable,
        },
      };

    case "keys_unreadable":
      return { ...view, e2e: { ...view.e2e, unreadable: true } };

    case "left":
      return {
        ...view,
        phase: { name: "request_ended", reason: "withdrawn", nextChatHours: null },
      };

    case "ended_by_me":
      if (phase.name !== "chatting") return view;
      return {
        ...view,
        phase: { name: "chat_ended", counselorName: phase.counselorName, endedBy: "asker" },
      };

    case "visit_lost":
      return { ...view, phase: { name: "lost" } };

    case "restart":
      return {
        ...view,
        visit: null,
        messages: [],
        e2e: noE2e,
        phase: { name: "choose", unknownLink: false },
      };

    case "server":
      return applyServerEvent(view, action.event);
  }
}
