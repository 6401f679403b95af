// The desktop implementation of the host: the dashboard inside the Tauri shell (src-tauri/).
// The ONLY file that imports `@tauri-apps/*`; the shell's commands and events are listed in
// src-tauri/README.md.
//
// - REST goes through the shell's `api_request` command: the app's CSP lets the webview talk
//   to Tauri's IPC only, and the shell contacts only the configured server, adding the
//   session's token itself.
// - The live connection is `@tauri-apps/plugin-websocket` with the token in an
//   `Authorization` header (no `auth` message), so it works with the server's TLS settings.
// - The login lives in the shell (OS secret store, else memory): `session_store` after the
//   login, `session_get` at start, the shell's `logout`. None of them switches availability on.
import { Channel, invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import TauriWebSocket, { type ConnectionConfig, type Message } from "@tauri-apps/plugin-websocket";
import type { Availability, SessionEndReason } from "../wire/types";
import { onNetworkBack } from "./browser";
import type { DesktopShell, Host, OfflineSignal, SessionKeeper } from "./host";
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
  token: string;
  stored_in: "secret_store" | "memory" | "injected";
}

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

/** Sockets still open, closed when the page goes (their Rust side would outlive it). */
const openSockets = new Set<TauriWebSocket>();

/**
 * `WebSocket.connect` of the plugin's JS, minus a race: it adds listeners only after the
 * connect call answered, but the server says `ready` the moment the socket is up, and that
 * message can arrive first and be lost. Here the channel's listeners exist before connecting;
 * the plugin's class then sends and disconnects as usual.
 */
async function connectPluginSocket(
  url: string,
  config: Omit<ConnectionConfig, "headers"> & { headers: [string, string][] },
  listener: (message: Message | string | null) => void,
): Promise<TauriWebSocket> {
  const listeners = new Set<(message: Message) => void>([listener as (m: Message) => void]);
  const onMessage = new Channel<Message>();
  onMessage.onmessage = (message) => listeners.forEach((l) => l(message));
  const id = await invoke<number>("plugin:websocket|connect", { url, onMessage, config });
  return new TauriWebSocket(id, listeners);
}

/** The live connection over plugin-websocket, authenticated by header. */
export const tauriSocketTransport: SocketTransport = {
  authInHeader: true,
  open(url, token, handlers) {
    let socket: TauriWebSocket | null = null;
    let closed = false;
    const gone = (code?: number) => {
      if (closed) return;
      closed = true;
      if (socket) openSockets.delete(socket);
      handlers.onClose(code);
    };
    const onMessage = (message: Message | string | null) => {
      if (closed || message === null) return;
      // The plugin reports a broken connection as a plain error string.
      if (typeof message === "string") return gone();
      switch (message.type) {
        case "Text":
          handlers.onMessage(message.data);
          break;
        case "Close":
          gone(message.data?.code);
          break;
        default:
          // Ping/Pong are answered in Rust; Binary is not part of the protocol.
          break;
      }
    };
    // Messages may arrive before `onOpen` (the server's `ready`): the live connection takes
    // them in any order, so they are passed on at once.
    connectPluginSocket(
      url,
      {
        headers: token ? [["Authorization", `Bearer ${token}`]] : [],
        // The server's events are small; keep an idle socket cheap.
        readBufferSize: 8 * 1024,
        writeBufferSize: 0,
        maxMessageSize: 1024 * 1024,
      },
      onMessage,
    ).then(
      (ws) => {
        if (closed) {
          void ws.disconnect().catch(() => undefined);
          return;
        }
        socket = ws;
        openSockets.add(ws);
        handlers.onOpen();
      },
      () => gone(),
    );
    const handle: SocketHandle = {
      send(text) {
        if (!socket || closed) return;
        socket.send(text).catch(() => gone());
      },
      close() {
        closed = true;
        if (socket) {
          openSockets.delete(socket);
          void socket.disconnect().catch(() => undefined);
        }
      },
    };
    return handle;
  },
};

function shellSessions(): SessionKeeper {
  return {
    async restore() {
      try {
        const session = await invoke<SessionInfo | null>("session_get");
        return session
          ? { server: session.server.replace(/\/+$/, ""), token: session.token }
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
  };
}

export function createTauriHost(): Host {
  window.addEventListener("pagehide", () => {
    for (const socket of openSockets) void socket.disconnect().catch(() => undefined);
    openSockets.clear();
  });
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
        transport: tauriSocketTransport,
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
