import { beforeEach, describe, expect, it } from "vitest";
import { b64PublicKey, fakeE2eServer, type FakeE2eServer } from "../test/e2e";
import { ConversationCipher, openChatKeys, senderOf } from "./conversation";
import { fromBase64Url, newAskerKeys, toBase64Url } from "./e2e";
import type { Message } from "../wire/types";

let e2e: FakeE2eServer;
let device: Awaited<ReturnType<FakeE2eServer["registerDevice"]>>;
beforeEach(async () => {
  e2e = await fakeE2eServer();
  device = await e2e.registerDevice();
});

const keysOf = (conversation: string) => new Map([[1, e2e.contentKey(conversation)]]);
const askerSide = (conversation = "c1") =>
  new ConversationCipher(conversation, keysOf(conversation), "asker");
const deviceSide = (conversation = "c1") =>
  new ConversationCipher(conversation, keysOf(conversation), `device:${device.device.id}`);

/** A changed byte of a base64url text. */
function flip(text: string): string {
  const raw = fromBase64Url(text);
  raw[raw.length - 1]! ^= 1;
  return toBase64Url(raw);
}

describe("the boundary between sealed messages and texts", () => {
  it("a text sealed by the asker opens on the counselor's device", async () => {
    const sealed = await askerSide().seal("Ich brauche Hilfe");
    expect(sealed).toMatchObject({ key: 1, device: null, counter: 1 });
    const [opened] = await deviceSide().open([e2e.stored("c1", sealed, 1)]);
    expect(opened).toMatchObject({ text: "Ich brauche Hilfe", from: "asker" });
    expect(opened!.problem).toBeUndefined();
  });

  it("a text sealed by a device names that device and opens for the asker", async () => {
    const sealed = await deviceSide().seal("Guten Tag");
    expect(sealed.device).toBe(device.device.id);
    const [opened] = await askerSide().open([e2e.stored("c1", sealed, 1)]);
    expect(opened!.text).toBe("Guten Tag");
  });

  it("a changed ciphertext is a notice, not a text", async () => {
    const sealed = await askerSide().seal("geheim");
    const message = e2e.stored("c1", { ...sealed, ciphertext: flip(sealed.ciphertext) }, 1);
    const [opened] = await deviceSide().open([message]);
    expect(opened).toMatchObject({ text: null, problem: "tampered" });
  });

  it("a message moved to another chat does not open there", async () => {
    const sealed = await askerSide("c1").seal("für c1");
    const reader = new ConversationCipher("c2", keysOf("c1"), "device:x");
    const [opened] = await reader.open([e2e.stored("c2", sealed, 1)]);
    expect(opened).toMatchObject({ text: null, problem: "tampered" });
  });

  it("a message claiming another sender does not open", async () => {
    const sealed = await deviceSide().seal("vom Gerät");
    const asAsker: Message = { ...e2e.stored("c1", sealed, 1), from: "asker" };
    expect(senderOf(asAsker.from, asAsker.sealed)).toBeNull();
    const [opened] = await askerSide().open([asAsker]);
    expect(opened).toMatchObject({ text: null, problem: "tampered" });
  });

  it("a counter seen before under another id is a replay", async () => {
    const sealed = await askerSide().seal("einmal");
    const reader = deviceSide();
    const [first, again] = await reader.open([
      e2e.stored("c1", sealed, 1),
      { ...e2e.stored("c1", sealed, 2), id: "copy" },
    ]);
    expect(first!.text).toBe("einmal");
    expect(again).toMatchObject({ text: null, problem: "replayed" });
  });

  it("the same message arriving twice is opened once and not taken for a replay", async () => {
    const sealed = await askerSide().seal("Hallo");
    const reader = deviceSide();
    const message = e2e.stored("c1", sealed, 1);
    await reader.open([message]);
    const [again] = await reader.open([message]);
    expect(again!.text).toBe("Hallo");
  });

  it("a live message that came before the history is not taken for a replay", async () => {
    const asker = askerSide();
    const one = e2e.stored("c1", await asker.seal("eins"), 1);
    const two = e2e.stored("c1", await asker.seal("zwei"), 2);
    const reader = deviceSide();
    await reader.open([two]);
    const history = await reader.open([one, two]);
    expect(history.map((m) => m.text)).toEqual(["eins", "zwei"]);
  });

  it("a message sealed with a key this reader lacks says so", async () => {
    const sealed = await askerSide().seal("neu");
    const [opened] = await deviceSide().open([e2e.stored("c1", { ...sealed, key: 2 }, 1)]);
    expect(opened).toMatchObject({ text: null, problem: "no_key" });
  });

  it("a retry with the same client id carries the same ciphertext and counter", async () => {
    const asker = askerSide();
    const first = await asker.seal("Hallo", "client-1");
    expect(await asker.seal("Hallo", "client-1")).toEqual(first);
    expect((await asker.seal("Noch was", "client-2")).counter).toBe(2);
  });

  it("a cipher made when the keys were read again goes on with the earlier one's counter and sends", async () => {
    const earlier = askerSide();
    const sent = await earlier.seal("Hallo", "client-1");
    const next = askerSide();
    next.continueFrom(earlier);
    expect(await next.seal("Hallo", "client-1")).toEqual(sent);
    expect((await next.seal("Weiter", "client-2")).counter).toBe(2);
  });

  it("after a reload the counter continues after the highest own counter of the history", async () => {
    const before = deviceSide();
    const history = [
      e2e.stored("c1", await before.seal("eins"), 1),
      e2e.stored("c1", await askerSide().seal("Antwort"), 2),
      e2e.stored("c1", await before.seal("zwei"), 3),
    ];
    const reloaded = deviceSide();
    await reloaded.open(history);
    expect((await reloaded.seal("drei")).counter).toBe(3);
  });

  it("the Sicherheitscode is the same for the asker and the device from the same keys", async () => {
    const forAsker = await openChatKeys(await e2e.chatKeys("c1", null), e2e.askerKeys, {
      asker: true,
    });
    const forDevice = await openChatKeys(await e2e.chatKeys("c1", device.device.id), device.keys, {
      device: device.device.id,
    });
    expect(forAsker.safetyCode).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
    expect(forDevice.safetyCode).toBe(forAsker.safetyCode);
    expect(forAsker.keys.get(1)).toEqual(forDevice.keys.get(1));
  });

  it("the Sicherheitscode changes when another device reads the chat", async () => {
    const asker = { asker: true } as const;
    const before = await openChatKeys(await e2e.chatKeys("c1", null), e2e.askerKeys, asker);
    await e2e.registerDevice("Pforte-Desktop-App");
    const after = await openChatKeys(await e2e.chatKeys("c1", null), e2e.askerKeys, asker);
    expect(after.safetyCode).not.toBe(before.safetyCode);
    expect(after.readers).toHaveLength(2);
  });

  it("a wrapped key for someone else is left out, not thrown", async () => {
    const other = await e2e.registerDevice();
    const opened = await openChatKeys(await e2e.chatKeys("c1", other.device.id), device.keys, {
      device: device.device.id,
    });
    expect(opened.keys.size).toBe(0);
  });

  it("a key the server swapped for the asker's makes the two Sicherheitscodes differ", async () => {
    const swapped = await newAskerKeys();
    const honest = await e2e.chatKeys("c1", device.device.id);
    // The server tells the counselor's device another key than the asker's, and the asker too.
    const lie = { ...honest, asker_key: await b64PublicKey(swapped) };
    const forDevice = await openChatKeys(lie, device.keys, { device: device.device.id });
    const forAsker = await openChatKeys(
      { ...(await e2e.chatKeys("c1", null)), asker_key: lie.asker_key },
      e2e.askerKeys,
      { asker: true },
    );
    expect(forAsker.safetyCode).not.toBe(forDevice.safetyCode);
  });
});
