import type { ChatMessage } from "../crypto/conversation";

/** Longest chat message, in characters (MAX_MESSAGE_CHARS of the server). */
export const MAX_MESSAGE_CHARS = 4000;
/** Longest absence message, in characters (MAX_ABSENCE_MESSAGE_CHARS of the server). */
export const MAX_ABSENCE_MESSAGE_CHARS = 500;

/** Characters as the server counts them (Unicode scalar values, not UTF-16 units). */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export type DraftProblem = "empty" | "too_long" | null;

/** What is wrong with a draft before it is sent; the server checks the same again. */
/**
 * Nothing of the text would be visible: blanks, control and format characters (zero-width
 * space, BOM, bidi marks), lone combining marks, blank filler letters. The server refuses
 * such a message as empty; this says so before sending.
 */
const INVISIBLE = /^[\s\p{Cc}\p{Cf}\p{Z}\p{Mn}\p{Me}\u115F\u1160\u3164\uFFA0\u2800\u180E]*$/u;

export function draftProblem(text: string, max = MAX_MESSAGE_CHARS): DraftProblem {
  if (INVISIBLE.test(text)) return "empty";
  if (charCount(text) > max) return "too_long";
  return null;
}

/**
 * The draft once `sent` went out: what was written while it was being sent stays. Unchanged,
 * the draft empties; written on after the sent text, only the new part stays; replaced by
 * another text, that text stays whole.
 */
export function draftAfterSend(draft: string, sent: string): string {
  if (draft === sent) return "";
  if (draft.startsWith(sent)) return draft.slice(sent.length).replace(/^\s+/, "");
  return draft;
}

/** The server's order of a conversation (its numbering), the clock only between chats. */
function byTime(a: ChatMessage, b: ChatMessage): number {
  const sameChat = a.conversation_id === b.conversation_id;
  return (
    (sameChat ? a.seq - b.seq : 0) ||
    a.sent_at - b.sent_at ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/**
 * Merges messages into a list: each id once, oldest first. The same message can arrive twice
 * (as the answer to a send and as a pushed event, or again after a reconnect); the first one
 * stays, unless it could not be opened and the new one could (keys that came later).
 */
export function mergeMessages(
  existing: readonly ChatMessage[],
  incoming: readonly ChatMessage[],
): ChatMessage[] {
  if (incoming.length === 0) return existing as ChatMessage[];
  const byId = new Map(existing.map((m) => [m.id, m]));
  let changed = false;
  for (const message of incoming) {
    const known = byId.get(message.id);
    if (!known || (known.text === null && message.text !== null)) {
      byId.set(message.id, message);
      changed = true;
    }
  }
  if (!changed) return existing as ChatMessage[];
  return [...byId.values()].sort(byTime);
}

/** A random id for one message, sent again with every retry of it (RFC 4122 version 4). */
export function newClientId(
  random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b),
): string {
  const b = random(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
