// The section "Verwaltung" as pure functions: its state, the reducer of answers, which field a
// server code belongs to, and the password form's checks. Only operators see the section.
import type {
  AdminCounselor,
  AdminTopic,
  AuditEntry,
  ErrorCode,
  TopicOverview,
} from "../wire/types";

export type AdminForm = "topic" | "counselor" | "switch_off" | "rename";

export interface AdminState {
  topics: AdminTopic[];
  counselors: AdminCounselor[];
  audit: AuditEntry[];
  /** Pass as `before` for older audit entries; null when there are none. */
  auditNext: number | null;
  /** The one-time password of an account just created or reset: shown once. */
  oneTime: { login: string; password: string } | null;
  /** The last problem per form field (`form.field` → server code). */
  problems: Partial<Record<string, ErrorCode>>;
  /** What just happened, for the status line. */
  done: string | null;
}

export const initialAdmin: AdminState = {
  topics: [],
  counselors: [],
  audit: [],
  auditNext: null,
  oneTime: null,
  problems: {},
  done: null,
};

export type AdminAction =
  | { type: "topics_loaded"; topics: AdminTopic[] }
  | { type: "topic_saved"; topic: AdminTopic; done: string | null }
  | { type: "topic_deleted"; slug: string; done: string }
  | { type: "counselors_loaded"; counselors: AdminCounselor[] }
  | { type: "counselor_saved"; counselor: AdminCounselor; done: string | null }
  | { type: "one_time_password"; counselor: AdminCounselor; password: string }
  | { type: "one_time_password_seen" }
  | { type: "audit_loaded"; entries: AuditEntry[]; next: number | null; more: boolean }
  | { type: "refused"; form: AdminForm; code: ErrorCode }
  | { type: "form_cleared"; form: AdminForm };

/** The field of a form a server code points at (`null`: the form as a whole). */
export function fieldOf(code: ErrorCode): string | null {
  if (code.startsWith("slug_")) return "slug";
  if (code.startsWith("name_")) return "name";
  if (code.startsWith("login_")) return "login";
  if (code.startsWith("reason_")) return "reason";
  if (code === "unknown_topic") return "topics";
  return null;
}

function withoutForm(problems: AdminState["problems"], form: AdminForm) {
  return Object.fromEntries(
    Object.entries(problems).filter(([key]) => !key.startsWith(`${form}.`)),
  ) as AdminState["problems"];
}

const byName = <T extends { name: string }>(list: T[]) =>
  [...list].sort((a, b) => a.name.localeCompare(b.name));
const byLogin = (list: AdminCounselor[]) =>
  [...list].sort((a, b) => a.login.localeCompare(b.login));

export function reduceAdmin(state: AdminState, action: AdminAction): AdminState {
  switch (action.type) {
    case "topics_loaded":
      return { ...state, topics: byName(action.topics) };
    case "topic_saved":
      return {
        ...state,
        topics: byName([...state.topics.filter((t) => t.slug !== action.topic.slug), action.topic]),
        problems: withoutForm(withoutForm(state.problems, "topic"), "rename"),
        done: action.done ?? state.done,
      };
    case "topic_deleted":
      return {
        ...state,
        topics: state.topics.filter((t) => t.slug !== action.slug),
        done: action.done,
      };
    case "counselors_loaded":
      return { ...state, counselors: byLogin(action.counselors) };
    case "counselor_saved":
      return {
        ...state,
        counselors: byLogin([
          ...state.counselors.filter((c) => c.login !== action.counselor.login),
          action.counselor,
        ]),
        problems: withoutForm(withoutForm(state.problems, "counselor"), "switch_off"),
        done: action.done ?? state.done,
      };
    case "one_time_password":
      return {
        ...reduceAdmin(state, { type: "counselor_saved", counselor: action.counselor, done: null }),
        oneTime: { login: action.counselor.login, password: action.password },
      };
    case "one_time_password_seen":
      return { ...state, oneTime: null };
    case "audit_loaded":
      return {
        ...state,
        audit: action.more ? [...state.audit, ...action.entries] : action.entries,
        auditNext: action.next,
      };
    case "refused": {
      const field = fieldOf(action.code) ?? "form";
      return {
        ...state,
        problems: {
          ...withoutForm(state.problems, action.form),
          [`${action.form}.${field}`]: action.code,
        },
        done: null,
      };
    }
    case "form_cleared":
      return { ...state, problems: withoutForm(state.problems, action.form) };
  }
}

/** Whole minutes the oldest asker of a topic waits, at `now` (null if nobody waits). */
export function oldestWaitMinutes(topic: TopicOverview, now: number): number | null {
  if (topic.oldest_waiting_since === null) return null;
  return Math.max(0, Math.floor((now - topic.oldest_waiting_since) / 60_000));
}

export type PasswordProblem = "missing" | "too_short" | "too_long" | "mismatch";

/** The new-password form, checked before anything is sent (the server checks again). */
export function passwordProblems(input: {
  current: string;
  next: string;
  repeat: string;
}): Partial<Record<"current" | "next" | "repeat", PasswordProblem>> {
  const problems: Partial<Record<"current" | "next" | "repeat", PasswordProblem>> = {};
  if (input.current === "") problems.current = "missing";
  const length = [...input.next].length;
  if (input.next === "") problems.next = "missing";
  else if (length < 8) problems.next = "too_short";
  else if (length > 256) problems.next = "too_long";
  if (!problems.next && input.repeat !== input.next) problems.repeat = "mismatch";
  return problems;
}
