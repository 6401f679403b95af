//! The local building blocks of a schedule: weekdays, clock times, time ranges, weekly slots
//! and dated exceptions. All of them are wall-clock values in the organisation's time zone;
//! only [`Schedule`](super::Schedule) turns them into instants.

use std::fmt;
use std::str::FromStr;

pub use jiff::civil::Date;

use super::error::ScheduleError;

/// A day of the week (ISO order, Monday first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    /// All days, Monday first.
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// 0 for Monday … 6 for Sunday.
    pub const fn index(self) -> u8 {
        self as u8
    }

    /// The day with [`index`](Self::index) `index % 7`.
    pub const fn from_index(index: u8) -> Weekday {
        Self::ALL[(index % 7) as usize]
    }

    /// The following day (Sunday → Monday).
    pub const fn next(self) -> Weekday {
        Self::from_index(self.index() + 1)
    }

    /// The stable name used in storage (`"monday"` …).
    pub const fn code(self) -> &'static str {
        match self {
            Weekday::Monday => "monday",
            Weekday::Tuesday => "tuesday",
            Weekday::Wednesday => "wednesday",
            Weekday::Thursday => "thursday",
            Weekday::Friday => "friday",
            Weekday::Saturday => "saturday",
            Weekday::Sunday => "sunday",
        }
    }

    /// The German two-letter abbreviation (`"Mo"`, `"Di"` …), as the text syntax writes it.
    pub const fn german_short(self) -> &'static str {
        match self {
            Weekday::Monday => "Mo",
            Weekday::Tuesday => "Di",
            Weekday::Wednesday => "Mi",
            Weekday::Thursday => "Do",
            Weekday::Friday => "Fr",
            Weekday::Saturday => "Sa",
            Weekday::Sunday => "So",
        }
    }

    /// The German name (`"Montag"` …).
    pub const fn german(self) -> &'static str {
        match self {
            Weekday::Monday => "Montag",
            Weekday::Tuesday => "Dienstag",
            Weekday::Wednesday => "Mittwoch",
            Weekday::Thursday => "Donnerstag",
            Weekday::Friday => "Freitag",
            Weekday::Saturday => "Samstag",
            Weekday::Sunday => "Sonntag",
        }
    }

    /// The English name (`"Monday"` …).
    pub const fn english(self) -> &'static str {
        match self {
            Weekday::Monday => "Monday",
            Weekday::Tuesday => "Tuesday",
            Weekday::Wednesday => "Wednesday",
            Weekday::Thursday => "Thursday",
            Weekday::Friday => "Friday",
            Weekday::Saturday => "Saturday",
            Weekday::Sunday => "Sunday",
        }
    }

    /// The storage name back to a day; `None` for anything else.
    pub fn from_code(code: &str) -> Option<Weekday> {
        Self::ALL.into_iter().find(|day| day.code() == code)
    }

    /// A two-letter abbreviation, German or English, any case (`"mo"`, `"Di"`, `"TU"` …).
    pub fn from_abbreviation(text: &str) -> Option<Weekday> {
        let lower = text.to_ascii_lowercase();
        Some(match lower.as_str() {
            "mo" => Weekday::Monday,
            "di" | "tu" => Weekday::Tuesday,
            "mi" | "we" => Weekday::Wednesday,
            "do" | "th" => Weekday::Thursday,
            "fr" => Weekday::Friday,
            "sa" => Weekday::Saturday,
            "so" | "su" => Weekday::Sunday,
            _ => return None,
        })
    }

    /// The weekday of a date.
    pub fn of(date: Date) -> Weekday {
        // jiff counts Monday as 0 here, like `index`.
        Self::from_index(date.weekday().to_monday_zero_offset().unsigned_abs())
    }
}

impl fmt::Display for Weekday {
    /// The German abbreviation, as the text syntax writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.german_short())
    }
}

/// Minutes in a day.
pub(crate) const DAY_MINUTES: u16 = 24 * 60;

/// A wall-clock time of day with minute precision, `00:00` to `24:00`. `24:00` is the end of the
/// day and only makes sense as the end of a range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(u16);

impl ClockTime {
    /// 00:00.
    pub const MIDNIGHT: ClockTime = ClockTime(0);
    /// 24:00, the end of the day.
    pub const END_OF_DAY: ClockTime = ClockTime(DAY_MINUTES);

    /// `hour:minute`, or `None` unless it is 00:00–23:59 or exactly 24:00.
    pub const fn new(hour: u8, minute: u8) -> Option<ClockTime> {
        if (hour < 24 && minute < 60) || (hour == 24 && minute == 0) {
            Some(ClockTime(hour as u16 * 60 + minute as u16))
        } else {
            None
        }
    }

    /// Minutes since midnight; `None` above 1440 (24:00).
    pub const fn from_minutes(minutes: u16) -> Option<ClockTime> {
        if minutes <= DAY_MINUTES {
            Some(ClockTime(minutes))
        } else {
            None
        }
    }

    pub const fn hour(self) -> u8 {
        (self.0 / 60) as u8
    }

    pub const fn minute(self) -> u8 {
        (self.0 % 60) as u8
    }

    /// Minutes since midnight (0 to 1440).
    pub const fn minutes(self) -> u16 {
        self.0
    }

    /// Reads `H`, `H:MM` or `HH:MM` (also `H.MM`), reporting errors as part of `part`.
    pub(crate) fn parse_in(text: &str, part: &str) -> Result<ClockTime, ScheduleError> {
        let invalid = || ScheduleError::InvalidTime {
            found: text.to_owned(),
            part: part.to_owned(),
        };
        let (hour, minute) = match text.split_once([':', '.']) {
            Some((hour, minute)) if minute.len() == 2 => (hour, minute),
            Some(_) => return Err(invalid()),
            None => (text, "00"),
        };
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(hour) || !digits(minute) {
            return Err(invalid());
        }
        let hour: u8 = hour.parse().map_err(|_| invalid())?;
        let minute: u8 = minute.parse().map_err(|_| invalid())?;
        ClockTime::new(hour, minute).ok_or_else(invalid)
    }
}

impl fmt::Display for ClockTime {
    /// `HH:MM`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour(), self.minute())
    }
}

impl FromStr for ClockTime {
    type Err = ScheduleError;

    /// `H`, `H:MM` or `HH:MM`, 00:00 to 24:00.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse_in(text.trim(), text)
    }
}

/// The longest a range may last when its end is before its start (it crosses midnight).
/// Longer ones are taken for a typo (`16:00-14:00`) and refused as inverted.
pub const MAX_OVERNIGHT_MINUTES: u16 = 12 * 60;

/// A wall-clock range within a day that may run past midnight: a start and a length of 1 minute
/// to 24 hours.
///
/// Written `start-end`. An end after the start is the same day; `24:00` (or `00:00`) is the end of
/// the day; an end before the start crosses midnight and ends the next day, which is allowed
/// for at most [`MAX_OVERNIGHT_MINUTES`] (`22:00-02:00` is four hours, `16:00-14:00` is refused as
/// inverted). `00:00-24:00` is the whole day; an end equal to the start is empty and refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeRange {
    start: ClockTime,
    minutes: u16,
}

impl TimeRange {
    /// The range from `start` to `end` by the rules above.
    pub fn new(start: ClockTime, end: ClockTime) -> Result<TimeRange, ScheduleError> {
        let range = || format!("{start}-{end}");
        if start == ClockTime::END_OF_DAY {
            return Err(ScheduleError::InvalidTime {
                found: start.to_string(),
                part: range(),
            });
        }
        let (s, e) = (start.minutes(), end.minutes());
        let minutes = if e == DAY_MINUTES || e > s {
            e - s
        } else if e == s {
            return Err(ScheduleError::EmptySlot { range: range() });
        } else if e == 0 {
            DAY_MINUTES - s
        } else {
            let overnight = DAY_MINUTES - s + e;
            if overnight > MAX_OVERNIGHT_MINUTES {
                return Err(ScheduleError::InvertedSlot { range: range() });
            }
            overnight
        };
        Ok(TimeRange { start, minutes })
    }

    /// The whole day, `00:00-24:00`.
    pub const WHOLE_DAY: TimeRange = TimeRange {
        start: ClockTime::MIDNIGHT,
        minutes: DAY_MINUTES,
    };

    pub const fn start(self) -> ClockTime {
        self.start
    }

    /// The end as a clock time: `24:00` when the range ends exactly at the next midnight.
    pub const fn end(self) -> ClockTime {
        let end = self.start.0 + self.minutes;
        if end == DAY_MINUTES {
            ClockTime::END_OF_DAY
        } else {
            ClockTime(end % DAY_MINUTES)
        }
    }

    /// How long the range lasts on the wall clock, in minutes.
    pub const fn minutes(self) -> u16 {
        self.minutes
    }

    /// Whether it ends after the next midnight (`22:00-02:00`, not `22:00-24:00`).
    pub const fn crosses_midnight(self) -> bool {
        self.start.0 + self.minutes > DAY_MINUTES
    }

    /// The end in minutes after the start day's midnight (may exceed 1440).
    pub(crate) const fn end_minutes(self) -> u16 {
        self.start.0 + self.minutes
    }

    /// Reads `start-end` (also with `–` and spaces), reporting errors as part of `part`.
    pub(crate) fn parse_in(text: &str, part: &str) -> Result<TimeRange, ScheduleError> {
        let (start, end) =
            text.split_once(['-', '–'])
                .ok_or_else(|| ScheduleError::InvalidTimeRange {
                    found: text.to_owned(),
                    part: part.to_owned(),
                })?;
        let start = ClockTime::parse_in(start.trim(), part)?;
        let end = ClockTime::parse_in(end.trim(), part)?;
        TimeRange::new(start, end)
    }
}

impl fmt::Display for TimeRange {
    /// `HH:MM-HH:MM`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end())
    }
}

impl FromStr for TimeRange {
    type Err = ScheduleError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse_in(text.trim(), text)
    }
}

/// A weekly slot of chat hours: a weekday and a time range starting on it (`Fr 22:00-02:00`
/// starts on Friday and ends on Saturday).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot {
    pub weekday: Weekday,
    pub range: TimeRange,
}

impl Slot {
    pub const fn new(weekday: Weekday, range: TimeRange) -> Slot {
        Slot { weekday, range }
    }

    /// What identifies this slot within a schedule (slots never overlap, so no two share it).
    pub const fn key(self) -> SlotKey {
        SlotKey {
            weekday: self.weekday,
            start: self.range.start(),
        }
    }

    /// Start and end in minutes from Monday 00:00 (the end may pass the end of the week).
    pub(crate) fn week_minutes(self) -> (u32, u32) {
        let start = u32::from(self.weekday.index()) * u32::from(DAY_MINUTES)
            + u32::from(self.range.start().minutes());
        (start, start + u32::from(self.range.minutes()))
    }
}

impl fmt::Display for Slot {
    /// `Fr 22:00-02:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.weekday, self.range)
    }
}

/// Names one weekly slot of a schedule: its weekday and start. Counselors cover slots by key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SlotKey {
    pub weekday: Weekday,
    pub start: ClockTime,
}

impl fmt::Display for SlotKey {
    /// `Mo 10:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.weekday, self.start)
    }
}

/// A dated exception to the weekly slots, on a local date of the organisation.
///
/// How they combine: the weekly occurrences, minus every closed time (a closure cuts an
/// occurrence, also one that began the evening before and runs into the closed date), plus the
/// extra hours (which win over closures: "closed" and "10:00-12:00" on the same date means open
/// only 10:00–12:00). Extra hours must not overlap what remains of the weekly slots or each
/// other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exception {
    /// Closed the whole local day (00:00–24:00), e.g. a holiday.
    Closed { date: Date },
    /// Closed for a time range starting on the date (it may cross midnight).
    ClosedDuring { date: Date, range: TimeRange },
    /// Extra chat hours starting on the date (they may cross midnight).
    ExtraHours { date: Date, range: TimeRange },
}

impl Exception {
    /// The local date the exception is set on.
    pub const fn date(self) -> Date {
        match self {
            Exception::Closed { date }
            | Exception::ClosedDuring { date, .. }
            | Exception::ExtraHours { date, .. } => date,
        }
    }

    /// The local time range the exception covers from its date (the whole day for `Closed`).
    pub const fn range(self) -> TimeRange {
        match self {
            Exception::Closed { .. } => TimeRange::WHOLE_DAY,
            Exception::ClosedDuring { range, .. } | Exception::ExtraHours { range, .. } => range,
        }
    }

    /// Whether it closes (rather than adds) time.
    pub const fn is_closure(self) -> bool {
        !matches!(self, Exception::ExtraHours { .. })
    }
}

impl Exception {
    /// What exceptions sort by: date, then closed day, closed time, extra hours, then range.
    fn sort_key(self) -> (Date, u8, TimeRange) {
        let kind = match self {
            Exception::Closed { .. } => 0,
            Exception::ClosedDuring { .. } => 1,
            Exception::ExtraHours { .. } => 2,
        };
        (self.date(), kind, self.range())
    }
}

impl Ord for Exception {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for Exception {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Exception {
    /// The text syntax: `2026-12-24 closed`, `2026-12-31 closed 14:00-16:00`,
    /// `2026-12-31 10:00-12:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exception::Closed { date } => write!(f, "{date} closed"),
            Exception::ClosedDuring { date, range } => write!(f, "{date} closed {range}"),
            Exception::ExtraHours { date, range } => write!(f, "{date} {range}"),
        }
    }
}
