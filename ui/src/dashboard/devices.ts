// This device's key pair for the end-to-end encryption ("Meine Geräte"): kept in IndexedDB
// as a non-extractable CryptoKey (never as bytes), one record per server and counselor login.
// The session sees only the `DeviceKeyStore` interface, so tests give it a fake.
import type { CounselorApi } from "../api/counselor";
import {
  exportAskerKeys,
  importAskerKeys,
  newAskerKeys,
  newDeviceKeys,
  publicKeyBytes,
  toBase64Url,
} from "../crypto/e2e";
import { failureCode, type Failure } from "../platform/http";

/** What this device keeps: its id on the server and its key pair. */
export interface StoredDevice {
  deviceId: string;
  keys: CryptoKeyPair;
}

/** Where this device's keys live. Every method may reject (no IndexedDB, storage refused). */
export interface DeviceKeyStore {
  load(): Promise<StoredDevice | null>;
  save(device: StoredDevice): Promise<void>;
  /** A new key pair this store can keep (default: non-extractable, for IndexedDB). */
  makeKeys?(): Promise<CryptoKeyPair>;
}

/** What the desktop app's shell offers for the key: the OS secret store. */
export interface SecretStoreKeys {
  get(account: string): Promise<string | null>;
  set(account: string, record: string): Promise<void>;
}

/**
 * The desktop app's key store: the record (device id and private key as a JWK) lives in the
 * OS secret store through the shell, never in the webview's storage; read back, the private
 * key is imported as non-extractable. Without a secret store nothing is kept: the keys work
 * for this session, and the next start adds a new device (as the login is then kept in memory
 * only too).
 */
export function secretStoreKeyStore(
  origin: string,
  login: string,
  shell: SecretStoreKeys,
): DeviceKeyStore {
  const account = `${origin.replace(/\/+$/, "")}|${login}`;
  return {
    async load() {
      const record = await shell.get(account).catch(() => null);
      if (!record) return null;
      try {
        const { deviceId, jwk } = JSON.parse(record) as { deviceId: unknown; jwk: JsonWebKey };
        if (typeof deviceId !== "string") return null;
        return { deviceId, keys: await importAskerKeys(jwk, false) };
      } catch {
        return null;
      }
    },
    async save(device) {
      const jwk = await exportAskerKeys(device.keys);
      await shell.set(account, JSON.stringify({ deviceId: device.deviceId, jwk }));
    },
    // Extractable once, so the shell can keep it; read back it is not.
    makeKeys: () => newAskerKeys(),
  };
}

export const DB_NAME = "pforte-e2e";
const STORE = "devices";

/** The record of `login` on the server at `origin` in IndexedDB `pforte-e2e`. */
export function indexedDbKeyStore(
  origin: string,
  login: string,
  idb: IDBFactory | undefined = globalThis.indexedDB,
): DeviceKeyStore {
  const key = `${origin.replace(/\/+$/, "")}|${login}`;
  let opened: Promise<IDBDatabase> | null = null;
  const db = (): Promise<IDBDatabase> => {
    opened ??= new Promise<IDBDatabase>((resolve, reject) => {
      if (!idb) {
        reject(new Error("no IndexedDB"));
        return;
      }
      const request = idb.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        if (!request.result.objectStoreNames.contains(STORE)) {
          request.result.createObjectStore(STORE);
        }
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error("IndexedDB refused"));
      request.onblocked = () => reject(new Error("IndexedDB blocked"));
    });
    opened.catch(() => (opened = null));
    return opened;
  };
  const run = <T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest) =>
    db().then(
      (database) =>
        new Promise<T>((resolve, reject) => {
          const tx = database.transaction(STORE, mode);
          const request = act(tx.objectStore(STORE));
          tx.oncomplete = () => resolve(request.result as T);
          tx.onerror = () => reject(tx.error ?? new Error("IndexedDB failed"));
          tx.onabort = () => reject(tx.error ?? new Error("IndexedDB aborted"));
        }),
    );
  return {
    async load() {
      const record = await run<StoredDevice | undefined>("readonly", (s) => s.get(key));
      return record && typeof record.deviceId === "string" && record.keys ? record : null;
    },
    async save(device) {
      await run("readwrite", (s) => s.put({ deviceId: device.deviceId, keys: device.keys }, key));
    },
  };
}

/** Keeps the keys in memory only (tests; a page whose storage is refused loses them on reload). */
export function memoryKeyStore(initial: StoredDevice | null = null): DeviceKeyStore {
  let kept = initial;
  return {
    load: async () => kept,
    save: async (device) => void (kept = device),
  };
}

/**
 * How the counselor recognises this device in "Meine Geräte": "Chromium unter Linux",
 * "Firefox unter Windows", or "Pforte-Desktop-App" in the desktop app.
 */
export function deviceName(userAgent: string, desktopApp: boolean): string {
  if (desktopApp) return "Pforte-Desktop-App";
  const browser = /Edg\//.test(userAgent)
    ? "Edge"
    : /OPR\//.test(userAgent)
      ? "Opera"
      : /Firefox\//.test(userAgent)
        ? "Firefox"
        : /Chromium\//.test(userAgent)
          ? "Chromium"
          : /Chrome\//.test(userAgent)
            ? "Chrome"
            : /Safari\//.test(userAgent)
              ? "Safari"
              : "Browser";
  const system = /Android/.test(userAgent)
    ? "Android"
    : /iPhone|iPad|iPod/.test(userAgent)
      ? "iOS"
      : /Windows/.test(userAgent)
        ? "Windows"
        : /Mac OS X|Macintosh/.test(userAgent)
          ? "macOS"
          : /CrOS/.test(userAgent)
            ? "ChromeOS"
            : /Linux/.test(userAgent)
              ? "Linux"
              : null;
  return system ? `${browser} unter ${system}` : browser;
}

/** Why this device has no keys to read and write chats with. */
export type DeviceProblem =
  /** No IndexedDB or no WebCrypto here (e.g. a private window, a page not on https). */
  | "unsupported"
  /** The server could not be asked (yet): tried again at the next reconnect. */
  | "unreachable"
  /** The server refused to add it (e.g. too many devices). */
  | "refused";

export type DeviceSetup =
  { ok: true; device: StoredDevice } | { ok: false; problem: DeviceProblem; failure?: Failure };

/**
 * At the start of a session: this device's stored keys if the server still lists them, else
 * new keys, added to the server as `name` and stored. Never throws.
 */
export async function setUpDevice(
  api: Pick<CounselorApi, "devices" | "addDevice">,
  store: DeviceKeyStore,
  name: string,
): Promise<DeviceSetup> {
  let stored: StoredDevice | null;
  try {
    if (!globalThis.crypto?.subtle) return { ok: false, problem: "unsupported" };
    stored = await store.load();
  } catch {
    return { ok: false, problem: "unsupported" };
  }
  const listed = await api.devices();
  if (!listed.ok) {
    // Not reachable now: the stored keys are used as they are (the server refuses them if
    // they were removed); without any, try again later.
    if (stored) return { ok: true, device: stored };
    return { ok: false, problem: "unreachable", failure: listed.failure };
  }
  if (stored) {
    const publicKey = await encodedPublicKey(stored.keys).catch(() => null);
    const known = listed.value.devices.some(
      (d) => d.id === stored.deviceId && d.public_key === publicKey,
    );
    if (known) return { ok: true, device: stored };
  }
  let keys: CryptoKeyPair;
  let publicKey: string;
  try {
    keys = await (store.makeKeys ? store.makeKeys() : newDeviceKeys());
    publicKey = await encodedPublicKey(keys);
  } catch {
    return { ok: false, problem: "unsupported" };
  }
  const added = await api.addDevice({ name, public_key: publicKey });
  if (!added.ok) {
    const refused = added.failure.kind === "api" && failureCode(added.failure) !== "unavailable";
    return { ok: false, problem: refused ? "refused" : "unreachable", failure: added.failure };
  }
  const device = { deviceId: added.value.id, keys };
  try {
    await store.save(device);
  } catch {
    // Not kept: the keys work for this session; the next login adds a new device.
  }
  return { ok: true, device };
}

export async function encodedPublicKey(keys: CryptoKeyPair): Promise<string> {
  return toBase64Url(await publicKeyBytes(keys.publicKey));
}
