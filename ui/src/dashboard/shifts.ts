// "Meine Chatzeiten" and the weekly plan as pure functions.
import type { MyShifts, PlanEntry, SetMyShifts, ShiftSlot, WeekPlan, Weekday } from "../wire/types";

export const WEEKDAYS: readonly Weekday[] = [
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
];

/** A slot is named by its day and start (the server's key). */
export function slotKey(slot: { day: Weekday; start: string }): string {
  return `${slot.day}-${slot.start}`;
}

/** The same shifts with one slot of one topic covered or not. */
export function toggleSlot(shifts: MyShifts, topicId: number, slot: ShiftSlot): MyShifts {
  return {
    ...shifts,
    topics: shifts.topics.map((topic) =>
      topic.topic_id !== topicId
        ? topic
        : {
            ...topic,
            slots: topic.slots.map((s) =>
              slotKey(s) === slotKey(slot) ? { ...s, covered: !s.covered } : s,
            ),
          },
    ),
  };
}

/** What PUT /api/me/shifts takes: every topic with its covered slots. */
export function shiftsBody(shifts: MyShifts): SetMyShifts {
  return {
    topics: shifts.topics.map((topic) => ({
      topic_id: topic.topic_id,
      slots: topic.slots.filter((s) => s.covered).map((s) => ({ day: s.day, start: s.start })),
    })),
    auto_switch_off: shifts.auto_switch_off,
  };
}

/** One day of the plan grid: its date (if the week has hours that day) and its entries. */
export interface PlanDay {
  day: Weekday;
  date: string | null;
  entries: PlanEntry[];
}

/** The plan as seven days, Monday first; days without hours are empty. */
export function planDays(plan: WeekPlan): PlanDay[] {
  return WEEKDAYS.map((day) => {
    const entries = plan.entries.filter((e) => e.day === day);
    return { day, date: entries[0]?.date ?? null, entries };
  });
}

/** Nobody covers it: the plan highlights it. */
export function isGap(entry: PlanEntry): boolean {
  return entry.counselors.length === 0;
}
