import { beforeEach, describe, expect, it, vi } from "vitest";
import { newDeviceKeys } from "../crypto/e2e";
import { fakeE2eServer, type FakeE2eServer } from "../test/e2e";
import { apiFailure, networkFailure } from "../test/fakes";
import {
  indexedDbKeyStore,
  memoryKeyStore,
  secretStoreKeyStore,
  setUpDevice,
  type SecretStoreKeys,
} from "./devices";

let e2e: FakeE2eServer;
beforeEach(async () => {
  e2e = await fakeE2eServer();
});

describe("this device's keys", () => {
  it("a browser without IndexedDB has no key store, and the setup says so without throwing", async () => {
    const store = indexedDbKeyStore("https://beratung.example", "anna", undefined);
    await expect(store.load()).rejects.toThrow(/IndexedDB/);
    expect(await setUpDevice(e2e.counselorApi, store, "Browser")).toEqual({
      ok: false,
      problem: "unsupported",
    });
    expect(e2e.counselorApi.addDevice).not.toHaveBeenCalled();
  });

  it("keeps using stored keys while the server cannot be asked", async () => {
    const stored = { deviceId: "dev-9", keys: await newDeviceKeys() };
    const api = { ...e2e.counselorApi, devices: vi.fn(async () => networkFailure()) };
    expect(await setUpDevice(api, memoryKeyStore(stored), "Browser")).toEqual({
      ok: true,
      device: stored,
    });
  });

  it("without stored keys and without the server, tries again later", async () => {
    const api = { ...e2e.counselorApi, devices: vi.fn(async () => networkFailure()) };
    expect(await setUpDevice(api, memoryKeyStore(), "Browser")).toMatchObject({
      ok: false,
      problem: "unreachable",
    });
  });

  it("says the server refused a device beyond the limit", async () => {
    const api = {
      ...e2e.counselorApi,
      addDevice: vi.fn(async () => apiFailure("too_many_devices")),
    };
    expect(await setUpDevice(api, memoryKeyStore(), "Browser")).toMatchObject({
      ok: false,
      problem: "refused",
      failure: { code: "too_many_devices" },
    });
  });

  it("makes new keys when the server lists the stored id with another public key", async () => {
    const stored = { deviceId: "dev-1", keys: await newDeviceKeys() };
    await e2e.registerDevice();
    const store = memoryKeyStore(stored);
    const setup = await setUpDevice(e2e.counselorApi, store, "Browser");
    expect(setup).toMatchObject({ ok: true, device: { deviceId: "dev-2" } });
    expect((await store.load())?.deviceId).toBe("dev-2");
  });
});

describe("the desktop app's keys in the OS secret store", () => {
  function fakeShell(): SecretStoreKeys & { entries: Map<string, string> } {
    const entries = new Map<string, string>();
    return {
      entries,
      get: async (account) => entries.get(account) ?? null,
      set: async (account, record) => void entries.set(account, record),
    };
  }

  it("a new device's key goes to the secret store and comes back non-extractable, as the same device", async () => {
    const shell = fakeShell();
    const store = secretStoreKeyStore("https://beratung.example/", "anna", shell);
    const first = await setUpDevice(e2e.counselorApi, store, "Pforte-Desktop-App");
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect([...shell.entries.keys()]).toEqual(["https://beratung.example|anna"]);
    const record = JSON.parse(shell.entries.get("https://beratung.example|anna")!);
    expect(record.deviceId).toBe(first.device.deviceId);
    expect(record.jwk.d).toBeTruthy();

    const loaded = await store.load();
    expect(loaded?.deviceId).toBe(first.device.deviceId);
    expect(loaded?.keys.privateKey.extractable).toBe(false);
    const again = await setUpDevice(e2e.counselorApi, store, "Pforte-Desktop-App");
    expect(again.ok && again.device.deviceId).toBe(first.device.deviceId);
    expect(e2e.counselorApi.addDevice).toHaveBeenCalledTimes(1);
  });

  it("without a secret store, or with a broken record, it holds nothing and a new device is added", async () => {
    const broken: SecretStoreKeys = {
      get: async () => {
        throw new Error("kein Schlüsselbund");
      },
      set: async () => {
        throw new Error("kein Schlüsselbund");
      },
    };
    expect(await secretStoreKeyStore("https://b.example", "anna", broken).load()).toBeNull();
    const setUp = await setUpDevice(
      e2e.counselorApi,
      secretStoreKeyStore("https://b.example", "anna", broken),
      "Pforte-Desktop-App",
    );
    expect(setUp.ok).toBe(true);
    const garbled = fakeShell();
    garbled.entries.set("https://b.example|anna", "{kein json");
    expect(await secretStoreKeyStore("https://b.example", "anna", garbled).load()).toBeNull();
  });
});
