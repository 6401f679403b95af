// Typed calls of the operator endpoints (/api/admin) and the own password change.
import type { HttpClient, Result } from "../platform/http";
import type {
  AdminCounselor,
  AdminCounselorList,
  AdminTopic,
  AdminTopicList,
  AuditPage,
  ChangeCounselor,
  ChangePassword,
  ChangeTopic,
  CreateCounselor,
  CreateTopic,
  OneTimePassword,
  Overview,
  SwitchOff,
} from "../wire/types";

const id = (value: string) => encodeURIComponent(value);

export function changePassword(
  http: HttpClient,
  token: string,
  body: ChangePassword,
): Promise<Result<void>> {
  return http.request("PUT", "/api/me/password", { token, body });
}

export function adminApi(http: HttpClient, token: string) {
  const auth = { token };
  return {
    topics: (): Promise<Result<AdminTopicList>> => http.request("GET", "/api/admin/topics", auth),
    createTopic: (body: CreateTopic): Promise<Result<AdminTopic>> =>
      http.request("POST", "/api/admin/topics", { ...auth, body }),
    /** Absent fields stay as they are. */
    changeTopic: (slug: string, body: Partial<ChangeTopic>): Promise<Result<AdminTopic>> =>
      http.request("PATCH", `/api/admin/topics/${id(slug)}`, { ...auth, body }),
    deleteTopic: (slug: string): Promise<Result<void>> =>
      http.request("DELETE", `/api/admin/topics/${id(slug)}`, auth),
    counselors: (): Promise<Result<AdminCounselorList>> =>
      http.request("GET", "/api/admin/counselors", auth),
    createCounselor: (body: CreateCounselor): Promise<Result<OneTimePassword>> =>
      http.request("POST", "/api/admin/counselors", { ...auth, body }),
    /** Absent fields stay as they are. */
    changeCounselor: (
      login: string,
      body: Partial<ChangeCounselor>,
    ): Promise<Result<AdminCounselor>> =>
      http.request("PATCH", `/api/admin/counselors/${id(login)}`, { ...auth, body }),
    deactivate: (login: string): Promise<Result<AdminCounselor>> =>
      http.request("POST", `/api/admin/counselors/${id(login)}/deactivate`, auth),
    reactivate: (login: string): Promise<Result<AdminCounselor>> =>
      http.request("POST", `/api/admin/counselors/${id(login)}/reactivate`, auth),
    resetPassword: (login: string): Promise<Result<OneTimePassword>> =>
      http.request("POST", `/api/admin/counselors/${id(login)}/reset-password`, auth),
    switchOff: (login: string, body: SwitchOff): Promise<Result<void>> =>
      http.request("POST", `/api/admin/counselors/${id(login)}/switch-off`, { ...auth, body }),
    audit: (before: number | null): Promise<Result<AuditPage>> =>
      http.request("GET", "/api/admin/audit", {
        ...auth,
        query: before === null ? {} : { before: String(before) },
      }),
    overview: (): Promise<Result<Overview>> => http.request("GET", "/api/admin/overview", auth),
  };
}

export type AdminApi = ReturnType<typeof adminApi>;
