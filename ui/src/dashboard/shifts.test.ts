import { describe, expect, it } from "vitest";
import type { MyShifts, PlanEntry, WeekPlan } from "../wire/types";
import { isGap, planDays, shiftsBody, toggleSlot } from "./shifts";

const mine: MyShifts = {
  auto_switch_off: false,
  topics: [
    {
      topic_id: 1,
      topic_name: "Suchtberatung",
      hours_note: null,
      slots: [
        { day: "monday", start: "10:00", end: "12:00", covered: false },
        { day: "monday", start: "14:00", end: "16:00", covered: true },
      ],
    },
  ],
};

const entry = (day: PlanEntry["day"], start: string, counselors: string[]): PlanEntry => ({
  day,
  date: day === "monday" ? "2027-06-14" : "2027-06-15",
  start,
  end: "12:00",
  starts_at: 0,
  ends_at: 1,
  counselors,
  extra_hours: false,
});

describe("Meine Chatzeiten", () => {
  it("marks and unmarks one slot and sends only the covered ones", () => {
    const marked = toggleSlot(mine, 1, mine.topics[0]!.slots[0]!);
    expect(marked.topics[0]!.slots.map((s) => s.covered)).toEqual([true, true]);
    const unmarked = toggleSlot(marked, 1, marked.topics[0]!.slots[1]!);
    expect(shiftsBody(unmarked)).toEqual({
      topics: [{ topic_id: 1, slots: [{ day: "monday", start: "10:00" }] }],
      auto_switch_off: false,
    });
  });
});

describe("the weekly plan", () => {
  it("has seven days, Monday first, and highlights the slots nobody covers", () => {
    const plan: WeekPlan = {
      topic_id: 1,
      topic_name: "Suchtberatung",
      monday: "2027-06-14",
      gaps: 1,
      entries: [entry("monday", "10:00", []), entry("tuesday", "10:00", ["anna"])],
    };
    const days = planDays(plan);
    expect(days.map((d) => d.day)).toEqual([
      "monday",
      "tuesday",
      "wednesday",
      "thursday",
      "friday",
      "saturday",
      "sunday",
    ]);
    expect(days[0]!.entries.map(isGap)).toEqual([true]);
    expect(days[1]!.entries.map(isGap)).toEqual([false]);
    expect(days[2]).toEqual({ day: "wednesday", date: null, entries: [] });
  });
});
