// The boundary between sealed messages on the wire and texts in the view: what the asker page
// and the dashboard's sessions use to open every `Message` they receive (HTTP answers,
// `message_posted` events) and to seal every text they send. Reducers and components only
// ever see `ChatMessage`.
import type { Failure } from "../platform/http";
import type { ChatKeys, ErrorCode, Message, Sealed, Sender } from "../wire/types";
import {
  decodeWrapped,
  E2eError,
  fromBase64Url,
  importPublicKey,
  publicKeyBytes,
  Receiver,
  safetyCode,
  sealMessage,
  toBase64Url,
  unwrapContentKey,
  type E2eProblem,
} from "./e2e";

/**
 * Why a message is shown as a notice instead of its text: one of the crypto layer's problems,
 * or `no_key` (sealed with a content key this reader does not hold).
 */
export type MessageProblem = E2eProblem | "no_key";

/** A message as the view shows it: its text, or `null` and why it could not be opened. */
export type ChatMessage = Message & { text: string | null; problem?: MessageProblem };

/**
 * A failure made on this side, not by the server (status 0), with the code the server would
 * give: e.g. `no_key` when the chat's key is not there to seal with.
 */
export const localFailure = (code: ErrorCode): Failure => ({
  kind: "api",
  status: 0,
  code,
  message: code,
});

/** The sender in the associated data: `asker`, or `device:<id>` for a counselor's device. */
export function senderOf(from: Sender, sealed: Sealed): string | null {
  if (from === "asker") return sealed.device === null ? "asker" : null;
  return sealed.device === null ? null : `device:${sealed.device}`;
}

/** A message that could not be opened: no text, the reason. */
export const unreadable = (message: Message, problem: MessageProblem): ChatMessage => ({
  ...message,
  text: null,
  problem,
});

const problemOf = (error: unknown): MessageProblem =>
  error instanceof E2eError ? error.problem : "tampered";

/**
 * One conversation as one reader sees it: the content keys it holds, the messages it opened,
 * and the counter of its own next message.
 *
 * Messages are opened through `Receiver`s (one per content key) in the server's order
 * (`seq`), so a sender's counter going back or repeating is refused. The same message may
 * arrive more than once (an answer and its event, a re-read): it is opened once and its
 * result kept. A message older than one already opened (a live event came before the
 * history) makes the receivers start over with everything in order.
 */
export class ConversationCipher {
  private readonly sealed = new Map<string, Message>();
  private readonly results = new Map<string, ChatMessage>();
  private receivers = new Map<number, Receiver>();
  private lastSeq = 0;
  /** The highest counter of this reader's own messages: in the history, or sent here. */
  private ownCounter = 0;
  /** Sealed sends by client id: a retry carries the same ciphertext and counter. */
  private readonly sends = new Map<string, Sealed>();
  private queue: Promise<unknown> = Promise.resolve();

  /** The newest key number the conversation lists (held here or not). */
  readonly newestKey: number;

  /**
   * @param keys content keys by number (`Sealed.key`) this reader could unwrap
   * @param self this reader's sender (`asker` or `device:<id>`)
   * @param newestKey the newest key number the conversation lists; default: the newest held
   */
  constructor(
    readonly conversationId: string,
    private readonly keys: ReadonlyMap<number, Uint8Array>,
    readonly self: string,
    newestKey?: number,
  ) {
    this.newestKey = newestKey ?? Math.max(0, ...keys.keys());
  }

  /**
   * The key new messages are sealed with: the conversation's newest, if this reader holds it
   * (sealing with an older one would shut out the readers of the newest).
   */
  get sealingKey(): number | null {
    return this.keys.has(this.newestKey) ? this.newestKey : null;
  }

  /** Whether a message was sealed with a key newer than the conversation listed: read again. */
  isNewer(message: Message): boolean {
    return message.sealed.key > this.newestKey;
  }

  /**
   * Takes over what an earlier cipher of the same reader and conversation sent (its counter,
   * its sealed sends by client id), when the keys were read again: a retry after it still
   * carries the same ciphertext, and no counter is used twice.
   */
  continueFrom(earlier: ConversationCipher): void {
    if (earlier.conversationId !== this.conversationId || earlier.self !== this.self) return;
    this.ownCounter = Math.max(this.ownCounter, earlier.ownCounter);
    for (const [clientId, sealed] of earlier.sends) {
      if (!this.sends.has(clientId)) this.sends.set(clientId, sealed);
    }
  }

  /** Opens messages (in any order, again or for the first time); gives them in the same order. */
  open(messages: readonly Message[]): Promise<ChatMessage[]> {
    const run = this.queue.then(() => this.openInOrder(messages));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Seals `text` as this reader's next message; a retry (`clientId` again) gives the same. */
  seal(text: string, clientId?: string): Promise<Sealed> {
    const run = this.queue.then(() => this.sealNext(text, clientId));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async openInOrder(messages: readonly Message[]): Promise<ChatMessage[]> {
    const fresh = messages.filter((m) => !this.results.has(m.id) && !this.sealed.has(m.id));
    for (const m of fresh) {
      this.sealed.set(m.id, m);
      const sender = senderOf(m.from, m.sealed);
      if (sender === this.self) this.ownCounter = Math.max(this.ownCounter, m.sealed.counter);
    }
    fresh.sort((a, b) => a.seq - b.seq);
    if (fresh.length && fresh[0]!.seq < this.lastSeq) {
      // Older than what was opened already: start over, everything in the server's order.
      this.receivers = new Map();
      this.results.clear();
      this.lastSeq = 0;
      await this.openAll([...this.sealed.values()].sort((a, b) => a.seq - b.seq));
    } else {
      await this.openAll(fresh);
    }
    return messages.map((m) => this.results.get(m.id)!);
  }

  private async openAll(ordered: readonly Message[]): Promise<void> {
    for (const message of ordered) {
      this.results.set(message.id, await this.openOne(message));
      this.lastSeq = Math.max(this.lastSeq, message.seq);
    }
  }

  private async openOne(message: Message): Promise<ChatMessage> {
    if (message.conversation_id !== this.conversationId) return unreadable(message, "tampered");
    const sender = senderOf(message.from, message.sealed);
    if (sender === null) return unreadable(message, "tampered");
    const key = this.keys.get(message.sealed.key);
    if (!key) return unreadable(message, "no_key");
    let receiver = this.receivers.get(message.sealed.key);
    if (!receiver) {
      receiver = new Receiver(key, this.conversationId);
      this.receivers.set(message.sealed.key, receiver);
    }
    try {
      const iv = fromBase64Url(message.sealed.iv);
      const ciphertext = fromBase64Url(message.sealed.ciphertext);
      const text = await receiver.open(sender, message.sealed.counter, { iv, ciphertext });
      return { ...message, text };
    } catch (error) {
      return unreadable(message, problemOf(error));
    }
  }

  private async sealNext(text: string, clientId?: string): Promise<Sealed> {
    const again = clientId === undefined ? undefined : this.sends.get(clientId);
    if (again) return again;
    const keyNumber = this.sealingKey;
    if (keyNumber === null) throw new E2eError("bad_key", "no content key to seal with");
    const counter = this.ownCounter + 1;
    const device = this.self.startsWith("device:") ? this.self.slice("device:".length) : null;
    const { iv, ciphertext } = await sealMessage(
      this.keys.get(keyNumber)!,
      { conversation: this.conversationId, sender: this.self, counter },
      text,
    );
    this.ownCounter = counter;
    const sealed: Sealed = {
      key: keyNumber,
      device,
      counter,
      iv: toBase64Url(iv),
      ciphertext: toBase64Url(ciphertext),
    };
    if (clientId !== undefined) this.sends.set(clientId, sealed);
    return sealed;
  }
}

/** What a reader makes of a conversation's `ChatKeys`. */
export interface OpenedKeys {
  /** Content keys this reader could unwrap, by number. */
  keys: Map<number, Uint8Array>;
  /** The "Sicherheitscode" over the asker's key and the readers of the newest key. */
  safetyCode: string;
  /** The readers' public keys of the newest content key, sorted: to notice a change. */
  readers: string[];
}

/**
 * Who reads: the asker, or a counselor's device. In the "Sicherheitscode" a reader puts its
 * own public key, not what the server says it is — else a server that swapped the key would
 * also tell both sides the swapped one, and the codes would agree.
 */
export type OwnReader = { asker: true } | { device: string };

/**
 * Unwraps what of `chatKeys` was wrapped for `own` and derives the "Sicherheitscode". A
 * wrapped key that does not open is left out (its messages show `no_key`); a public key that
 * is not a point is `bad_key`.
 */
export async function openChatKeys(
  chatKeys: ChatKeys,
  own: CryptoKeyPair,
  reader: OwnReader,
): Promise<OpenedKeys> {
  const conversation = chatKeys.conversation_id;
  const keys = new Map<number, Uint8Array>();
  for (const entry of chatKeys.keys) {
    if (entry.wrapped === null) continue;
    try {
      keys.set(entry.key, await unwrapContentKey(decodeWrapped(entry.wrapped), own, conversation));
    } catch {
      // Not for this reader, or changed: its messages cannot be opened here.
    }
  }
  const ownKey = toBase64Url(await publicKeyBytes(own.publicKey));
  const newest = chatKeys.keys.reduce<ChatKeys["keys"][number] | undefined>(
    (a, k) => (a && a.key > k.key ? a : k),
    undefined,
  );
  const readers = (newest?.readers ?? [])
    .map((r) => ("device" in reader && r.device === reader.device ? ownKey : r.public_key))
    .sort();
  const askerKey = "asker" in reader ? ownKey : chatKeys.asker_key;
  return {
    keys,
    safetyCode: await chatSafetyCode(conversation, askerKey, readers),
    readers,
  };
}

/** The "Sicherheitscode" of a conversation: the asker's key and the devices' keys. */
export async function chatSafetyCode(
  conversation: string,
  askerKey: string,
  readerKeys: readonly string[],
): Promise<string> {
  const raw = [askerKey, ...readerKeys].map((k) => {
    try {
      return fromBase64Url(k);
    } catch {
      throw new E2eError("bad_key", "a public key is base64url");
    }
  });
  // Each must be a point of the curve, or the code would vouch for garbage.
  for (const key of raw) await importPublicKey(key);
  return safetyCode(conversation, raw);
}
