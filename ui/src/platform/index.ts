// The host boundary. Only files in this folder touch `fetch`, `WebSocket`, Web Storage,
// WebAudio and (later) `@tauri-apps/*`; the rest of the UI sees the `Host` interface.
import { createBrowserHost } from "./browser";
import type { Host } from "./host";

export type { Host } from "./host";
export type { Failure, HttpClient, Result } from "./http";
export { failureCode } from "./http";
export type { ConnectionState, LiveConnection } from "./live";

/** Whether the page runs inside the desktop app's webview. */
export function isDesktop(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

/**
 * The host this page runs in. TAURI: when ./tauri.ts implements `Host`, return
 * `createTauriHost()` here when `isDesktop()`; the dashboard needs no other change.
 */
export function currentHost(): Host {
  return createBrowserHost();
}
