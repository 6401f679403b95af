// The end-to-end layer of chats (issue 13): what the asker page and the counselor's devices
// do so that the server, its database and its backups hold only ciphertext. Built on
// WebCrypto alone — ECDH P-256, HKDF-SHA-256, AES-256-GCM, SHA-256 — no home-made primitives.
//
// - Each device has an ECDH key pair whose private key is made non-extractable on the device
//   (it can be kept in IndexedDB as a CryptoKey, never as bytes); the server keeps only the
//   public key.
// - Each conversation has a random 256-bit content key, wrapped for every reader: an
//   ephemeral ECDH key with the reader's public key gives, through HKDF, an AES-GCM key that
//   seals the content key (a sealed box, bound to the conversation).
// - A message is sealed with the content key; its associated data is the conversation, the
//   sender (the asker, or a counselor device) and the sender's own counter, so a message cannot
//   be moved to another chat, another sender or another place in the sender's order. The
//   server's `chat_seq` is given only after storing, so each sender numbers its own messages;
//   a `Receiver` refuses a counter it has seen (a replay) or one that goes back.
// - Texts are padded to buckets before sealing, so a ciphertext's length says little.
// - A short "Sicherheitscode" from the public keys lets both sides compare out of band.

/** The version in every associated data and every key derivation: a later format changes it. */
export const FORMAT = "pforte/e2e/v1";

/** Padded plaintext lengths in bytes (4 bytes of length, the text, zeros). */
export const BUCKETS = [256, 1024, 4096, 16384] as const;

export type E2eProblem =
  | "tampered" // authentication failed: changed, moved to another chat/sender/counter, or the wrong key
  | "replayed" // a counter of this sender seen before, or one going back
  | "bad_key" // a public key that is not a P-256 point, a wrapped key of the wrong shape
  | "too_long"; // more than the largest bucket

export class E2eError extends Error {
  constructor(
    readonly problem: E2eProblem,
    message: string,
  ) {
    super(message);
    this.name = "E2eError";
  }
}

const subtle = () => globalThis.crypto.subtle;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A copy on a plain ArrayBuffer, as WebCrypto takes it. */
const bytes = (data: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(data);

/** Length-prefixed fields, so that ("ab", "c") and ("a", "bc") never encode alike. */
function fields(...parts: (string | Uint8Array)[]): Uint8Array<ArrayBuffer> {
  const encoded = parts.map((p) => (typeof p === "string" ? encoder.encode(p) : p));
  return concat(
    ...encoded.flatMap((p) => {
      const length = new Uint8Array(4);
      new DataView(length.buffer).setUint32(0, p.length);
      return [length, p];
    }),
  );
}

function u64(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a counter: ${n}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

// ---------------------------------------------------------------- base64url (RFC 4648 §5, no padding)

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const VALUES = new Map([...ALPHABET].map((c, i) => [c, i]));

export function toBase64Url(data: Uint8Array): string {
  let out = "";
  for (let i = 0; i < data.length; i += 3) {
    const n = (data[i]! << 16) | ((data[i + 1] ?? 0) << 8) | (data[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((data.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += ALPHABET[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}

/** Strict: only the URL alphabet, no padding, no bits left over. Throws a `RangeError`. */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (text.length % 4 === 1) throw new RangeError("not base64url: a lone character");
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const char of text) {
    const v = VALUES.get(char);
    if (v === undefined) throw new RangeError("not base64url");
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >> bits) & 0xff;
      value &= (1 << bits) - 1;
    }
  }
  if (value !== 0) throw new RangeError("not base64url: bits left over");
  return out;
}

// ---------------------------------------------------------------- primitives (exported for the test vectors)

/** HKDF-SHA-256 (RFC 5869) of `length` bytes. */
export async function hkdf(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Promise<Uint8Array> {
  const key = await subtle().importKey("raw", bytes(ikm), "HKDF", false, ["deriveBits"]);
  const bits = await subtle().deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: bytes(salt), info: bytes(info) },
    key,
    length * 8,
  );
  return new Uint8Array(bits);
}

/** AES-256-GCM with a 128-bit tag: ciphertext ‖ tag. */
export async function aesGcmSeal(
  key: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Promise<Uint8Array> {
  const k = await subtle().importKey("raw", bytes(key), "AES-GCM", false, ["encrypt"]);
  const sealed = await subtle().encrypt(
    { name: "AES-GCM", iv: bytes(iv), additionalData: bytes(aad), tagLength: 128 },
    k,
    bytes(plaintext),
  );
  return new Uint8Array(sealed);
}

/** The inverse of [`aesGcmSeal`]; a failed authentication is `tampered`. */
export async function aesGcmOpen(
  key: Uint8Array,
  iv: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
): Promise<Uint8Array> {
  const k = await subtle().importKey("raw", bytes(key), "AES-GCM", false, ["decrypt"]);
  try {
    const plain = await subtle().decrypt(
      { name: "AES-GCM", iv: bytes(iv), additionalData: bytes(aad), tagLength: 128 },
      k,
      bytes(sealed),
    );
    return new Uint8Array(plain);
  } catch {
    throw new E2eError("tampered", "the message does not authenticate with this key and place");
  }
}

/** The ECDH P-256 shared secret (the x coordinate, 32 bytes). */
export async function ecdh(own: CryptoKey, other: CryptoKey): Promise<Uint8Array> {
  const bits = await subtle().deriveBits({ name: "ECDH", public: other }, own, 256);
  return new Uint8Array(bits);
}

// ---------------------------------------------------------------- device keys

/** A device's key pair: the private key cannot be exported, not even by this page. */
export function newDeviceKeys(): Promise<CryptoKeyPair> {
  return subtle().generateKey({ name: "ECDH", namedCurve: "P-256" }, false, [
    "deriveBits",
  ]) as Promise<CryptoKeyPair>;
}

/** A public key as the server stores it: the uncompressed point, 65 bytes. */
export async function publicKeyBytes(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await subtle().exportKey("raw", key));
}

export async function importPublicKey(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== 65 || raw[0] !== 0x04) {
    throw new E2eError("bad_key", "a public key is an uncompressed P-256 point of 65 bytes");
  }
  try {
    return await subtle().importKey(
      "raw",
      bytes(raw),
      { name: "ECDH", namedCurve: "P-256" },
      true,
      [],
    );
  } catch {
    throw new E2eError("bad_key", "not a point of P-256");
  }
}

// ---------------------------------------------------------------- the asker's keys

/**
 * The asker's key pair for one chat. Unlike a device's, its private key can be exported: the
 * tab keeps it (as a JWK in its own sessionStorage, next to the token) so that a reload keeps
 * the chat readable; it goes when the tab closes.
 */
export function newAskerKeys(): Promise<CryptoKeyPair> {
  return subtle().generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
    "deriveBits",
  ]) as Promise<CryptoKeyPair>;
}

/** The asker's private key as a JWK (it holds the public point too). */
export async function exportAskerKeys(keys: CryptoKeyPair): Promise<JsonWebKey> {
  return subtle().exportKey("jwk", keys.privateKey);
}

/**
 * The inverse of [`exportAskerKeys`]; a JWK that is not a P-256 private key is `bad_key`.
 * `extractable: false` for a device's key read back from the OS secret store (desktop app).
 */
export async function importAskerKeys(jwk: JsonWebKey, extractable = true): Promise<CryptoKeyPair> {
  if (jwk.kty !== "EC" || jwk.crv !== "P-256" || !jwk.d || !jwk.x || !jwk.y) {
    throw new E2eError("bad_key", "not a P-256 private key");
  }
  const algorithm = { name: "ECDH", namedCurve: "P-256" };
  try {
    const privateKey = await subtle().importKey("jwk", jwk, algorithm, extractable, ["deriveBits"]);
    const { kty, crv, x, y } = jwk;
    const publicKey = await subtle().importKey("jwk", { kty, crv, x, y }, algorithm, true, []);
    return { privateKey, publicKey };
  } catch {
    throw new E2eError("bad_key", "not a P-256 private key");
  }
}

// ---------------------------------------------------------------- content keys

/** A conversation's content key: 32 random bytes. */
export function newContentKey(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(32));
}

/** A content key sealed for one reader. */
export interface WrappedKey {
  /** The sender's one-time public key (65 bytes). */
  ephemeral: Uint8Array;
  iv: Uint8Array;
  /** The content key and its tag (48 bytes). */
  sealed: Uint8Array;
}

async function wrapKey(
  shared: Uint8Array,
  ephemeral: Uint8Array,
  reader: Uint8Array,
  conversation: string,
): Promise<{ key: Uint8Array; aad: Uint8Array }> {
  const info = fields(FORMAT, "wrap", conversation);
  const key = await hkdf(shared, concat(ephemeral, reader), info, 32);
  return { key, aad: info };
}

/** Seal `contentKey` for the reader whose public key is `reader`, bound to `conversation`. */
export async function wrapContentKey(
  contentKey: Uint8Array,
  reader: Uint8Array,
  conversation: string,
): Promise<WrappedKey> {
  const readerKey = await importPublicKey(reader);
  const oneTime = (await subtle().generateKey({ name: "ECDH", namedCurve: "P-256" }, false, [
    "deriveBits",
  ])) as CryptoKeyPair;
  const ephemeral = await publicKeyBytes(oneTime.publicKey);
  const shared = await ecdh(oneTime.privateKey, readerKey);
  const { key, aad } = await wrapKey(shared, ephemeral, reader, conversation);
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  return { ephemeral, iv, sealed: await aesGcmSeal(key, iv, contentKey, aad) };
}

/** Open a content key sealed for this device (`keys`) in `conversation`. */
export async function unwrapContentKey(
  wrapped: WrappedKey,
  keys: CryptoKeyPair,
  conversation: string,
): Promise<Uint8Array> {
  if (wrapped.iv.length !== 12 || wrapped.sealed.length !== 48) {
    throw new E2eError("bad_key", "a wrapped key has a 12-byte iv and 48 sealed bytes");
  }
  const shared = await ecdh(keys.privateKey, await importPublicKey(wrapped.ephemeral));
  const reader = await publicKeyBytes(keys.publicKey);
  const { key, aad } = await wrapKey(shared, wrapped.ephemeral, reader, conversation);
  return aesGcmOpen(key, wrapped.iv, wrapped.sealed, aad);
}

/** A wrapped key as the server carries it: base64url(ephemeral 65 ‖ iv 12 ‖ sealed 48). */
export function encodeWrapped(wrapped: WrappedKey): string {
  return toBase64Url(concat(wrapped.ephemeral, wrapped.iv, wrapped.sealed));
}

/** The inverse of [`encodeWrapped`]; anything but 125 bytes of base64url is `bad_key`. */
export function decodeWrapped(text: string): WrappedKey {
  let raw: Uint8Array;
  try {
    raw = fromBase64Url(text);
  } catch {
    throw new E2eError("bad_key", "a wrapped key is base64url");
  }
  if (raw.length !== 125) throw new E2eError("bad_key", "a wrapped key has 125 bytes");
  return { ephemeral: raw.slice(0, 65), iv: raw.slice(65, 77), sealed: raw.slice(77) };
}

// ---------------------------------------------------------------- messages

/** Where a message belongs: its conversation, its sender and the sender's own counter. */
export interface Place {
  conversation: string;
  /** `asker`, or `device:<id>` for a counselor's device. */
  sender: string;
  /** 1, 2, … per sender and conversation. */
  counter: number;
}

export interface SealedMessage {
  iv: Uint8Array;
  /** The padded text and the tag. */
  ciphertext: Uint8Array;
}

const messageAad = (place: Place) =>
  fields(FORMAT, "message", place.conversation, place.sender, u64(place.counter));

/** The text, its length in front, zeros up to the smallest bucket it fits. */
export function pad(text: string): Uint8Array {
  const body = encoder.encode(text);
  const size = BUCKETS.find((b) => b >= body.length + 4);
  if (size === undefined) {
    throw new E2eError("too_long", `a message may have at most ${BUCKETS.at(-1)! - 4} bytes`);
  }
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

export function unpad(padded: Uint8Array): string {
  const length =
    padded.length >= 4 ? new DataView(padded.buffer, padded.byteOffset).getUint32(0) : -1;
  if (
    length < 0 ||
    length + 4 > padded.length ||
    padded.subarray(4 + length).some((b) => b !== 0)
  ) {
    throw new E2eError("tampered", "the padding is not the format's");
  }
  return decoder.decode(padded.subarray(4, 4 + length));
}

export async function sealMessage(
  contentKey: Uint8Array,
  place: Place,
  text: string,
): Promise<SealedMessage> {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  return { iv, ciphertext: await aesGcmSeal(contentKey, iv, pad(text), messageAad(place)) };
}

export async function openMessage(
  contentKey: Uint8Array,
  place: Place,
  sealed: SealedMessage,
): Promise<string> {
  return unpad(await aesGcmOpen(contentKey, sealed.iv, sealed.ciphertext, messageAad(place)));
}

/**
 * The reading side of one conversation: opens messages and refuses a counter of a sender it
 * has seen, or one going back (a replay, or the server reordering). A counter may skip (a
 * message that was never stored).
 */
export class Receiver {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly contentKey: Uint8Array,
    private readonly conversation: string,
  ) {}

  async open(sender: string, counter: number, sealed: SealedMessage): Promise<string> {
    const seen = this.last.get(sender) ?? 0;
    if (counter <= seen) {
      throw new E2eError("replayed", `${sender} ${counter} after ${seen}`);
    }
    const text = await openMessage(
      this.contentKey,
      { conversation: this.conversation, sender, counter },
      sealed,
    );
    this.last.set(sender, counter);
    return text;
  }
}

// ---------------------------------------------------------------- verification

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * The "Sicherheitscode" of a conversation: 20 digits in groups of five from SHA-256 of the
 * conversation and the public keys in it (in any order). Equal on both sides when nobody
 * swapped a key.
 */
export async function safetyCode(conversation: string, publicKeys: Uint8Array[]): Promise<string> {
  const sorted = [...publicKeys].sort(compare);
  const digest = new Uint8Array(
    await subtle().digest("SHA-256", fields(FORMAT, "safety", conversation, ...sorted)),
  );
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let n = 0;
    for (let i = 0; i < 5; i++) n = n * 256 + digest[g * 5 + i]!;
    groups.push(String(n % 100000).padStart(5, "0"));
  }
  return groups.join(" ");
}
