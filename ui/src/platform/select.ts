// The dashboard's host, picked at run time: the desktop app's webview gets the Tauri host,
// a browser tab the browser host. The same build serves both.
import { createBrowserHost } from "./browser";
import type { Host } from "./host";
import { createTauriHost, insideTauri } from "./tauri";

export function currentHost(): Host {
  return insideTauri() ? createTauriHost() : createBrowserHost();
}
