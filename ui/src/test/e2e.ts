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
  wrapContentKey,
} from "../crypto/e2e";
import type { ChatKeys, Device, Message, Sealed } from "../wire/types";
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

  const contentKey = (conversationId: string) => {
    let key = contentKeys.get(conversationId);
    if (!key) {
      key = newContentKey();
      contentKeys.set(conversationId, key);
    }
    return key;
  };

  /** The conversation's keys as the server gives them to the asker (`device` null) or a device. */
  async function chatKeys(conversationId: string, device: string | null): Promise<ChatKeys> {
    const key = contentKey(conversationId);
    const reader =
      device === null ? askerKey : (devices.find((d) => d.id === device)?.public_key ?? null);
    const wrapped =
      reader === null
        ? null
        : encodeWrapped(await wrapContentKey(key, fromBase64Url(reader), conversationId));
    return {
      conversation_id: conversationId,
      asker_key: askerKey,
      keys: [
        {
          key: 1,
          wrapped,
          readers: devices.map((d) => ({ device: d.id, public_key: d.public_key })),
        },
      ],
    };
  }

  /** A message as a real sender seals it; `device` null is the asker. */
  async function sealed(
    id: string,
    conversationId: string,
    seq: number,
    text: string,
    sender: { device: string | null; counter: number },
  ): Promise<Message> {
    const place = {
      conversation: conversationId,
      sender: sender.device === null ? "asker" : `device:${sender.device}`,
      counter: sender.counter,
    };
    const { iv, ciphertext } = await sealMessage(contentKey(conversationId), place, text);
    const seal: Sealed = {
      key: 1,
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
    chatKeys,
    sealed,
    stored,
    counselorApi,
  };
}

export type FakeE2eServer = Awaited<ReturnType<typeof fakeE2eServer>>;
