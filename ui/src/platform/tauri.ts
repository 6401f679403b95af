// The desktop implementation of the host: the dashboard inside the Tauri shell (src-tauri/).
// The ONLY file that imports `@tauri-apps/*`; the shell's commands and events are listed in
// src-tauri/README.md.
//
// - REST goes through the shell's `api_request` command: the app's CSP lets the webview talk
//   to Tauri's IPC only, and the shell contacts only the configured server, adding the
//   session's token itself.
// - The live connection is a counselor socket the shell opens on the session's server for the
//   page (`live_open`, messages through a `Channel`); the shell adds the token.
// - The login lives in the shell (OS secret store, else memory): `session_store` after the
//   login, `session_get` at start, the shell's `logout`. None of them switches availability on.
//   The token never reaches the page: the login's answer carries a handle in its place, which
//   only `session_store` takes.
import { Channel, invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { Availability, SessionEndReason } from "../wire/types";
import { onNetworkBack } from "./browser";
import type { AlertSettings, DesktopShell, Host, OfflineSignal, SessionKeeper } from "./host";
import {
  apiUrl,
  fail,
  failureOfBody,
  ok,
  type HttpClient,
  type Method,
  type RequestOptions,
  type Result,
} from "./http";
import { createLiveConnection, socketUrl, type SocketHandle, type SocketTransport } from "./live";
import { createWebAudioChime } from "./sound";
import { memoryStore, webStorage } from "./storage";

/** What `api_request` answers: the status and the JSON body (`null` when empty). */
interface RawAnswer {
  status: number;
  body: unknown;
}

interface DownloadAnswer extends RawAnswer {
  saved_to: string | null;
}

interface SessionInfo {
  server: string;
  stored_in: "secret_store" | "memory" | "injected";
}

/**
 * What the page holds in place of the session's token: the shell adds the real one to every
 * call and socket, and never hands it out.
 */
export const TOKEN_HELD_BY_SHELL = "held-by-shell";

interface Stored {
  stored_in: SessionInfo["stored_in"];
  secret_store: { available: boolean; reason: string | null };
}

/** Whether the page runs inside the desktop app's webview. */
export function insideTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

function answerToResult<T>(answer: RawAnswer): Result<T> {
  if (answer.status >= 200 && answer.status < 300) {
    return ok((answer.status === 204 ? undefined : answer.body) as T);
  }
  return fail(failureOfBody(answer.status, answer.body));
}

/**
 * REST through the shell. The token of `options` is not sent from here: the shell adds the
 * session's own token, and only when `baseUrl` is the session's server.
 */
export function tauriHttpClient(baseUrl: string, call: typeof invoke = invoke): HttpClient {
  const base = baseUrl.replace(/\/+$/, "");
  const pathOf = (path: string, options?: RequestOptions) => apiUrl("", path, options?.query);
  return {
    baseUrl: base,
    async request<T>(method: Method, path: string, options?: RequestOptions): Promise<Result<T>> {
      let answer: RawAnswer;
      try {
        answer = await call<RawAnswer>("api_request", {
          method,
          path: pathOf(path, options),
          body: options?.body === undefined ? null : options.body,
          server: base,
        });
      } catch {
        // The shell refused (no usable address) or the server did not answer.
        return fail({ kind: "network" });
      }
      return answerToResult<T>(answer);
    },
    async download(path, options) {
      let answer: DownloadAnswer;
      try {
        answer = await call<DownloadAnswer>("api_download", {
          path: pathOf(path, options),
          fileName: options.fallbackName,
        });
      } catch {
        return fail({ kind: "network" });
      }
      const result = answerToResult<unknown>(answer);
      return result.ok ? ok(answer.saved_to) : result;
    },
  };
}

/** What the shell passes on from the page's socket (`live_open`). */
export type LiveMessage =
  { kind: "open" } | { kind: "text"; data: string } | { kind: "closed"; code: number | null };

/**
 * The live connection through the shell: it opens `/api/counselor/ws` on the session's server
 * with the token in a header, so the page names no address and holds no token. The channel
 * exists before the socket, so the server's `ready` cannot be missed.
 */
export function tauriSocketTransport(call: typeof invoke = invoke): SocketTransport {
  return {
    authInHeader: true,
    open(url, _token, handlers) {
      let id: number | null = null;
      let closed = false;
      const fresh = /[?&]fresh=true(&|$)/.test(url);
      const onMessage = new Channel<LiveMessage>();
      onMessage.onmessage = (message) => {
        if (closed) return;
        switch (message.kind) {
          case "open":
            handlers.onOpen();
            break;
          case "text":
            handlers.onMessage(message.data);
            break;
          case "closed":
            closed = true;
            // The server's close code as it sent it (1012 restart, 1011 internal error,
            // 4401 refused token …); none when the connection just broke.
            handlers.onClose(message.code ?? undefined);
            break;
        }
      };
      call<number>("live_open", { fresh, onMessage }).then(
        (opened) => {
          id = opened;
          if (closed) void call("live_close", { id: opened }).catch(() => undefined);
        },
        () => {
          if (closed) return;
          closed = true;
          handlers.onClose();
        },
      );
      const handle: SocketHandle = {
        send(text) {
          if (id === null || closed) return;
          void call<boolean>("live_send", { id, text }).then(
            (sent) => {
              if (!sent && !closed) {
                closed = true;
                handlers.onClose();
              }
            },
            () => undefined,
          );
        },
        close() {
          closed = true;
          if (id !== null) void call("live_close", { id }).catch(() => undefined);
        },
      };
      return handle;
    },
  };
}

function shellSessions(): SessionKeeper {
  return {
    async restore() {
      try {
        const session = await invoke<SessionInfo | null>("session_get");
        return session
          ? { server: session.server.replace(/\/+$/, ""), token: TOKEN_HELD_BY_SHELL }
          : null;
      } catch {
        return null;
      }
    },
    async keep({ server, token }) {
      const stored = await invoke<Stored>("session_store", { server, token });
      return {
        persistent: stored.stored_in === "secret_store",
        reason: stored.secret_store.available ? null : stored.secret_store.reason,
      };
    },
    async forget() {
      await invoke("session_clear").catch(() => undefined);
    },
    async logout() {
      // As the tray's "Abmelden": the server switches off everywhere, the shell stops its
      // socket and forgets the stored login.
      try {
        await invoke("logout");
        return ok(undefined);
      } catch {
        return fail({ kind: "network" });
      }
    },
  };
}

/** Subscribes to a shell event; the returned function unsubscribes, even before it is set. */
function on<T>(event: string, listener: (payload: T) => void): () => void {
  let stop: UnlistenFn | null = null;
  let stopped = false;
  listen<T>(event, (e) => listener(e.payload)).then(
    (unlisten) => (stopped ? unlisten() : (stop = unlisten)),
    () => undefined,
  );
  return () => {
    stopped = true;
    stop?.();
  };
}

function desktopShell(): DesktopShell {
  return {
    onOpenRequest: (listener) =>
      on<{ request_id: string }>("open-request", (p) => listener(p.request_id)),
    onSessionEnded: (listener) =>
      on<{ reason: SessionEndReason }>("session-ended", (p) => listener(p.reason)),
    onAvailability: (listener) => on<Availability>("availability-changed", listener),
    onOfflineSignal: (listener) => on<OfflineSignal>("availability-signal", listener),
    getAutostart: () => invoke<boolean>("autostart_get"),
    setAutostart: (enabled) => invoke<boolean>("autostart_set", { enabled }),
    getReminderSeconds: () => invoke<number>("reminder_get"),
    setReminderSeconds: (seconds) => invoke<number>("reminder_set", { seconds }),
    setSound: async (on) => void (await invoke<boolean>("sound_set", { on })),
    getAlerts: () => invoke<AlertSettings>("alerts_get"),
    setAlerts: (soundName, stay) => invoke<AlertSettings>("alerts_set", { soundName, stay }),
    takeOpenRequest: () => invoke<string | null>("open_request_take").catch(() => null),
    deviceKeys: {
      get: (account) => invoke<string | null>("device_key_get", { account }),
      set: async (account, record) => void (await invoke("device_key_set", { account, record })),
    },
  };
}

export function createTauriHost(): Host {
  // The shell closes the page's sockets itself when the window goes.
  const transport = tauriSocketTransport();
  return {
    kind: "desktop",
    defaultServer: "",
    async loginServer(lastUsed) {
      const hint = await invoke<string | null>("server_hint").catch(() => null);
      return hint ?? lastUsed ?? "";
    },
    secureServerOnly: true,
    http: (baseUrl) => tauriHttpClient(baseUrl),
    live: (baseUrl, path, token, options) =>
      createLiveConnection({
        url: socketUrl(baseUrl, path),
        token,
        transport,
        ...options,
      }),
    // One window, no tabs: nothing per tab to keep.
    sessionStore: memoryStore(),
    settingsStore: webStorage(() => window.localStorage),
    sessions: shellSessions(),
    chime: createWebAudioChime(),
    onNetworkBack,
    desktop: desktopShell(),
  };
}
