// What the rest of the UI may ask of its host. Everything that differs between a browser tab
// and the desktop app sits behind this interface.
import type { Availability, OfflineReason, SessionEndReason } from "../wire/types";
import type { HttpClient, Result } from "./http";
import type { LiveConnection, LiveConnectionOptions } from "./live";
import type { Chime } from "./sound";
import type { KeyValueStore } from "./storage";

/** A counselor's login: the server and the session token it gave. */
export interface StoredSession {
  server: string;
  token: string;
}

/** Where a kept login lives, so the dashboard can say when it ends with the app. */
export interface KeptSession {
  /** Kept across restarts (the desktop app's OS secret store); false: memory or the tab. */
  persistent: boolean;
  /** Why not, in the shell's words, when the desktop app has no secret store. */
  reason: string | null;
}

/** Keeps the counselor's login: the tab's storage in a browser, the shell in the desktop app. */
export interface SessionKeeper {
  /** The session to go on with at start (a reloaded tab; the app's stored login). */
  restore(): Promise<StoredSession | null>;
  /** Keep the session after a login. Never switches availability on. */
  keep(session: StoredSession): Promise<KeptSession>;
  /** Forget it here (after logout or expiry); the server is not told. */
  forget(): Promise<void>;
  /**
   * Log out on the server. `viaApi` is the plain REST call; the desktop app goes through its
   * shell instead, which also stops its own connection and forgets the stored login.
   */
  logout(viaApi: () => Promise<Result<void>>): Promise<Result<void>>;
}

/** What the desktop shell says it did when it told the server "going offline". */
export interface OfflineSignal {
  reason: OfflineReason;
  /** The server acknowledged it in time. */
  delivered: boolean;
}

/** How the desktop app's request notifications sound and behave. */
export interface AlertSettings {
  /** The sound (a freedesktop sound name), one of `sounds`. */
  sound_name: string;
  /** Notifications stay until acted on (Linux: resident, critical). */
  stay: boolean;
  sounds: string[];
}

/** Only in the desktop app: the shell's events and settings. */
export interface DesktopShell {
  /** A request notification was clicked: show that request. */
  onOpenRequest(listener: (requestId: string) => void): () => void;
  /** The shell ended the session (tray "Abmelden", expiry). */
  onSessionEnded(listener: (reason: SessionEndReason) => void): () => void;
  /** The shell learned a new availability (tray, another device, offline signals). */
  onAvailability(listener: (availability: Availability) => void): () => void;
  /** The shell told the server "going offline" (window closed, quit, lock, sleep). */
  onOfflineSignal(listener: (signal: OfflineSignal) => void): () => void;
  /** Start at login (off by default). */
  getAutostart(): Promise<boolean>;
  /** Gives the setting now in force. */
  setAutostart(on: boolean): Promise<boolean>;
  /** Seconds after which a waiting request is notified again. */
  getReminderSeconds(): Promise<number>;
  /** Gives the interval now in force (the shell clamps it). */
  setReminderSeconds(seconds: number): Promise<number>;
  /** Whether the request notifications ask for a sound. */
  setSound(on: boolean): Promise<void>;
  getAlerts(): Promise<AlertSettings>;
  /** Gives the settings now in force. */
  setAlerts(soundName: string, stay: boolean): Promise<AlertSettings>;
  /** The request a clicked notification opened this window for (once), if any. */
  takeOpenRequest(): Promise<string | null>;
  /**
   * This device's end-to-end key record (`account`: `<server>|<login>`) in the OS secret
   * store; `get` gives `null` when there is none, both reject when no secret store answers.
   */
  deviceKeys: {
    get(account: string): Promise<string | null>;
    set(account: string, record: string): Promise<void>;
  };
}

export interface Host {
  readonly kind: "browser" | "desktop";
  /** The address the page was served from (browser); empty in the desktop app. */
  readonly defaultServer: string;
  /**
   * The server address the login form offers. Browser: the last one used, else the page's
   * origin. Desktop: the one the app was started with, else the last one used, else none
   * (its pages come from `tauri://localhost`).
   */
  loginServer(lastUsed: string | null): Promise<string>;
  /** Whether the host refuses plain `http://` to another machine (the desktop shell does). */
  readonly secureServerOnly: boolean;
  http(baseUrl: string): HttpClient;
  /** A live connection to `path` on the server (e.g. `/api/counselor/ws`). */
  live(
    baseUrl: string,
    path: string,
    token: string | null,
    options?: Pick<LiveConnectionOptions, "shouldRetry" | "fresh">,
  ): LiveConnection;
  /** Per tab/window; gone when it closes. */
  readonly sessionStore: KeyValueStore;
  /** Kept across visits. Only settings live here, never tokens or content. */
  readonly settingsStore: KeyValueStore;
  readonly sessions: SessionKeeper;
  readonly chime: Chime;
  /** Calls `listener` when the device's network comes back, to reconnect without delay. */
  onNetworkBack(listener: () => void): () => void;
  /** The desktop shell, only in the desktop app. */
  readonly desktop: DesktopShell | null;
}
