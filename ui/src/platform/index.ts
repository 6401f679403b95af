// The host boundary. Only files in this folder touch `fetch`, `WebSocket`, Web Storage,
// WebAudio and `@tauri-apps/*` (that one in ./tauri.ts only); the rest of the UI sees the
// `Host` interface. The asker page takes the browser host from here and never loads the
// desktop code; the dashboard picks its host at run time with ./select.ts.
import { createBrowserHost } from "./browser";

export { closeOnEscapeInFrame } from "./browser";
import type { Host } from "./host";

export type { DesktopShell, Host, KeptSession, OfflineSignal, StoredSession } from "./host";
export type { Failure, HttpClient, Result } from "./http";
export { failureCode } from "./http";
export type { ConnectionState, LiveConnection } from "./live";

/** The browser host: the asker page always runs in a browser (or an agency's iframe). */
export function browserHost(): Host {
  return createBrowserHost();
}
