// A fake of the server's half of the end-to-end encryption for tests: the counselor's
// devices, each conversation's content key wrapped for the asker and the devices, and
// messages sealed as a real asker or device would seal them (WebCrypto of node).
import { vi } from "vitest";
import {
  encodeWrapped,
  exportAskerKeys,
  fromBase64Url,
  newAskerKeys,
  newContentKey,
  newDeviceKeys,
  publicKeyBytes,
  sealMessage,
  toBase64Url,
  unwrapContentKey,
  decodeWrapped,
  wrapContentKey,
} from "../crypto/e2e";
import type { ChatKeys, Device, DeviceKey, Message, NewKey, Sealed } from "../wire/types";
import { okResult, apiFailure } from "./fakes";

export const b64PublicKey = async (keys: CryptoKeyPair) =>
  toBase64Url(await publicKeyBytes(keys.publicKey));

export async function fakeE2eServer() {
  const askerKeys = await newAskerKeys();
  /** What a tab keeps in its sessionStorage for these keys. */
  const askerJwk = JSON.stringify(await exportAskerKeys(askerKeys));
  let askerKey = await b64PublicKey(askerKeys);
  const devices: Device[] = [];
  const contentKeys = new Map<string, Uint8Array>();
  let nextDevice = 1;

  /**
   * A content key of a chat as the server keeps it. Key 1 starts out wrapped (on each read)
   * for whatever devices there are, unless `accepted` fixed its readers; keys made later keep
   * the copies they were made with, and copies given to a device later.
   */
  interface StoredKey {
    key: number;
    /** The content key itself, where this fake knows it (to seal messages with it). */
    content: Uint8Array | null;
    /** The asker's copy; `null`: wrapped on each read for the asker's current key. */
    asker: string | null;
    /** Each device's copy; `null`: wrapped on each read for every current device. */
    devices: Map<string, string> | null;
  }
  const chats = new Map<string, StoredKey[]>();
  const ended = new Set<string>();

  const contentKey = (conversationId: string) => {
    let key = contentKeys.get(conversationId);
    if (!key) {
      key = newContentKey();
      contentKeys.set(conversationId, key);
    }
    return key;
  };

  const keysOf = (conversationId: string): StoredKey[] => {
    let keys = chats.get(conversationId);
    if (!keys) {
      keys = [{ key: 1, content: contentKey(conversationId), asker: null, devices: null }];
      chats.set(conversationId, keys);
    }
    return keys;
  };

  const wrapFor = async (content: Uint8Array, publicKey: string, conversationId: string) =>
    encodeWrapped(await wrapContentKey(content, fromBase64Url(publicKey), conversationId));

  /** The conversation's keys as the server gives them to the asker (`device` null) or a device. */
  async function chatKeys(conversationId: string, device: string | null): Promise<ChatKeys> {
    const keys = await Promise.all(
      keysOf(conversationId).map(async (stored) => {
        const readers = devices.filter((d) => stored.devices?.has(d.id) ?? true);
        let wrapped: string | null = null;
        if (device === null) {
          wrapped = stored.asker ?? (await wrapFor(stored.content!, askerKey, conversationId));
        } else {
          const reader = readers.find((d) => d.id === device);
          if (reader) {
            wrapped =
              stored.devices?.get(device) ??
              (await wrapFor(stored.content!, reader.public_key, conversationId));
          }
        }
        return {
          key: stored.key,
          wrapped,
          readers: readers.map((d) => ({ device: d.id, public_key: d.public_key })),
        };
      }),
    );
    return { conversation_id: conversationId, asker_key: askerKey, keys };
  }

  /** The chat was accepted now: its key 1 is wrapped for the devices there are now only. */
  async function accepted(conversationId: string) {
    const [first] = keysOf(conversationId);
    first!.asker = await wrapFor(first!.content!, askerKey, conversationId);
    first!.devices = new Map(
      await Promise.all(
        devices.map(
          async (d) =>
            [d.id, await wrapFor(first!.content!, d.public_key, conversationId)] as const,
        ),
      ),
    );
  }

  /** Another device made a new content key, wrapped for the asker and `readers` (default: all). */
  async function rekey(conversationId: string, readers: string[] = devices.map((d) => d.id)) {
    const keys = keysOf(conversationId);
    const content = newContentKey();
    const key = keys.at(-1)!.key + 1;
    const copies = new Map<string, string>();
    for (const d of devices) {
      if (readers.includes(d.id)) {
        copies.set(d.id, await wrapFor(content, d.public_key, conversationId));
      }
    }
    keys.push({
      key,
      content,
      asker: await wrapFor(content, askerKey, conversationId),
      devices: copies,
    });
    return key;
  }

  /** The content key with number `key`, as far as this fake knows it. */
  const contentOf = (conversationId: string, key: number) =>
    keysOf(conversationId).find((k) => k.key === key)?.content ?? null;

  /** A message as a real sender seals it; `device` null is the asker. */
  async function sealed(
    id: string,
    conversationId: string,
    seq: number,
    text: string,
    sender: { device: string | null; counter: number; key?: number },
  ): Promise<Message> {
    const key = sender.key ?? 1;
    const place = {
      conversation: conversationId,
      sender: sender.device === null ? "asker" : `device:${sender.device}`,
      counter: sender.counter,
    };
    const content = contentOf(conversationId, key);
    if (!content) throw new Error(`no content key ${key} known in ${conversationId}`);
    const { iv, ciphertext } = await sealMessage(content, place, text);
    const seal: Sealed = {
      key,
      device: sender.device,
      counter: sender.counter,
      iv: toBase64Url(iv),
      ciphertext: toBase64Url(ciphertext),
    };
    return {
      id,
      conversation_id: conversationId,
      from: sender.device === null ? "asker" : "counselor",
      sealed: seal,
      sent_at: seq,
      seq,
    };
  }

  /** The stored message for a send: what the server answers (it stores the sealed as it is). */
  const stored = (conversationId: string, sealedBody: Sealed, seq: number): Message => ({
    id: `sent-${seq}`,
    conversation_id: conversationId,
    from: sealedBody.device === null ? "asker" : "counselor",
    sealed: sealedBody,
    sent_at: seq,
    seq,
  });

  /** The counselor's device endpoints and the keys endpoint, as the server answers them. */
  const counselorApi = {
    devices: vi.fn(async () => okResult({ devices: [...devices] })),
    addDevice: vi.fn(async (body: { name: string; public_key: string }) => {
      const known = devices.find((d) => d.public_key === body.public_key);
      if (known) return okResult(known);
      const device: Device = { id: `dev-${nextDevice++}`, added_at: 1_000, ...body };
      devices.push(device);
      return okResult(device);
    }),
    removeDevice: vi.fn(async (id: string) => {
      const at = devices.findIndex((d) => d.id === id);
      if (at < 0) return apiFailure<void>("unknown_device", 404);
      devices.splice(at, 1);
      return okResult(undefined);
    }),
    keys: vi.fn(async (conversationId: string, device: string) =>
      devices.some((d) => d.id === device)
        ? okResult(await chatKeys(conversationId, device))
        : apiFailure<ChatKeys>("unknown_device", 403),
    ),
    /** `POST /api/conversations/{id}/keys`: a new content key of a running chat. */
    newKey: vi.fn(async (conversationId: string, body: NewKey) => {
      if (ended.has(conversationId)) return apiFailure<void>("conversation_ended");
      const keys = keysOf(conversationId);
      if (body.key !== keys.at(-1)!.key + 1) return apiFailure<void>("key_outdated");
      const current = devices.map((d) => d.id).sort();
      const given = body.devices.map((d) => d.device).sort();
      if (JSON.stringify(current) !== JSON.stringify(given)) {
        return apiFailure<void>("devices_changed");
      }
      let content: Uint8Array | null = null;
      try {
        content = await unwrapContentKey(decodeWrapped(body.asker), askerKeys, conversationId);
      } catch {
        // Wrapped for a key pair of the asker this fake does not hold.
      }
      keys.push({
        key: body.key,
        content,
        asker: body.asker,
        devices: new Map(body.devices.map((d) => [d.device, d.wrapped])),
      });
      return okResult(undefined);
    }),
    /** `POST /api/conversations/{id}/keys/{key}/devices`: an existing key for one more device. */
    giveKey: vi.fn(async (conversationId: string, key: number, body: DeviceKey) => {
      if (!devices.some((d) => d.id === body.device)) {
        return apiFailure<void>("unknown_device", 403);
      }
      const stored = keysOf(conversationId).find((k) => k.key === key);
      if (!stored) return apiFailure<void>("not_found", 404);
      if (stored.devices && !stored.devices.has(body.device)) {
        stored.devices.set(body.device, body.wrapped);
      }
      return okResult(undefined);
    }),
  };

  /** A counselor's device the test drives itself (another device than the session's). */
  async function registerDevice(name = "Firefox unter Windows") {
    const keys = await newDeviceKeys();
    const device: Device = {
      id: `dev-${nextDevice++}`,
      name,
      public_key: await b64PublicKey(keys),
      added_at: 1_000,
    };
    devices.push(device);
    return { device, keys };
  }

  return {
    askerKeys,
    askerJwk,
    get askerKey() {
      return askerKey;
    },
    /** The asker's public key as the tab sent it when entering. */
    setAskerKey(key: string) {
      askerKey = key;
    },
    devices,
    registerDevice,
    contentKey,
    contentOf,
    chatKeys,
    accepted,
    rekey,
    /** The chat ended: it gets no new key. */
    end(conversationId: string) {
      ended.add(conversationId);
    },
    sealed,
    stored,
    counselorApi,
  };
}

export type FakeE2eServer = Awaited<ReturnType<typeof fakeE2eServer>>;
