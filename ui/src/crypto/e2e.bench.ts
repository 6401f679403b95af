// What end-to-end encryption costs on a client, per message and per chat (not a test: run
// `npx vitest bench --run src/crypto/e2e.bench.ts`; figures in benches/RESULTS.md). Node's
// WebCrypto, the same primitives the browsers and WebKitGTK offer.
import { bench, describe } from "vitest";
import {
  newContentKey,
  newDeviceKeys,
  openMessage,
  publicKeyBytes,
  safetyCode,
  sealMessage,
  unwrapContentKey,
  wrapContentKey,
} from "./e2e";

const conversation = "6f1c2c1e-8a53-4c35-9a4c-5b0e1f3d2a77";
const contentKey = newContentKey();
const device = await newDeviceKeys();
const devicePublic = await publicKeyBytes(device.publicKey);
const short = "Ich weiß nicht, wo ich anfangen soll.";
const longest = "ü".repeat(4000);
const place = (counter: number) => ({ conversation, sender: "asker", counter });
const sealedShort = await sealMessage(contentKey, place(1), short);
const sealedLongest = await sealMessage(contentKey, place(2), longest);
const wrapped = await wrapContentKey(contentKey, devicePublic, conversation);

describe("a message", () => {
  let counter = 10;
  bench("seal a short text (256-byte bucket)", async () => {
    await sealMessage(contentKey, place(counter++), short);
  });
  bench("open a short text", async () => {
    await openMessage(contentKey, place(1), sealedShort);
  });
  bench("seal 4000 characters (16384-byte bucket)", async () => {
    await sealMessage(contentKey, place(counter++), longest);
  });
  bench("open 4000 characters", async () => {
    await openMessage(contentKey, place(2), sealedLongest);
  });
});

describe("a chat", () => {
  bench("make a device key pair", async () => {
    await newDeviceKeys();
  });
  bench("wrap the chat key for one reader (accept: once per reader)", async () => {
    await wrapContentKey(contentKey, devicePublic, conversation);
  });
  bench("unwrap the chat key (once per reader and chat)", async () => {
    await unwrapContentKey(wrapped, device, conversation);
  });
  bench("the Sicherheitscode of three keys", async () => {
    await safetyCode(conversation, [devicePublic, devicePublic, devicePublic]);
  });
});
