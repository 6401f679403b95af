import { describe, expect, it } from "vitest";
import {
  aesGcmOpen,
  aesGcmSeal,
  BUCKETS,
  decodeWrapped,
  E2eError,
  ecdh,
  encodeWrapped,
  exportAskerKeys,
  fromBase64Url,
  importAskerKeys,
  newAskerKeys,
  toBase64Url,
  hkdf,
  importPublicKey,
  newContentKey,
  newDeviceKeys,
  openMessage,
  pad,
  publicKeyBytes,
  Receiver,
  safetyCode,
  sealMessage,
  unpad,
  unwrapContentKey,
  wrapContentKey,
  type Place,
} from "./e2e";

const hex = (text: string) =>
  Uint8Array.from(
    text
      .replace(/\s+/g, "")
      .match(/../g)!
      .map((b) => parseInt(b, 16)),
  );
const toHex = (data: Uint8Array) => [...data].map((b) => b.toString(16).padStart(2, "0")).join("");
const b64url = (data: Uint8Array) =>
  btoa(String.fromCharCode(...data))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
const latin1 = (data: Uint8Array) => String.fromCharCode(...data);

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof E2eError) return error.problem;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("the primitives, against known answers", () => {
  it("HKDF-SHA-256 gives RFC 5869's test case 1", async () => {
    const okm = await hkdf(
      new Uint8Array(22).fill(0x0b),
      hex("000102030405060708090a0b0c"),
      hex("f0f1f2f3f4f5f6f7f8f9"),
      42,
    );
    expect(toHex(okm)).toBe(
      "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
    );
  });

  it("AES-256-GCM gives the GCM specification's test cases 14 and 16", async () => {
    const zero = new Uint8Array(32);
    const case14 = await aesGcmSeal(zero, new Uint8Array(12), new Uint8Array(16), new Uint8Array());
    expect(toHex(case14)).toBe(
      "cea7403d4d606b6e074ec5d3baf39d18" + "d0d1c8a799996bf0265b98b5d48ab919",
    );

    const key = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    const iv = hex("cafebabefacedbaddecaf888");
    const plain = hex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    );
    const aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    const case16 = await aesGcmSeal(key, iv, plain, aad);
    expect(toHex(case16)).toBe(
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" +
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662" +
        "76fc6ece0f4e1768cddf8853bb2d551b",
    );
    // Opening gives the text back.
    expect(toHex(await aesGcmOpen(key, iv, case16, aad))).toBe(toHex(plain));
  });

  it("ECDH P-256 gives RFC 5903's shared secret, from either side", async () => {
    const point = (x: string, y: string) => ({ x: b64url(hex(x)), y: b64url(hex(y)) });
    const initiator = point(
      "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180",
      "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
    );
    const responder = point(
      "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63",
      "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
    );
    const i = b64url(hex("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433"));
    const r = b64url(hex("C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53"));
    const importKey = (jwk: JsonWebKey, usages: KeyUsage[]) =>
      crypto.subtle.importKey("jwk", jwk, { name: "ECDH", namedCurve: "P-256" }, false, usages);
    const iPrivate = await importKey({ kty: "EC", crv: "P-256", ...initiator, d: i }, [
      "deriveBits",
    ]);
    const rPrivate = await importKey({ kty: "EC", crv: "P-256", ...responder, d: r }, [
      "deriveBits",
    ]);
    const iPublic = await importKey({ kty: "EC", crv: "P-256", ...initiator }, []);
    const rPublic = await importKey({ kty: "EC", crv: "P-256", ...responder }, []);
    const expected = "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de";
    expect(toHex(await ecdh(iPrivate, rPublic))).toBe(expected);
    expect(toHex(await ecdh(rPrivate, iPublic))).toBe(expected);
  });
});

describe("keys", () => {
  it("a device's private key cannot be exported, its public key is a 65-byte point", async () => {
    const keys = await newDeviceKeys();
    expect(keys.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey("pkcs8", keys.privateKey)).rejects.toThrow();
    const raw = await publicKeyBytes(keys.publicKey);
    expect(raw.length).toBe(65);
    expect(raw[0]).toBe(4);
  });

  it("refuses a public key that is not a point of P-256", async () => {
    expect(await refusal(importPublicKey(new Uint8Array(65)))).toBe("bad_key");
    const raw = await publicKeyBytes((await newDeviceKeys()).publicKey);
    raw[64] = raw[64]! ^ 1; // off the curve
    expect(await refusal(importPublicKey(raw))).toBe("bad_key");
    expect(await refusal(importPublicKey(raw.subarray(0, 33)))).toBe("bad_key");
  });

  it("a content key wrapped for the asker and two counselor devices opens for each of them only, and only in its conversation", async () => {
    const content = newContentKey();
    const readers = await Promise.all([newDeviceKeys(), newDeviceKeys(), newDeviceKeys()]);
    const stranger = await newDeviceKeys();
    for (const reader of readers) {
      const wrapped = await wrapContentKey(
        content,
        await publicKeyBytes(reader.publicKey),
        "chat-1",
      );
      expect(toHex(await unwrapContentKey(wrapped, reader, "chat-1"))).toBe(toHex(content));
      expect(await refusal(unwrapContentKey(wrapped, stranger, "chat-1"))).toBe("tampered");
      expect(await refusal(unwrapContentKey(wrapped, reader, "chat-2"))).toBe("tampered");
      // What the server stores says nothing of the key.
      expect(toHex(wrapped.sealed)).not.toContain(toHex(content));
    }
  });
});

describe("messages", () => {
  const place: Place = { conversation: "chat-1", sender: "asker", counter: 1 };

  it("a sealed message opens to its text, and nothing of the text is in what the server holds", async () => {
    const key = newContentKey();
    const text = "Ich trinke seit Monaten jeden Abend – wie höre ich auf? 🙏";
    const sealed = await sealMessage(key, place, text);
    expect(await openMessage(key, place, sealed)).toBe(text);
    expect(latin1(sealed.ciphertext)).not.toContain("trinke");
    // A fresh iv each time: the same text twice is not the same ciphertext.
    const again = await sealMessage(key, place, text);
    expect(toHex(again.ciphertext)).not.toBe(toHex(sealed.ciphertext));
  });

  it("a tampered ciphertext, a swapped counter, another sender or another chat is refused as tampered", async () => {
    const key = newContentKey();
    const sealed = await sealMessage(key, place, "Hallo");
    const flipped = { ...sealed, ciphertext: sealed.ciphertext.slice() };
    flipped.ciphertext[5] = flipped.ciphertext[5]! ^ 0x80;
    expect(await refusal(openMessage(key, place, flipped))).toBe("tampered");
    expect(await refusal(openMessage(key, { ...place, counter: 2 }, sealed))).toBe("tampered");
    expect(await refusal(openMessage(key, { ...place, sender: "device:7" }, sealed))).toBe(
      "tampered",
    );
    expect(await refusal(openMessage(key, { ...place, conversation: "chat-2" }, sealed))).toBe(
      "tampered",
    );
    expect(await refusal(openMessage(newContentKey(), place, sealed))).toBe("tampered");
  });

  it("the reader refuses a replayed message and one that goes back, and lets a counter skip", async () => {
    const key = newContentKey();
    const seal = (sender: string, counter: number, text: string) =>
      sealMessage(key, { conversation: "chat-1", sender, counter }, text);
    const receiver = new Receiver(key, "chat-1");
    const first = await seal("asker", 1, "eins");
    expect(await receiver.open("asker", 1, first)).toBe("eins");
    expect(await receiver.open("device:3", 1, await seal("device:3", 1, "Hallo"))).toBe("Hallo");
    expect(await refusal(receiver.open("asker", 1, first))).toBe("replayed");
    expect(await receiver.open("asker", 3, await seal("asker", 3, "drei"))).toBe("drei");
    expect(await refusal(receiver.open("asker", 2, await seal("asker", 2, "zwei")))).toBe(
      "replayed",
    );
    // A refused message does not move the counter.
    const forged = await seal("asker", 9, "neun");
    forged.ciphertext[0] = forged.ciphertext[0]! ^ 1;
    expect(await refusal(receiver.open("asker", 9, forged))).toBe("tampered");
    expect(await receiver.open("asker", 4, await seal("asker", 4, "vier"))).toBe("vier");
  });

  it("pads texts to buckets, so that length says little", async () => {
    const key = newContentKey();
    const short = await sealMessage(key, place, "ja");
    const longer = await sealMessage(key, place, "x".repeat(200));
    expect(short.ciphertext.length).toBe(longer.ciphertext.length);
    expect(short.ciphertext.length).toBe(BUCKETS[0] + 16);
    expect(pad("x".repeat(253)).length).toBe(1024);
    expect(unpad(pad("Grüße"))).toBe("Grüße");
    expect(unpad(pad(""))).toBe("");
    const bent = pad("abc");
    bent[100] = 1;
    expect(() => unpad(bent)).toThrow(E2eError);
    expect(() => pad("x".repeat(BUCKETS.at(-1)!))).toThrow(/at most/);
  });
});

describe("the Sicherheitscode", () => {
  it("is the same on both sides, in any order of the keys, and changes with any key or chat", async () => {
    const keys = await Promise.all([newDeviceKeys(), newDeviceKeys(), newDeviceKeys()]);
    const raw = await Promise.all(keys.map((k) => publicKeyBytes(k.publicKey)));
    const asker = await safetyCode("chat-1", [raw[0]!, raw[1]!]);
    const counselor = await safetyCode("chat-1", [raw[1]!, raw[0]!]);
    expect(asker).toBe(counselor);
    expect(asker).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
    expect(await safetyCode("chat-1", [raw[0]!, raw[2]!])).not.toBe(asker);
    expect(await safetyCode("chat-2", [raw[0]!, raw[1]!])).not.toBe(asker);
  });
});

describe("wire encodings", () => {
  it("base64url has no padding and follows RFC 4648's test vectors", () => {
    const vectors: [string, string][] = [
      ["", ""],
      ["f", "Zg"],
      ["fo", "Zm8"],
      ["foo", "Zm9v"],
      ["foob", "Zm9vYg"],
      ["fooba", "Zm9vYmE"],
      ["foobar", "Zm9vYmFy"],
    ];
    for (const [plain, encoded] of vectors) {
      expect(toBase64Url(new TextEncoder().encode(plain))).toBe(encoded);
      expect(new TextDecoder().decode(fromBase64Url(encoded))).toBe(plain);
    }
    expect(toBase64Url(Uint8Array.of(0xfb, 0xff))).toBe("-_8");
    expect(fromBase64Url("-_8")).toEqual(Uint8Array.of(0xfb, 0xff));
  });

  it("base64url refuses padding, other alphabets and left-over bits", () => {
    for (const bad of ["Zg==", "+/8", "Z", "Zh", "Zm9v Yg"]) {
      expect(() => fromBase64Url(bad)).toThrow(RangeError);
    }
  });

  it("a wrapped key travels as 167 characters and comes back the same", async () => {
    const reader = await newDeviceKeys();
    const key = newContentKey();
    const wrapped = await wrapContentKey(key, await publicKeyBytes(reader.publicKey), "c1");
    const text = encodeWrapped(wrapped);
    expect(text).toHaveLength(167);
    expect(await unwrapContentKey(decodeWrapped(text), reader, "c1")).toEqual(key);
  });

  it("a wrapped key of the wrong length is a bad key", () => {
    expect(() => decodeWrapped(toBase64Url(new Uint8Array(124)))).toThrow(E2eError);
    expect(() => decodeWrapped("!")).toThrow(/base64url/);
  });

  it("the asker's key pair survives an export as JWK and opens what was wrapped for it", async () => {
    const keys = await newAskerKeys();
    const raw = await publicKeyBytes(keys.publicKey);
    const wrapped = await wrapContentKey(newContentKey(), raw, "c1");
    const jwk = JSON.parse(JSON.stringify(await exportAskerKeys(keys))) as JsonWebKey;
    const again = await importAskerKeys(jwk);
    expect(await publicKeyBytes(again.publicKey)).toEqual(raw);
    expect(await unwrapContentKey(wrapped, again, "c1")).toEqual(
      await unwrapContentKey(wrapped, keys, "c1"),
    );
  });

  it("a JWK that is not a P-256 private key is a bad key", async () => {
    const jwk = await exportAskerKeys(await newAskerKeys());
    await expect(importAskerKeys({ ...jwk, d: undefined })).rejects.toThrow(E2eError);
    await expect(importAskerKeys({ ...jwk, x: "AAAA" })).rejects.toThrow(E2eError);
  });

  it("the largest bucket holds 4000 characters of four bytes each", () => {
    expect(pad("😀".repeat(4000))).toHaveLength(16384);
    expect(BUCKETS).toEqual([256, 1024, 4096, 16384]);
  });
});
