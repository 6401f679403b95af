// Typed calls of the public and asker endpoints. Thin: one function per endpoint.
import type { HttpClient, Result } from "../platform/http";
import type {
  AskerState,
  ChatKeys,
  EnteredWaitingRoom,
  EnterWaitingRoom,
  Message,
  MessageList,
  PublicTopic,
  PublicTopicList,
  Sealed,
  SendMessage,
} from "../wire/types";

export function publicApi(http: HttpClient) {
  return {
    topics: (): Promise<Result<PublicTopicList>> => http.request("GET", "/api/topics"),
    topic: (slug: string): Promise<Result<PublicTopic>> =>
      http.request("GET", `/api/topics/${encodeURIComponent(slug)}`),
    enterWaitingRoom: (body: EnterWaitingRoom): Promise<Result<EnteredWaitingRoom>> =>
      http.request("POST", "/api/waiting-room", { body }),
  };
}

export function askerApi(http: HttpClient, token: string) {
  return {
    state: (): Promise<Result<AskerState>> => http.request("GET", "/api/asker", { token }),
    leave: (): Promise<Result<void>> => http.request("POST", "/api/asker/leave", { token }),
    messages: (): Promise<Result<MessageList>> =>
      http.request("GET", "/api/asker/messages", { token }),
    /** The chat's content keys, wrapped for this asker; `keys` is empty until accepted. */
    keys: (): Promise<Result<ChatKeys>> => http.request("GET", "/api/asker/keys", { token }),
    send: (sealed: Sealed, clientId?: string): Promise<Result<Message>> =>
      http.request("POST", "/api/asker/messages", {
        token,
        body: { sealed, client_id: clientId } satisfies SendMessage,
      }),
    end: (): Promise<Result<void>> => http.request("POST", "/api/asker/end", { token }),
  };
}

export type PublicApi = ReturnType<typeof publicApi>;
export type AskerApi = ReturnType<typeof askerApi>;
