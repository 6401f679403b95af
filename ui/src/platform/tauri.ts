// ─── DESKTOP HOST: the place where the Tauri implementation plugs in ────────────────────────
//
// Not implemented yet (next issue). It will implement `Host` (./host.ts) like ./browser.ts does,
// and it is the only file besides this folder's index.ts that may import `@tauri-apps/*`:
//
// - Live connection: a `SocketTransport` over `@tauri-apps/plugin-websocket`, with
//   `authInHeader: true`, opening the socket with `{ headers: { Authorization: "Bearer …" } }`
//   (so it works with the server's TLS settings and needs no `auth` message):
//
//     import WebSocket from "@tauri-apps/plugin-websocket";
//     export const tauriSocketTransport: SocketTransport = {
//       authInHeader: true,
//       open(url, token, handlers) {
//         // WebSocket.connect(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
//         //   .then(ws => { handlers.onOpen(); ws.addListener(m => m.type === "Text" ? handlers.onMessage(m.data)
//         //                  : m.type === "Close" ? handlers.onClose() : undefined); }, () => handlers.onClose());
//       },
//     };
//
//   `createLiveConnection` (./live.ts) stays the same: reconnect, backoff, keep-alive.
// - HTTP: `createHttpClient` with the webview's `fetch` (or `@tauri-apps/plugin-http` if the
//   server does not allow the app's origin), and a `saveBlob` that writes through the dialog/fs
//   plugins, since a webview may ignore `<a download>`.
// - Offline signal: POST /api/me/offline with `GoOffline { reason }` on window close, quit,
//   screen lock and sleep; the shell calls into the dashboard through a Tauri event.
// - Native notifications for new requests (topic and time only, never content).
//
// Until then the dashboard runs on the browser host inside the webview too.
export {};
