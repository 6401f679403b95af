//! Chat hours of a topic as a schedule, and what it says at a given time.
//!
//! Why: the asker page, when the gate is closed, says when the chat is open again ("Der Chat
//! ist wieder geöffnet: heute 14:00–16:00 Uhr"), the wire gives each topic's current slot and
//! next opening, and covered shifts ([`crate::shifts`]) begin and end with the slots. The
//! schedule never opens or closes a gate: the gate is open iff a counselor is available,
//! inside or outside the hours.
//!
//! A [`Schedule`] is parsed, never checked later: it is built from a [`ScheduleDraft`] (or read
//! from storage, or from the [text syntax](parse_schedule_text)) and then holds only
//! - weekly [`Slot`]s (a [`Weekday`] and a [`TimeRange`]; a range may cross midnight, e.g.
//!   `Fr 22:00-02:00`, for at most 12 hours) that do not overlap (touching is fine);
//! - dated [`Exception`]s: closed all day, closed for a time range, extra hours. The weekly
//!   occurrences minus the closed times, plus the extra hours (which win over closures and must
//!   not overlap what remains, nor each other);
//! - a free-text note of at most [`MAX_NOTE_CHARS`] characters;
//! - all in the organisation's [`OrgZone`] (default Europe/Berlin), resolved by jiff from the
//!   IANA database bundled into the binary (no file I/O, same result on every machine).
//!
//! Building refuses, with a [`ScheduleError`] whose [`code`](ScheduleError::code) is stable:
//! empty or inverted ranges, overlapping slots or extra hours, unknown time zones, and
//! exceptions that are newly set although they ended at or before `now`.
//!
//! Time is passed in ([`Timestamp`], UTC milliseconds). Local times become instants by the
//! rule documented at [`OrgZone::instant`]: a time skipped when the clocks go forward is the
//! moment of the jump (02:30 → 03:00 CEST), a time repeated when they go back is its earlier
//! instant (02:30 CEST).
//!
//! Queries: [`Schedule::occurrences`] (every occurrence in a time window, with its slot),
//! [`Schedule::current_slot`], [`Schedule::current_opening`] and [`Schedule::next_opening`]
//! (an [`Opening`] joins touching occurrences: `10:00-12:00` and `12:00-14:00` are open
//! 10:00–14:00), and [`Schedule::reopening_notice`], the parts and the German and English
//! sentences of the asker page.
//!
//! Storage: `serde` as documented in [`storage`]. Text (CLI): [`text`] describes the syntax of
//! [`parse_schedule_text`], [`parse_slots`], [`parse_exceptions`] and [`Schedule::to_text`].
//!
//! ```
//! use pforte_domain::schedule::{OrgZone, ScheduleDraft};
//! use pforte_domain::Timestamp;
//!
//! // Monday, 15 June 2026, 12:30 in Berlin (10:30 UTC).
//! let now = Timestamp::from_millis(1_781_519_400_000);
//! let hours = ScheduleDraft::parse(
//!     OrgZone::default(),
//!     "Mo-Fr 10:00-12:00, 14:00-16:00; Sa 10:00-13:00; 2026-12-24 closed",
//! )?
//! .build(now)?;
//! assert_eq!(hours.current_slot(now), None);
//! let notice = hours.reopening_notice(now).expect("there are more hours");
//! assert_eq!(notice.german(), "Der Chat ist wieder geöffnet: heute 14:00–16:00 Uhr");
//! assert_eq!(notice.english(), "Chat opens again: today 14:00–16:00");
//! assert_eq!(notice.opening.start, Timestamp::from_millis(1_781_524_800_000)); // 12:00 UTC
//! # Ok::<(), pforte_domain::ScheduleError>(())
//! ```

mod clock;
mod error;
mod notice;
pub mod storage;
pub mod text;
mod zone;

#[cfg(test)]
mod tests;

pub use clock::{
    ClockTime, Date, Exception, Slot, SlotKey, TimeRange, Weekday, MAX_OVERNIGHT_MINUTES,
};
pub use error::ScheduleError;
pub use notice::{DayRef, ReopeningNotice};
pub use text::{format_slots, parse_exception, parse_exceptions, parse_schedule_text, parse_slots};
pub use zone::{OrgZone, DEFAULT_TIME_ZONE};

use crate::time::Timestamp;
use clock::DAY_MINUTES;

/// The most weekly slots a schedule holds.
pub const MAX_SLOTS: usize = 100;
/// The most dated exceptions a schedule holds.
pub const MAX_EXCEPTIONS: usize = 500;
/// The longest free-text note, in characters.
pub const MAX_NOTE_CHARS: usize = 1000;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A schedule as an operator writes it, not yet checked. [`build`](Self::build) it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ScheduleDraft {
    pub zone: OrgZone,
    pub weekly: Vec<Slot>,
    pub exceptions: Vec<Exception>,
    pub note: String,
}

impl ScheduleDraft {
    /// An empty draft in `zone`.
    pub fn new(zone: OrgZone) -> ScheduleDraft {
        ScheduleDraft {
            zone,
            ..ScheduleDraft::default()
        }
    }

    /// A draft from the [text syntax](parse_schedule_text) (weekly groups and dated exceptions
    /// in one text), without a note.
    pub fn parse(zone: OrgZone, text: &str) -> Result<ScheduleDraft, ScheduleError> {
        let (weekly, exceptions) = parse_schedule_text(text)?;
        Ok(ScheduleDraft {
            zone,
            weekly,
            exceptions,
            note: String::new(),
        })
    }

    /// Checks everything; every exception counts as newly set, so one that ended at or before
    /// `now` is refused.
    pub fn build(self, now: Timestamp) -> Result<Schedule, ScheduleError> {
        self.build_with(now, &[])
    }

    /// Like [`build`](Self::build) when replacing `previous`: exceptions equal to one
    /// `previous` already holds are not new, so they are kept even when past.
    pub fn build_replacing(
        self,
        previous: &Schedule,
        now: Timestamp,
    ) -> Result<Schedule, ScheduleError> {
        self.build_with(now, &previous.exceptions)
    }

    fn build_with(self, now: Timestamp, known: &[Exception]) -> Result<Schedule, ScheduleError> {
        let schedule = Schedule::from_parts(self.zone, self.weekly, self.exceptions, self.note)?;
        for exception in &schedule.exceptions {
            if known.contains(exception) {
                continue;
            }
            let range = exception.range();
            let end = schedule
                .zone
                .instant(exception.date(), u32::from(range.end_minutes()));
            // No end only past the last year jiff knows: far in the future, not past.
            if end.is_some_and(|end| end <= now) {
                return Err(ScheduleError::ExceptionInPast {
                    exception: exception.to_string(),
                });
            }
        }
        Ok(schedule)
    }
}

/// Chat hours of a topic; see the [module](self) for what it holds and guarantees.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Schedule {
    zone: OrgZone,
    /// Sorted, not overlapping.
    weekly: Vec<Slot>,
    /// Sorted, without duplicates.
    exceptions: Vec<Exception>,
    note: String,
}

/// Where an occurrence comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    /// A weekly slot (possibly cut by a closure).
    Weekly(SlotKey),
    /// Extra hours of a dated exception.
    ExtraHours,
}

/// One occurrence of chat hours in real time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Occurrence {
    /// Begins (inclusive).
    pub start: Timestamp,
    /// Ends (exclusive).
    pub end: Timestamp,
    /// The local date the slot or the extra hours are set on (the start's date, unless a
    /// closure cut the beginning off).
    pub date: Date,
    pub origin: Origin,
}

impl Occurrence {
    /// Whether `at` is within `[start, end)`.
    pub fn contains(&self, at: Timestamp) -> bool {
        self.start <= at && at < self.end
    }
}

/// A continuous time of chat hours: touching occurrences joined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Opening {
    /// Begins (inclusive).
    pub start: Timestamp,
    /// Ends (exclusive).
    pub end: Timestamp,
}

impl Opening {
    pub fn contains(&self, at: Timestamp) -> bool {
        self.start <= at && at < self.end
    }
}

impl Schedule {
    /// Checks everything except whether exceptions are past (storage holds past ones).
    pub(crate) fn from_parts(
        zone: OrgZone,
        mut weekly: Vec<Slot>,
        mut exceptions: Vec<Exception>,
        note: String,
    ) -> Result<Schedule, ScheduleError> {
        if weekly.len() > MAX_SLOTS {
            return Err(ScheduleError::TooManySlots { max: MAX_SLOTS });
        }
        if exceptions.len() > MAX_EXCEPTIONS {
            return Err(ScheduleError::TooManyExceptions {
                max: MAX_EXCEPTIONS,
            });
        }
        let note = note.trim().to_owned();
        if note.chars().count() > MAX_NOTE_CHARS {
            return Err(ScheduleError::NoteTooLong {
                max_chars: MAX_NOTE_CHARS,
            });
        }
        weekly.sort();
        check_weekly_overlaps(&weekly)?;
        exceptions.sort();
        exceptions.dedup();
        let schedule = Schedule {
            zone,
            weekly,
            exceptions,
            note,
        };
        schedule.check_extra_hours()?;
        Ok(schedule)
    }

    /// An empty schedule (no hours) in `zone`.
    pub fn empty(zone: OrgZone) -> Schedule {
        Schedule {
            zone,
            ..Schedule::default()
        }
    }

    pub fn zone(&self) -> &OrgZone {
        &self.zone
    }

    /// The weekly slots, Monday first, by start.
    pub fn weekly(&self) -> &[Slot] {
        &self.weekly
    }

    /// The dated exceptions, by date.
    pub fn exceptions(&self) -> &[Exception] {
        &self.exceptions
    }

    pub fn note(&self) -> &str {
        &self.note
    }

    /// Whether there are no weekly slots and no extra hours.
    pub fn is_empty(&self) -> bool {
        self.weekly.is_empty() && !self.exceptions.iter().any(|e| !e.is_closure())
    }

    /// The weekly slot named by `key`.
    pub fn slot(&self, key: SlotKey) -> Option<Slot> {
        self.weekly.iter().copied().find(|slot| slot.key() == key)
    }

    /// The draft this schedule was built from (sorted), to change and build again.
    pub fn to_draft(&self) -> ScheduleDraft {
        ScheduleDraft {
            zone: self.zone.clone(),
            weekly: self.weekly.clone(),
            exceptions: self.exceptions.clone(),
            note: self.note.clone(),
        }
    }

    /// The schedule without the exceptions that ended days before `now` and can no longer
    /// matter: closures set more than three days, extra hours more than two days before
    /// today's local date. (The different margins keep every remaining extra hours clear of
    /// the weekly slots: a closure that allowed them is never dropped before them.)
    pub fn pruned(&self, now: Timestamp) -> Schedule {
        let today = self.zone.date_at(now);
        let keep_from = |days: i64| add_days(today, -days).unwrap_or(today);
        let (closures_from, extras_from) = (keep_from(3), keep_from(2));
        let mut pruned = self.clone();
        pruned.exceptions.retain(|exception| {
            let from = if exception.is_closure() {
                closures_from
            } else {
                extras_from
            };
            exception.date() >= from
        });
        pruned
    }

    /// The schedule in the [text syntax](parse_schedule_text) (weekly groups, then exceptions),
    /// which parses back to the same slots and exceptions. Empty for an empty schedule.
    pub fn to_text(&self) -> String {
        let mut parts = Vec::new();
        let weekly = format_slots(&self.weekly);
        if !weekly.is_empty() {
            parts.push(weekly);
        }
        parts.extend(self.exceptions.iter().map(Exception::to_string));
        parts.join("; ")
    }

    /// Every occurrence that overlaps `[from, to)`, by start. Occurrences never overlap each
    /// other; a closure may cut one weekly occurrence into two.
    pub fn occurrences(&self, from: Timestamp, to: Timestamp) -> Vec<Occurrence> {
        if to <= from {
            return Vec::new();
        }
        // A slot ends at most 12 hours into the day after the one it is set on (a whole-day
        // slot at its midnight), so one day back reaches every occurrence running at `from`.
        let first = add_days(self.zone.date_at(from), -1);
        let last = Some(self.zone.date_at(to));
        let (Some(first), Some(last)) = (first, last) else {
            return Vec::new();
        };
        let mut found = self.occurrences_set_on(first, last, true);
        found.retain(|o| o.end > from && o.start < to);
        found
    }

    /// Every occurrence set on a local date from `first` to `last` (inclusive), by start.
    pub fn occurrences_on_dates(&self, first: Date, last: Date) -> Vec<Occurrence> {
        self.occurrences_set_on(first, last, true)
    }

    /// The occurrence running at `now`, with its start and end.
    pub fn current_slot(&self, now: Timestamp) -> Option<Occurrence> {
        self.occurrences(now, now.plus_millis(1))
            .into_iter()
            .find(|o| o.contains(now))
    }

    /// The opening running at `now` (touching occurrences joined; looked at up to eight days
    /// either side, so an opening that lasts longer is cut there).
    pub fn current_opening(&self, now: Timestamp) -> Option<Opening> {
        let from = now.plus_millis(-8 * DAY_MS);
        let to = now.plus_millis(8 * DAY_MS);
        join(&self.occurrences(from, to))
            .into_iter()
            .find(|o| o.contains(now))
    }

    /// The first opening that begins after `now` (strictly): while one runs, the one after it.
    /// `None` when the schedule holds no more hours (no weekly slots, no later extra hours).
    pub fn next_opening(&self, now: Timestamp) -> Option<Opening> {
        if self.weekly.is_empty() {
            let mut extras: Vec<Occurrence> = self
                .exceptions
                .iter()
                .filter(|e| !e.is_closure())
                .filter_map(|e| {
                    let (start, end) = self.resolve(e.date(), e.range())?;
                    Some(Occurrence {
                        start,
                        end,
                        date: e.date(),
                        origin: Origin::ExtraHours,
                    })
                })
                .collect();
            extras.sort();
            return join(&extras).into_iter().find(|o| o.start > now);
        }
        // After the last exception the weekly pattern repeats, so a weekly slot occurs within
        // a week of it; before it, closures may hide any number of weeks.
        let today = self.zone.date_at(now);
        let last_exception = self.exceptions.last().map(|e| e.date());
        let after = last_exception.map_or(today, |d| d.max(today));
        let horizon = add_days(after, 9).unwrap_or(Date::MAX);
        let from = now.plus_millis(-8 * DAY_MS);
        let mut days: i64 = 16;
        loop {
            let to = now.plus_millis(days.saturating_mul(DAY_MS));
            let openings = join(&self.occurrences(from, to));
            // The second bound is past the last year jiff knows: `to` no longer grows.
            let reached_horizon = self.zone.date_at(to) > horizon || days > 8_000_000;
            if let Some(next) = openings.into_iter().find(|o| o.start > now) {
                if next.end < to || reached_horizon {
                    return Some(next);
                }
            } else if reached_horizon {
                return None;
            }
            days *= 2;
        }
    }

    /// When the chat is open again after `now`, as the asker page says it; `None` without a
    /// next opening. See [`ReopeningNotice::german`] and [`ReopeningNotice::english`].
    pub fn reopening_notice(&self, now: Timestamp) -> Option<ReopeningNotice> {
        let opening = self.next_opening(now)?;
        Some(ReopeningNotice::new(&self.zone, opening, now))
    }

    /// The occurrences set on `first..=last`; with `with_extras` the extra hours are added.
    fn occurrences_set_on(&self, first: Date, last: Date, with_extras: bool) -> Vec<Occurrence> {
        if last < first {
            return Vec::new();
        }
        let mut weekly = Vec::new();
        let mut date = first;
        loop {
            let weekday = Weekday::of(date);
            for slot in self.weekly.iter().filter(|s| s.weekday == weekday) {
                if let Some((start, end)) = self.resolve(date, slot.range) {
                    weekly.push(Occurrence {
                        start,
                        end,
                        date,
                        origin: Origin::Weekly(slot.key()),
                    });
                }
            }
            match add_days(date, 1) {
                Some(next) if next <= last => date = next,
                _ => break,
            }
        }
        // Closures set the day before `first` may run into it; those set the day after
        // `last` may cut a slot of `last` that crosses midnight.
        let (before, after) = (
            add_days(first, -1).unwrap_or(first),
            add_days(last, 1).unwrap_or(last),
        );
        let closures: Vec<(Timestamp, Timestamp)> = self
            .exceptions
            .iter()
            .filter(|e| e.is_closure() && (before..=after).contains(&e.date()))
            .filter_map(|e| self.resolve(e.date(), e.range()))
            .collect();
        let mut found = subtract(weekly, &closures);
        if with_extras {
            found.extend(
                self.exceptions
                    .iter()
                    .filter(|e| !e.is_closure() && (first..=last).contains(&e.date()))
                    .filter_map(|e| {
                        let (start, end) = self.resolve(e.date(), e.range())?;
                        Some(Occurrence {
                            start,
                            end,
                            date: e.date(),
                            origin: Origin::ExtraHours,
                        })
                    }),
            );
        }
        found.sort();
        found
    }

    /// The instants of `range` set on `date`; `None` if it is empty in real time (entirely in
    /// the hour skipped when the clocks go forward) or beyond jiff's years.
    fn resolve(&self, date: Date, range: TimeRange) -> Option<(Timestamp, Timestamp)> {
        let start = self
            .zone
            .instant(date, u32::from(range.start().minutes()))?;
        let end = self.zone.instant(date, u32::from(range.end_minutes()))?;
        (start < end).then_some((start, end))
    }

    /// Extra hours must not overlap what remains of the weekly slots, nor each other.
    fn check_extra_hours(&self) -> Result<(), ScheduleError> {
        let mut extras: Vec<(Timestamp, Timestamp, Exception)> = Vec::new();
        for exception in self.exceptions.iter().filter(|e| !e.is_closure()) {
            let date = exception.date();
            let Some((start, end)) = self.resolve(date, exception.range()) else {
                continue;
            };
            let (Some(first), Some(last)) = (add_days(date, -1), add_days(date, 1)) else {
                continue;
            };
            let weekly = self.occurrences_set_on(first, last, false);
            if let Some(hit) = weekly.iter().find(|o| o.start < end && start < o.end) {
                let slot = match hit.origin {
                    Origin::Weekly(key) => self
                        .slot(key)
                        .map_or_else(|| key.to_string(), |s| s.to_string()),
                    Origin::ExtraHours => String::new(),
                };
                return Err(ScheduleError::OverlappingExtraHours {
                    exception: exception.to_string(),
                    other: format!("the weekly slot {slot} on {}", hit.date),
                });
            }
            extras.push((start, end, *exception));
        }
        extras.sort();
        for pair in extras.windows(2) {
            let ((_, first_end, first), (second_start, _, second)) = (pair[0], pair[1]);
            if second_start < first_end {
                return Err(ScheduleError::OverlappingExtraHours {
                    exception: second.to_string(),
                    other: format!("the extra hours {first}"),
                });
            }
        }
        Ok(())
    }
}

/// Weekly slots must not overlap, also not across the end of the week (Su 22:00-02:00 and
/// Mo 01:00-03:00 overlap).
fn check_weekly_overlaps(sorted: &[Slot]) -> Result<(), ScheduleError> {
    let week = 7 * u32::from(DAY_MINUTES);
    for (i, first) in sorted.iter().enumerate() {
        for second in &sorted[i + 1..] {
            let (a0, a1) = first.week_minutes();
            let (b0, b1) = second.week_minutes();
            let overlaps = [0, week].into_iter().any(|shift| {
                (a0 + shift < b1 && b0 < a1 + shift) || (b0 + shift < a1 && a0 < b1 + shift)
            });
            if overlaps {
                return Err(ScheduleError::OverlappingSlots {
                    first: first.to_string(),
                    second: second.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// Cuts the closed intervals out of the occurrences.
fn subtract(occurrences: Vec<Occurrence>, closed: &[(Timestamp, Timestamp)]) -> Vec<Occurrence> {
    let mut pieces = occurrences;
    for &(c0, c1) in closed {
        let mut next = Vec::with_capacity(pieces.len());
        for piece in pieces {
            if c1 <= piece.start || piece.end <= c0 {
                next.push(piece);
                continue;
            }
            if piece.start < c0 {
                next.push(Occurrence { end: c0, ..piece });
            }
            if c1 < piece.end {
                next.push(Occurrence { start: c1, ..piece });
            }
        }
        pieces = next;
    }
    pieces
}

/// Joins touching occurrences (sorted, not overlapping) into openings.
fn join(occurrences: &[Occurrence]) -> Vec<Opening> {
    let mut openings: Vec<Opening> = Vec::new();
    for o in occurrences {
        match openings.last_mut() {
            Some(last) if o.start <= last.end => last.end = last.end.max(o.end),
            _ => openings.push(Opening {
                start: o.start,
                end: o.end,
            }),
        }
    }
    openings
}

pub(crate) fn add_days(date: Date, days: i64) -> Option<Date> {
    date.checked_add(jiff::Span::new().days(days)).ok()
}
