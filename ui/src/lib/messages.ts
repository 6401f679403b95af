import type { Message } from "../wire/types";

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
export function draftProblem(text: string, max = MAX_MESSAGE_CHARS): DraftProblem {
  if (text.trim().length === 0) return "empty";
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

function byTime(a: Message, b: Message): number {
  return a.sent_at - b.sent_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Merges messages into a list: each id once, oldest first. The same message can arrive twice
 * (as the answer to a send and as a pushed event, or again after a reconnect).
 */
export function mergeMessages(
  existing: readonly Message[],
  incoming: readonly Message[],
): Message[] {
  if (incoming.length === 0) return existing as Message[];
  const byId = new Map(existing.map((m) => [m.id, m]));
  let changed = false;
  for (const message of incoming) {
    if (!byId.has(message.id)) {
      byId.set(message.id, message);
      changed = true;
    }
  }
  if (!changed) return existing as Message[];
  return [...byId.values()].sort(byTime);
}
