// What the rest of the UI may ask of its host. Everything that differs between a browser tab
// and the desktop app sits behind this interface.
import type { HttpClient } from "./http";
import type { LiveConnection, LiveConnectionOptions } from "./live";
import type { Chime } from "./sound";
import type { KeyValueStore } from "./storage";

export interface Host {
  readonly kind: "browser" | "desktop";
  /** The address the page was served from, the default server address. */
  readonly defaultServer: string;
  http(baseUrl: string): HttpClient;
  /** A live connection to `path` on the server (e.g. `/api/counselor/ws`). */
  live(
    baseUrl: string,
    path: string,
    token: string | null,
    options?: Pick<LiveConnectionOptions, "shouldRetry">,
  ): LiveConnection;
  /** Per tab/window; gone when it closes. Tokens live here. */
  readonly sessionStore: KeyValueStore;
  /** Kept across visits. Only settings live here, never tokens or content. */
  readonly settingsStore: KeyValueStore;
  readonly chime: Chime;
  /** Calls `listener` when the device's network comes back, to reconnect without delay. */
  onNetworkBack(listener: () => void): () => void;
}
