// Typed calls of the counselor endpoints. Thin: one function per endpoint.
import type { HttpClient, Result } from "../platform/http";
import type {
  AcceptRequest,
  AddDevice,
  Availability,
  ChatKeys,
  Conversation,
  ConversationList,
  CoverageList,
  Device,
  DeviceKey,
  DeviceList,
  GoOffline,
  LiveChatRequestList,
  LoggedIn,
  Login,
  Me,
  Message,
  MessageList,
  MyShifts,
  NewKey,
  Sealed,
  SendMessage,
  SetAbsence,
  SetMyShifts,
  Statistics,
  SwitchAvailability,
  WeekPlan,
} from "../wire/types";

/**
 * A statistics period: first and last day (`YYYY-MM-DD`, both included) and the counselor's
 * offset from UTC in minutes east (60 in CET), so the server starts days at their midnight.
 */
export interface StatisticsPeriod {
  from: string;
  to: string;
  utcOffsetMinutes: number;
}

const periodQuery = (period: StatisticsPeriod): Record<string, string> => ({
  from: period.from,
  to: period.to,
  utc_offset_minutes: String(period.utcOffsetMinutes),
});

export function login(http: HttpClient, body: Login): Promise<Result<LoggedIn>> {
  return http.request("POST", "/api/auth/login", { body });
}

const id = (value: string) => encodeURIComponent(value);

export function counselorApi(http: HttpClient, token: string) {
  const auth = { token };
  return {
    logout: (): Promise<Result<void>> => http.request("POST", "/api/auth/logout", auth),
    me: (): Promise<Result<Me>> => http.request("GET", "/api/me", auth),
    switchAvailability: (on: boolean): Promise<Result<Availability>> =>
      http.request("PUT", "/api/me/availability", {
        ...auth,
        body: { on } satisfies SwitchAvailability,
      }),
    goOffline: (body: GoOffline): Promise<Result<Availability>> =>
      http.request("POST", "/api/me/offline", { ...auth, body }),
    setAbsence: (body: SetAbsence): Promise<Result<Availability>> =>
      http.request("PUT", "/api/me/absence", { ...auth, body }),
    coverage: (): Promise<Result<CoverageList>> => http.request("GET", "/api/me/coverage", auth),
    shifts: (): Promise<Result<MyShifts>> => http.request("GET", "/api/me/shifts", auth),
    setShifts: (body: SetMyShifts): Promise<Result<MyShifts>> =>
      http.request("PUT", "/api/me/shifts", { ...auth, body }),
    plan: (slug: string): Promise<Result<WeekPlan>> =>
      http.request("GET", `/api/topics/${id(slug)}/plan`, auth),
    statistics: (period: StatisticsPeriod): Promise<Result<Statistics>> =>
      http.request("GET", "/api/me/statistics", { ...auth, query: periodQuery(period) }),
    downloadStatistics: (
      period: StatisticsPeriod,
      fallbackName: string,
    ): Promise<Result<string | null>> =>
      http.download("/api/me/statistics.xlsx", {
        ...auth,
        query: periodQuery(period),
        fallbackName,
      }),
    requests: (): Promise<Result<LiveChatRequestList>> =>
      http.request("GET", "/api/requests", auth),
    accept: (requestId: string, body: AcceptRequest): Promise<Result<Conversation>> =>
      http.request("POST", `/api/requests/${id(requestId)}/accept`, { ...auth, body }),
    /** "Meine Geräte". */
    devices: (): Promise<Result<DeviceList>> => http.request("GET", "/api/me/devices", auth),
    /** 201 for a new device; 200 and the same device for a public key known already. */
    addDevice: (body: AddDevice): Promise<Result<Device>> =>
      http.request("POST", "/api/me/devices", { ...auth, body }),
    removeDevice: (deviceId: string): Promise<Result<void>> =>
      http.request("DELETE", `/api/me/devices/${id(deviceId)}`, auth),
    /** The conversation's content keys; `wrapped` is for `deviceId` (null if not for it). */
    keys: (conversationId: string, deviceId: string): Promise<Result<ChatKeys>> =>
      http.request("GET", `/api/conversations/${id(conversationId)}/keys`, {
        ...auth,
        query: { device: deviceId },
      }),
    /** A new content key of a running chat: number newest + 1, for exactly the current devices. */
    newKey: (conversationId: string, body: NewKey): Promise<Result<void>> =>
      http.request("POST", `/api/conversations/${id(conversationId)}/keys`, { ...auth, body }),
    /** An existing content key (number `key`) for one of the current devices that lacks it. */
    giveKey: (conversationId: string, key: number, body: DeviceKey): Promise<Result<void>> =>
      http.request("POST", `/api/conversations/${id(conversationId)}/keys/${key}/devices`, {
        ...auth,
        body,
      }),
    conversations: (): Promise<Result<ConversationList>> =>
      http.request("GET", "/api/conversations", auth),
    conversation: (conversationId: string): Promise<Result<Conversation>> =>
      http.request("GET", `/api/conversations/${id(conversationId)}`, auth),
    messages: (conversationId: string): Promise<Result<MessageList>> =>
      http.request("GET", `/api/conversations/${id(conversationId)}/messages`, auth),
    send: (conversationId: string, sealed: Sealed, clientId?: string): Promise<Result<Message>> =>
      http.request("POST", `/api/conversations/${id(conversationId)}/messages`, {
        ...auth,
        body: { sealed, client_id: clientId } satisfies SendMessage,
      }),
    end: (conversationId: string): Promise<Result<void>> =>
      http.request("POST", `/api/conversations/${id(conversationId)}/end`, auth),
  };
}

export type CounselorApi = ReturnType<typeof counselorApi>;
