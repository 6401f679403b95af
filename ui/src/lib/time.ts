// Dates and durations. "Now" is always passed in, so everything here is testable.

/** Whole seconds from `now` until `until` (both ms since the epoch), never negative. */
export function secondsUntil(until: number, now: number): number {
  return Math.max(0, Math.ceil((until - now) / 1000));
}

/** `m:ss` for a countdown. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(s / 60);
  return `${minutes}:${String(s % 60).padStart(2, "0")}`;
}

/** Whole minutes since `since`, never negative. */
export function minutesSince(since: number, now: number): number {
  return Math.max(0, Math.floor((now - since) / 60_000));
}

/** A date as `YYYY-MM-DD` of its local calendar day. */
export function isoDay(date: Date): string {
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, "0");
  const d = String(date.getDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

export type Period = "this_month" | "last_month" | "this_year" | "last_year" | "custom";

export const PERIODS: readonly Period[] = [
  "this_month",
  "last_month",
  "this_year",
  "last_year",
  "custom",
];

export interface DayRange {
  from: string;
  to: string;
}

/**
 * The days of a statistics period, both ends included. Current periods end today (the future
 * has no figures yet); past periods are whole months or years.
 */
export function periodRange(period: Exclude<Period, "custom">, today: Date): DayRange {
  const y = today.getFullYear();
  const m = today.getMonth();
  switch (period) {
    case "this_month":
      return { from: isoDay(new Date(y, m, 1)), to: isoDay(today) };
    case "last_month":
      return { from: isoDay(new Date(y, m - 1, 1)), to: isoDay(new Date(y, m, 0)) };
    case "this_year":
      return { from: isoDay(new Date(y, 0, 1)), to: isoDay(today) };
    case "last_year":
      return { from: isoDay(new Date(y - 1, 0, 1)), to: isoDay(new Date(y - 1, 11, 31)) };
  }
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `value` is a real calendar day written `YYYY-MM-DD`. */
export function isValidDay(value: string): boolean {
  const match = DAY.exec(value);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(y, m - 1, d);
  return date.getFullYear() === y && date.getMonth() === m - 1 && date.getDate() === d;
}

export type RangeProblem = "invalid_from" | "invalid_to" | "from_after_to" | "too_long" | null;

/** The longest period the server reports on: `to - from` must stay below five leap years. */
export const MAX_PERIOD_DAYS = 5 * 366;

function dayNumber(day: string): number {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) / 86_400_000;
}

export function rangeProblem(range: DayRange): RangeProblem {
  if (!isValidDay(range.from)) return "invalid_from";
  if (!isValidDay(range.to)) return "invalid_to";
  if (range.from > range.to) return "from_after_to";
  if (dayNumber(range.to) - dayNumber(range.from) >= MAX_PERIOD_DAYS) return "too_long";
  return null;
}

/** The offset of the device's time zone at `date`, in minutes east of UTC (60 in CET). */
export function utcOffsetMinutes(date: Date): number {
  // getTimezoneOffset counts the other way (minutes WEST of UTC: -60 in CET); avoid -0.
  return 0 - date.getTimezoneOffset() || 0;
}

/** Hours and minutes of a number of seconds, e.g. for "time available". */
export function hoursAndMinutes(seconds: number): { hours: number; minutes: number } {
  const total = Math.max(0, Math.floor(seconds / 60));
  return { hours: Math.floor(total / 60), minutes: total % 60 };
}

/** A retention time in the largest whole unit that fits: days, hours or minutes. */
export function retentionParts(seconds: number): { unit: "days" | "hours" | "minutes"; n: number } {
  const s = Math.max(0, seconds);
  if (s >= 86_400 && s % 86_400 === 0) return { unit: "days", n: s / 86_400 };
  if (s >= 86_400) return { unit: "days", n: Math.round(s / 86_400) };
  if (s >= 3_600) return { unit: "hours", n: Math.round(s / 3_600) };
  return { unit: "minutes", n: Math.max(1, Math.round(s / 60)) };
}
