// The section "Verwaltung" as pure functions: its state, the reducer of answers, which field a
// server code belongs to, and the password form's checks. Only operators see the section.
import type {
  AdminCounselor,
  AdminTopic,
  AuditEntry,
  ChangeCounselor,
  ChangeTopic,
  ErrorCode,
  SeatLimit,
  TopicOverview,
} from "../wire/types";

export type AdminForm =
  "topic" | "counselor" | "switch_off" | "rename" | "topic_settings" | "counselor_settings";

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

/** The codes of the chat hours' text: they belong to the hours field. */
const HOURS_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "unknown_weekday",
  "missing_weekday",
  "missing_times",
  "invalid_time",
  "invalid_time_range",
  "invalid_date",
  "invalid_exception",
  "empty_slot",
  "inverted_slot",
  "overlapping_slots",
  "overlapping_extra_hours",
  "exception_in_past",
  "too_many_slots",
  "too_many_exceptions",
  "unknown_time_zone",
]);

/** The field of a form a server code points at (`null`: the form as a whole). */
export function fieldOf(code: ErrorCode): string | null {
  if (code.startsWith("slug_")) return "slug";
  if (code.startsWith("name_")) return "name";
  if (code.startsWith("login_")) return "login";
  if (code.startsWith("reason_")) return "reason";
  if (code.startsWith("origin_")) return "origins";
  if (code === "seats_invalid") return "seats";
  if (code === "note_too_long") return "note";
  if (HOURS_CODES.has(code)) return "hours";
  if (code === "unknown_topic") return "topics";
  return null;
}

/**
 * A seat limit as typed: empty is unlimited, else a whole number 1–1000. `null` when it is
 * neither (the form says `seats_invalid` without asking the server: a number that JSON cannot
 * carry must never arrive as "unlimited").
 */
export function seatLimitOf(text: string): SeatLimit | null {
  const trimmed = text.trim();
  if (trimmed === "") return { limit: null };
  if (!/^[0-9]+$/.test(trimmed)) return null;
  const limit = Number(trimmed);
  return limit >= 1 && limit <= 1000 ? { limit } : null;
}

/** The websites field: one per line (commas and spaces also separate). */
export function originsOf(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((o) => o.trim())
    .filter((o) => o !== "");
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
        problems: withoutForm(
          withoutForm(withoutForm(state.problems, "topic"), "rename"),
          "topic_settings",
        ),
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
        problems: withoutForm(
          withoutForm(withoutForm(state.problems, "counselor"), "switch_off"),
          "counselor_settings",
        ),
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

/** The settings form of a topic as typed. */
export interface TopicSettingsForm {
  hours: string;
  note: string;
  seats: string;
  origins: string;
}

export function topicSettingsForm(topic: AdminTopic): TopicSettingsForm {
  return {
    hours: topic.hours_text,
    note: topic.hours_note,
    seats: topic.seats === null ? "" : String(topic.seats),
    origins: topic.embed_origins.join("\n"),
  };
}

const sameLines = (a: string, b: string) =>
  a
    .split(/[\n;]/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join("\n") ===
  b
    .split(/[\n;]/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join("\n");

/**
 * What the settings form changes of a topic (only what differs, so the audit log records
 * real changes), or the code of a field the form refuses before asking the server.
 */
export function topicChanges(
  topic: AdminTopic,
  form: TopicSettingsForm,
): Partial<ChangeTopic> | { refused: ErrorCode } {
  const seats = seatLimitOf(form.seats);
  if (!seats) return { refused: "seats_invalid" };
  const change: Partial<ChangeTopic> = {};
  if (!sameLines(form.hours, topic.hours_text) || form.note.trim() !== topic.hours_note) {
    change.hours = { text: form.hours, note: form.note };
  }
  if (seats.limit !== topic.seats) change.seats = seats;
  const origins = originsOf(form.origins);
  if (origins.join("\n") !== topic.embed_origins.join("\n")) change.embed_origins = origins;
  return change;
}

/** The settings form of an account as typed. */
export interface CounselorSettingsForm {
  topics: string[];
  seats: string;
}

export function counselorSettingsForm(counselor: AdminCounselor): CounselorSettingsForm {
  return {
    topics: [...counselor.topics],
    seats: counselor.seats === null ? "" : String(counselor.seats),
  };
}

/** What the settings form changes of an account (only what differs). */
export function counselorChanges(
  counselor: AdminCounselor,
  form: CounselorSettingsForm,
): Partial<ChangeCounselor> | { refused: ErrorCode } {
  const seats = seatLimitOf(form.seats);
  if (!seats) return { refused: "seats_invalid" };
  const change: Partial<ChangeCounselor> = {};
  const topics = [...new Set(form.topics)].sort();
  if (topics.join(",") !== [...counselor.topics].sort().join(",")) change.topics = topics;
  if (seats.limit !== counselor.seats) change.seats = seats;
  return change;
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
