// Builders of wire values for tests: only what a test changes needs to be written there.
import type { ChatMessage } from "../crypto/conversation";
import type {
  AskerState,
  Availability,
  Conversation,
  LiveChatRequest,
  Me,
  PublicTopic,
  TopicCoverage,
} from "../wire/types";

export const availability = (over: Partial<Availability> = {}): Availability => ({
  switched_on: false,
  available: false,
  online: true,
  absent: false,
  absence_message: null,
  unavailable_because: over.available
    ? null
    : over.absent
      ? "absent"
      : over.switched_on
        ? "no_connection"
        : "switched_off",
  last_for: [],
  seats: [],
  ...over,
});

export const availableNow = (): Availability =>
  availability({ switched_on: true, available: true, online: true, unavailable_because: null });

export const me = (over: Partial<Me> = {}): Me => ({
  id: 7,
  name: "anna",
  display_name: "Anna Berg",
  topics: [
    { id: 1, slug: "sucht", name: "Suchtberatung", live_chat: true },
    { id: 2, slug: "schwanger", name: "Schwangerschaftsberatung", live_chat: true },
  ],
  availability: availability(),
  operator: false,
  must_change_password: false,
  ...over,
});

export const request = (
  id: string,
  enteredAt: number,
  over: Partial<LiveChatRequest> = {},
): LiveChatRequest => ({
  id,
  topic_id: 1,
  topic_name: "Suchtberatung",
  pseudonym: `Gast ${id}`,
  entered_at: enteredAt,
  asker_online: true,
  asker_key: ASKER_KEY,
  ...over,
});

/** A public key of the right shape (a P-256 point): for tests that never open anything. */
export const ASKER_KEY =
  "BKIyu-cVs51-uDKzmnJp1_ym769wzeVWZXZekYzL-xIVcxujNiUMntIVKYHxhgx72rZ_byhxCO0tiCS97IfMK-0";

export const conversation = (id: string, over: Partial<Conversation> = {}): Conversation => ({
  id,
  topic_id: 1,
  topic_name: "Suchtberatung",
  pseudonym: `Gast ${id}`,
  started_at: 1_000,
  ended_at: null,
  ended_by: null,
  asker_online: true,
  message_count: 0,
  last_message_at: null,
  ...over,
});

/**
 * A message as the view holds it (opened). Its `sealed` is only of the right shape: tests of
 * the sealing and opening build real ones (`./e2e.ts`).
 */
export const message = (
  id: string,
  conversationId: string,
  sentAt: number,
  over: Partial<ChatMessage> = {},
): ChatMessage => ({
  id,
  conversation_id: conversationId,
  from: "asker",
  sealed: {
    key: 1,
    device: over.from === "counselor" ? "dev-1" : null,
    counter: sentAt,
    iv: "",
    ciphertext: "",
  },
  text: `text ${id}`,
  sent_at: sentAt,
  seq: sentAt,
  ...over,
});

export const coverage = (topicId: number, available: number, waiting: number): TopicCoverage => ({
  topic_id: topicId,
  topic_name:
    topicId === 1 ? "Suchtberatung" : topicId === 2 ? "Schwangerschaftsberatung" : `T${topicId}`,
  available_counselors: available,
  waiting,
  free_seats: null,
});

export const topic = (
  id: number,
  gateOpen: boolean,
  over: Partial<PublicTopic> = {},
): PublicTopic => ({
  id,
  slug: `topic-${id}`,
  name: `Thema ${id}`,
  gate_open: gateOpen,
  chat_hours: "Mo–Fr 10–16 Uhr",
  current_slot: null,
  next_opening: null,
  hours_note: null,
  ...over,
});

export const askerState = (
  status: AskerState["status"],
  over: Partial<AskerState> = {},
): AskerState => ({
  request_id: "req-1",
  topic_id: 1,
  topic_name: "Thema 1",
  pseudonym: "Gast 17",
  status,
  retention_seconds: 86_400,
  ...over,
});
