// The browser implementation of the host: `fetch`, the browser's `WebSocket`, Web Storage.
import type { Host, SessionKeeper } from "./host";
import { createHttpClient } from "./http";
import { createLiveConnection, socketUrl, type SocketTransport } from "./live";
import { createWebAudioChime } from "./sound";
import { webStorage, type KeyValueStore } from "./storage";

/** Browsers cannot put a header on a WebSocket: the token goes in the first message. */
export const browserSocketTransport: SocketTransport = {
  authInHeader: false,
  open(url, _token, handlers) {
    let socket: WebSocket;
    try {
      socket = new WebSocket(url);
    } catch {
      // A malformed address: report it as a lost connection so the backoff applies.
      queueMicrotask(() => handlers.onClose());
      return { send() {}, close() {} };
    }
    socket.onopen = () => handlers.onOpen();
    socket.onmessage = (message) => {
      if (typeof message.data === "string") handlers.onMessage(message.data);
    };
    // `error` is always followed by `close`; handling both would retry twice.
    socket.onclose = (event) => handlers.onClose(event.code);
    return {
      send(text) {
        if (socket.readyState === WebSocket.OPEN) socket.send(text);
      },
      close() {
        socket.onopen = socket.onmessage = socket.onclose = null;
        try {
          socket.close(1000);
        } catch {
          // already closed
        }
      },
    };
  },
};

function saveBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.rel = "noopener";
  link.style.display = "none";
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** `online` and a page that becomes visible again (its socket may have died meanwhile). */
export function onNetworkBack(listener: () => void): () => void {
  const onOnline = () => listener();
  // A tab woken from the background may hold a socket that died while it slept.
  const onVisible = () => {
    if (document.visibilityState === "visible") listener();
  };
  window.addEventListener("online", onOnline);
  document.addEventListener("visibilitychange", onVisible);
  return () => {
    window.removeEventListener("online", onOnline);
    document.removeEventListener("visibilitychange", onVisible);
  };
}

/**
 * Inside the chat button's dialog on another website (`?embed=1`): Escape asks the embedding
 * page to close the dialog, since keys stay in the frame they are pressed in. Not while a
 * dialog of the page itself is open (Escape closes that one).
 */
export function closeOnEscapeInFrame(): () => void {
  if (window.parent === window) return () => {};
  const onKey = (event: KeyboardEvent) => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    if (document.querySelector("dialog[open]")) return;
    window.parent.postMessage({ pforte: "close" }, "*");
  };
  window.addEventListener("keydown", onKey);
  return () => window.removeEventListener("keydown", onKey);
}

const SESSION_KEYS = { token: "pforte.session.token", server: "pforte.session.server" };

/** The tab keeps the login in `sessionStorage`: a reload goes on, a closed tab forgets it. */
export function tabSessions(store: KeyValueStore): SessionKeeper {
  return {
    async restore() {
      const token = store.get(SESSION_KEYS.token);
      const server = store.get(SESSION_KEYS.server);
      return token && server ? { server, token } : null;
    },
    async keep({ server, token }) {
      store.set(SESSION_KEYS.token, token);
      store.set(SESSION_KEYS.server, server);
      return { persistent: false, reason: null };
    },
    async forget() {
      store.remove(SESSION_KEYS.token);
    },
    logout: (viaApi) => viaApi(),
  };
}

export function createBrowserHost(): Host {
  const sessionStore = webStorage(() => window.sessionStorage);
  return {
    kind: "browser",
    defaultServer: window.location.origin,
    loginServer: async (lastUsed) => lastUsed ?? window.location.origin,
    secureServerOnly: false,
    http: (baseUrl) => createHttpClient(baseUrl, (input, init) => fetch(input, init), saveBlob),
    live: (baseUrl, path, token, options) =>
      createLiveConnection({
        url: socketUrl(baseUrl, path),
        token,
        transport: browserSocketTransport,
        ...options,
      }),
    sessionStore,
    settingsStore: webStorage(() => window.localStorage),
    sessions: tabSessions(sessionStore),
    chime: createWebAudioChime(),
    onNetworkBack,
    desktop: null,
  };
}
