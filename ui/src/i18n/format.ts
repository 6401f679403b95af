// Dates and durations in the reader's language.
import type { AskerMessages } from "./types";
import { retentionParts } from "../lib/time";

export function formatTime(ms: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" }).format(ms);
}

export function formatDateTime(ms: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, {
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  }).format(ms);
}

/** A `YYYY-MM-DD` day as the reader writes dates (01.02.2022 / 01/02/2022). */
export function formatDay(day: string, locale: string): string {
  const [y, m, d] = day.split("-").map(Number);
  if (!y || !m || !d) return day;
  return new Intl.DateTimeFormat(locale, {
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
  }).format(new Date(y, m - 1, d));
}

export function formatRetention(seconds: number, words: AskerMessages["duration"]): string {
  const { unit, n } = retentionParts(seconds);
  return words[unit](n);
}
