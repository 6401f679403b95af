import { describe, expect, it } from "vitest";
import type { AdminCounselor, AdminTopic, TopicOverview } from "../wire/types";
import {
  counselorChanges,
  counselorSettingsForm,
  fieldOf,
  initialAdmin,
  oldestWaitMinutes,
  originsOf,
  passwordProblems,
  reduceAdmin,
  seatLimitOf,
  topicChanges,
  topicSettingsForm,
} from "./admin";

const topic = (slug: string, name: string): AdminTopic => ({
  id: slug.length,
  slug,
  name,
  live_chat: true,
  chat_hours: null,
  open_chats: 0,
  hours_text: "",
  hours_note: "",
  time_zone: "Europe/Berlin",
  seats: null,
  embed_origins: [],
});

const counselor = (login: string): AdminCounselor => ({
  id: login.length,
  login,
  display_name: login,
  topics: [],
  operator: false,
  deactivated: false,
  must_change_password: true,
  available: false,
  seats: null,
});

describe("the section Verwaltung", () => {
  it("puts a server code at the field it is about", () => {
    expect(fieldOf("slug_invalid")).toBe("slug");
    expect(fieldOf("name_empty")).toBe("name");
    expect(fieldOf("login_too_long")).toBe("login");
    expect(fieldOf("reason_empty")).toBe("reason");
    expect(fieldOf("unknown_topic")).toBe("topics");
    expect(fieldOf("topic_in_use")).toBeNull();
    expect(fieldOf("overlapping_slots")).toBe("hours");
    expect(fieldOf("exception_in_past")).toBe("hours");
    expect(fieldOf("note_too_long")).toBe("note");
    expect(fieldOf("seats_invalid")).toBe("seats");
    expect(fieldOf("origin_not_https")).toBe("origins");
  });

  it("sends only what the settings form of a topic changes, and refuses a bad seat limit itself", () => {
    const t = {
      ...topic("sucht", "Sucht"),
      hours_text: "Mo-Fr 10:00-12:00\n2099-12-24 closed",
      seats: 2,
    };
    expect(topicChanges(t, topicSettingsForm(t))).toEqual({});
    expect(
      topicChanges(t, { ...topicSettingsForm(t), hours: "Mo-Fr 10:00-12:00; 2099-12-24 closed " }),
    ).toEqual({});
    expect(topicChanges(t, { ...topicSettingsForm(t), note: "Feiertage zu" })).toEqual({
      hours: { text: "Mo-Fr 10:00-12:00\n2099-12-24 closed", note: "Feiertage zu" },
    });
    expect(topicChanges(t, { ...topicSettingsForm(t), seats: "" })).toEqual({
      seats: { limit: null },
    });
    expect(topicChanges(t, { ...topicSettingsForm(t), seats: "0" })).toEqual({
      refused: "seats_invalid",
    });
    expect(topicChanges(t, { ...topicSettingsForm(t), origins: "https://a.de" })).toEqual({
      embed_origins: ["https://a.de"],
    });
  });

  it("sends only what the settings form of an account changes", () => {
    const c = { ...counselor("bernd"), topics: ["sucht", "go-on"] };
    expect(counselorChanges(c, counselorSettingsForm(c))).toEqual({});
    expect(counselorChanges(c, { topics: ["go-on", "sucht"], seats: "" })).toEqual({});
    expect(counselorChanges(c, { topics: ["sucht"], seats: "3" })).toEqual({
      topics: ["sucht"],
      seats: { limit: 3 },
    });
    expect(counselorChanges(c, { topics: [], seats: "x" })).toEqual({ refused: "seats_invalid" });
  });

  it("reads a seat limit as typed: empty is unlimited, a whole number from 1 to 1000 a limit", () => {
    expect(seatLimitOf("")).toEqual({ limit: null });
    expect(seatLimitOf("  ")).toEqual({ limit: null });
    expect(seatLimitOf(" 3 ")).toEqual({ limit: 3 });
    expect(seatLimitOf("1000")).toEqual({ limit: 1000 });
    for (const refused of ["0", "1001", "-1", "2.5", "drei", "1e3"]) {
      expect(seatLimitOf(refused), refused).toBeNull();
    }
  });

  it("reads the websites one per line, also separated by commas or spaces", () => {
    expect(originsOf("https://a.de\n https://b.de, https://c.de\n\n")).toEqual([
      "https://a.de",
      "https://b.de",
      "https://c.de",
    ]);
    expect(originsOf("  ")).toEqual([]);
  });

  it("shows a refusal at its field and clears the form's problems once it is saved", () => {
    let state = reduceAdmin(initialAdmin, { type: "refused", form: "topic", code: "slug_invalid" });
    state = reduceAdmin(state, { type: "refused", form: "counselor", code: "topic_in_use" });
    expect(state.problems).toEqual({
      "topic.slug": "slug_invalid",
      "counselor.form": "topic_in_use",
    });
    state = reduceAdmin(state, { type: "topic_saved", topic: topic("neu", "Neu"), done: "ok" });
    expect(state.problems).toEqual({ "counselor.form": "topic_in_use" });
    expect(state.done).toBe("ok");
  });

  it("keeps topics sorted by name and replaces a saved one", () => {
    let state = reduceAdmin(initialAdmin, {
      type: "topics_loaded",
      topics: [topic("sucht", "Suchtberatung"), topic("go-on", "Go on")],
    });
    state = reduceAdmin(state, { type: "topic_saved", topic: topic("sucht", "Aaa"), done: "" });
    expect(state.topics.map((t) => t.name)).toEqual(["Aaa", "Go on"]);
    state = reduceAdmin(state, { type: "topic_deleted", slug: "go-on", done: "" });
    expect(state.topics.map((t) => t.slug)).toEqual(["sucht"]);
  });

  it("shows a one-time password once, until it is marked as seen", () => {
    let state = reduceAdmin(initialAdmin, {
      type: "one_time_password",
      counselor: counselor("dora"),
      password: "geheim-1234",
    });
    expect(state.oneTime).toEqual({ login: "dora", password: "geheim-1234" });
    expect(state.counselors.map((c) => c.login)).toEqual(["dora"]);
    state = reduceAdmin(state, { type: "one_time_password_seen" });
    expect(state.oneTime).toBeNull();
  });

  it("appends older audit pages and replaces on a fresh load", () => {
    const entry = (id: number) => ({
      id,
      at: id,
      actor: "olga",
      action: "topic_created",
      target: "x",
      before: null,
      after: null,
    });
    let state = reduceAdmin(initialAdmin, {
      type: "audit_loaded",
      entries: [entry(3), entry(2)],
      next: 2,
      more: false,
    });
    state = reduceAdmin(state, {
      type: "audit_loaded",
      entries: [entry(1)],
      next: null,
      more: true,
    });
    expect(state.audit.map((e) => e.id)).toEqual([3, 2, 1]);
    expect(state.auditNext).toBeNull();
  });

  it("says how long the oldest asker waits in whole minutes", () => {
    const overview: TopicOverview = {
      topic_id: 1,
      topic_name: "Sucht",
      live_chat: true,
      gate_open: true,
      available_counselors: ["Anna"],
      free_seats: null,
      waiting: 1,
      oldest_waiting_since: 1_000,
      running_chats: 0,
    };
    expect(oldestWaitMinutes(overview, 1_000 + 125_000)).toBe(2);
    expect(oldestWaitMinutes({ ...overview, oldest_waiting_since: null }, 5)).toBeNull();
  });

  it("checks the new password before sending it", () => {
    expect(passwordProblems({ current: "", next: "", repeat: "" })).toEqual({
      current: "missing",
      next: "missing",
    });
    expect(passwordProblems({ current: "x", next: "kurz", repeat: "kurz" })).toEqual({
      next: "too_short",
    });
    expect(passwordProblems({ current: "x", next: "lang-genug", repeat: "anders" })).toEqual({
      repeat: "mismatch",
    });
    expect(passwordProblems({ current: "x", next: "lang-genug", repeat: "lang-genug" })).toEqual(
      {},
    );
  });
});
