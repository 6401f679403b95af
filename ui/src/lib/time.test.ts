import { describe, expect, it } from "vitest";
import {
  clock,
  hoursAndMinutes,
  isValidDay,
  minutesSince,
  periodRange,
  rangeProblem,
  utcOffsetMinutes,
  retentionParts,
  secondsUntil,
} from "./time";

describe("statistics periods", () => {
  const today = new Date(2026, 10, 28); // 28 Nov 2026

  it("this month runs from the first of the month to today", () => {
    expect(periodRange("this_month", today)).toEqual({ from: "2026-11-01", to: "2026-11-28" });
  });

  it("last month is the whole previous month", () => {
    expect(periodRange("last_month", today)).toEqual({ from: "2026-10-01", to: "2026-10-31" });
  });

  it("last month in January is December of the year before", () => {
    expect(periodRange("last_month", new Date(2026, 0, 15))).toEqual({
      from: "2025-12-01",
      to: "2025-12-31",
    });
  });

  it("last month knows that February 2024 had 29 days", () => {
    expect(periodRange("last_month", new Date(2024, 2, 3)).to).toBe("2024-02-29");
  });

  it("this year runs from the first of January to today", () => {
    expect(periodRange("this_year", today)).toEqual({ from: "2026-01-01", to: "2026-11-28" });
  });

  it("last year is the whole previous year", () => {
    expect(periodRange("last_year", today)).toEqual({ from: "2025-01-01", to: "2025-12-31" });
  });
});

describe("a custom range", () => {
  it("is accepted when both days are real and in order", () => {
    expect(rangeProblem({ from: "2026-01-01", to: "2026-01-01" })).toBeNull();
  });

  it("is refused when a day does not exist", () => {
    expect(isValidDay("2026-02-30")).toBe(false);
    expect(rangeProblem({ from: "2026-02-30", to: "2026-03-01" })).toBe("invalid_from");
    expect(rangeProblem({ from: "2026-02-01", to: "" })).toBe("invalid_to");
  });

  it("is refused when it ends before it starts", () => {
    expect(rangeProblem({ from: "2026-03-02", to: "2026-03-01" })).toBe("from_after_to");
  });

  it("refuses a period of five years or more, as the server does", () => {
    expect(rangeProblem({ from: "2021-01-01", to: "2026-01-03" })).toBeNull();
    expect(rangeProblem({ from: "2021-01-01", to: "2026-01-05" })).toBe("too_long");
  });
});

describe("durations", () => {
  it("counts a grace period down in whole seconds and never below zero", () => {
    expect(secondsUntil(10_500, 10_000)).toBe(1);
    expect(secondsUntil(10_000, 12_000)).toBe(0);
    expect(clock(125)).toBe("2:05");
    expect(clock(-3)).toBe("0:00");
  });

  it("counts waiting minutes from the time a request entered", () => {
    expect(minutesSince(0, 59_999)).toBe(0);
    expect(minutesSince(0, 180_000)).toBe(3);
    expect(minutesSince(5_000, 0)).toBe(0);
  });

  it("splits available seconds into hours and minutes", () => {
    expect(hoursAndMinutes(3 * 3600 + 25 * 60 + 59)).toEqual({ hours: 3, minutes: 25 });
  });

  it("says a retention time in the largest unit that fits", () => {
    expect(retentionParts(30 * 86_400)).toEqual({ unit: "days", n: 30 });
    expect(retentionParts(7_200)).toEqual({ unit: "hours", n: 2 });
    expect(retentionParts(90)).toEqual({ unit: "minutes", n: 2 });
  });
});

describe("the time zone offset", () => {
  it("counts minutes east of UTC, the way the server takes them", () => {
    const at = (offsetWest: number) => ({ getTimezoneOffset: () => offsetWest }) as Date;
    expect(utcOffsetMinutes(at(-60))).toBe(60);
    expect(utcOffsetMinutes(at(300))).toBe(-300);
    expect(Object.is(utcOffsetMinutes(at(0)), 0)).toBe(true);
  });
});
