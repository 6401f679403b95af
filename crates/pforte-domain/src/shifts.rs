//! Covered shifts: which weekly slots a counselor covers ("Meine Chatzeiten"), what is due when
//! a covered slot begins or ends, and the weekly coverage plan of a topic.
//!
//! Why: "all counselors who cover the chat hours must make themselves available". Nothing
//! switches availability on but the counselor (PRODUCT.md rule 3), so when a covered slot
//! begins and they are not available they are reminded; when it ends they are reminded to
//! switch off, or, if they chose so, switched off automatically with the reason
//! [`SHIFT_ENDED`]. The gate rule is untouched: only availability opens a gate.
//!
//! Rules of [`due`], a pure decision between the last run (`since`) and `now`, both passed in:
//! - a boundary (a shift's start or end) is due when it lies in `(since, now]`; the caller
//!   passes the previous `now` as the next `since`, so every boundary is decided exactly once,
//!   whether it runs every second or after a gap of hours;
//! - [`ShiftDue::ShiftStarted`] (remind: "Ihre Chatzeit beginnt – Sie sind noch nicht
//!   verfügbar") for each shift that began in the window, still runs at `now`, while the
//!   counselor is not available. A shift that began and ended within a gap is not reminded of;
//! - [`ShiftDue::ShiftEnded`] when a shift ended in the window, the counselor is still
//!   available and no covered shift (of any topic) runs at `now`: back-to-back shifts
//!   (10:00–12:00 and 12:00–14:00) do not switch off in between. At most one per run, naming
//!   the shift that ended last; its [`AtShiftEnd`] is [`AtShiftEnd::SwitchOff`] if the
//!   counselor chose the automatic switch-off, otherwise [`AtShiftEnd::RemindToSwitchOff`];
//! - `now <= since` (a repeated or backwards clock) decides nothing.
//!
//! Reminders need the counselor not available, the end decision needs them available, so one
//! run returns reminders or an end decision, never both.
//!
//! Shifts are the occurrences of covered weekly slots ([`shifts`]), so they follow the
//! schedule's exceptions (a closure cuts a shift) and its daylight-saving rule. Extra hours
//! of a dated exception are not weekly slots; nobody covers them, and the plan shows them as
//! gaps.

use std::collections::BTreeSet;

use crate::ids::{CounselorId, TopicId};
use crate::schedule::{
    add_days, ClockTime, Date, Occurrence, Origin, Schedule, ScheduleError, SlotKey, Weekday,
};
use crate::time::Timestamp;

/// The stable reason code of an automatic switch-off at the end of a shift.
pub const SHIFT_ENDED: &str = "shift_ended";

/// The weekly slots of one topic that a counselor covers.
///
/// Built against the topic's schedule, which refuses slots it does not have. Stored as a list
/// of [`SlotKey`]s (see [`crate::schedule::storage`]); when the schedule changes later, keys of
/// slots it no longer has are simply never due.
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct CoveredSlots(BTreeSet<SlotKey>);

impl CoveredSlots {
    /// No slots.
    pub fn none() -> CoveredSlots {
        CoveredSlots::default()
    }

    /// The given slots; refuses one the schedule does not have (`unknown_slot`).
    pub fn new(
        schedule: &Schedule,
        slots: impl IntoIterator<Item = SlotKey>,
    ) -> Result<CoveredSlots, ScheduleError> {
        let mut covered = BTreeSet::new();
        for key in slots {
            if schedule.slot(key).is_none() {
                return Err(ScheduleError::UnknownSlot {
                    slot: key.to_string(),
                    known: slot_list(schedule),
                });
            }
            covered.insert(key);
        }
        Ok(CoveredSlots(covered))
    }

    /// The slots written in the weekly [text syntax](crate::schedule::parse_slots), each of
    /// which must be a slot of the schedule exactly (same day, start and end):
    /// `Mo-Fr 10:00-12:00; Sa 10:00-13:00`.
    pub fn parse(schedule: &Schedule, text: &str) -> Result<CoveredSlots, ScheduleError> {
        let mut keys = Vec::new();
        for slot in crate::schedule::parse_slots(text)? {
            if schedule.slot(slot.key()) != Some(slot) {
                return Err(ScheduleError::UnknownSlot {
                    slot: slot.to_string(),
                    known: slot_list(schedule),
                });
            }
            keys.push(slot.key());
        }
        CoveredSlots::new(schedule, keys)
    }

    pub fn contains(&self, key: SlotKey) -> bool {
        self.0.contains(&key)
    }

    pub fn iter(&self) -> impl Iterator<Item = SlotKey> + '_ {
        self.0.iter().copied()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One occurrence of a covered slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Shift {
    /// Begins (inclusive).
    pub start: Timestamp,
    /// Ends (exclusive).
    pub end: Timestamp,
    pub topic: TopicId,
    pub slot: SlotKey,
    /// The local date the slot is set on.
    pub date: Date,
}

impl Shift {
    pub fn is_running(&self, at: Timestamp) -> bool {
        self.start <= at && at < self.end
    }
}

/// The shifts of `covered` slots of `topic` that touch `(from, to]`: those that start, end or
/// run in it. Pass `(since, now)` of a run of [`due`]; concatenate the shifts of all topics the
/// counselor covers.
pub fn shifts(
    topic: TopicId,
    schedule: &Schedule,
    covered: &CoveredSlots,
    from: Timestamp,
    to: Timestamp,
) -> Vec<Shift> {
    schedule
        .occurrences(from, to.plus_millis(1))
        .into_iter()
        .filter_map(|occurrence| match occurrence.origin {
            Origin::Weekly(slot) if covered.contains(slot) => Some(Shift {
                start: occurrence.start,
                end: occurrence.end,
                topic,
                slot,
                date: occurrence.date,
            }),
            _ => None,
        })
        .collect()
}

/// What the decision needs to know about the counselor at `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CounselorNow {
    /// Available (switched on, not absent, connected) right now.
    pub available: bool,
    /// They chose to be switched off automatically at the end of their shifts.
    pub auto_switch_off: bool,
}

/// What to do at the end of a shift.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AtShiftEnd {
    /// Remind the counselor to switch off.
    RemindToSwitchOff,
    /// Switch the counselor off, reason [`SHIFT_ENDED`].
    SwitchOff,
}

/// Something due for a counselor at `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShiftDue {
    /// A covered shift began and the counselor is not yet available: remind them, with an
    /// action that switches on.
    ShiftStarted { shift: Shift },
    /// A covered shift ended while they are available and no other covered shift runs.
    ShiftEnded { shift: Shift, action: AtShiftEnd },
}

/// What is due between the last run `since` and `now`; see the [module](self) for the rules.
/// `shifts` holds at least every covered shift (of every topic) touching `(since, now]`.
pub fn due(
    shifts: &[Shift],
    counselor: CounselorNow,
    since: Timestamp,
    now: Timestamp,
) -> Vec<ShiftDue> {
    if now <= since {
        return Vec::new();
    }
    let in_window = |at: Timestamp| since < at && at <= now;
    let mut started: Vec<Shift> = shifts
        .iter()
        .copied()
        .filter(|s| in_window(s.start) && s.is_running(now))
        .collect();
    started.sort();
    started.dedup();
    if !counselor.available {
        return started
            .into_iter()
            .map(|shift| ShiftDue::ShiftStarted { shift })
            .collect();
    }
    if shifts.iter().any(|s| s.is_running(now)) {
        return Vec::new();
    }
    let last_ended = shifts
        .iter()
        .copied()
        .filter(|s| in_window(s.end))
        .max_by_key(|s| (s.end, s.start, s.topic, s.slot));
    let action = if counselor.auto_switch_off {
        AtShiftEnd::SwitchOff
    } else {
        AtShiftEnd::RemindToSwitchOff
    };
    last_ended
        .map(|shift| ShiftDue::ShiftEnded { shift, action })
        .into_iter()
        .collect()
}

/// One occurrence in a topic's weekly plan, with who covers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanEntry {
    pub occurrence: Occurrence,
    /// The weekday of the date it is set on.
    pub weekday: Weekday,
    /// Local start.
    pub start: ClockTime,
    /// Local end; `24:00` when it ends at the next midnight.
    pub end: ClockTime,
    /// Who covers it, by id. Empty for extra hours (nobody covers those).
    pub counselors: Vec<CounselorId>,
}

impl PlanEntry {
    /// Whether somebody covers it; a plan highlights the entries nobody covers.
    pub fn is_covered(&self) -> bool {
        !self.counselors.is_empty()
    }
}

/// A topic's plan for one week (Monday to Sunday, local dates).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeekPlan {
    /// The Monday the week begins with.
    pub monday: Date,
    /// Every occurrence set on a date of the week, by start.
    pub entries: Vec<PlanEntry>,
    /// The weekly slots nobody covers at all (whatever the week's exceptions), in order.
    pub uncovered_slots: Vec<SlotKey>,
}

impl WeekPlan {
    /// The entries nobody covers.
    pub fn gaps(&self) -> impl Iterator<Item = &PlanEntry> {
        self.entries.iter().filter(|entry| !entry.is_covered())
    }

    /// The entries of one weekday, for a grid with a column (or, on a phone, a row) per day.
    pub fn on(&self, weekday: Weekday) -> impl Iterator<Item = &PlanEntry> {
        self.entries
            .iter()
            .filter(move |entry| entry.weekday == weekday)
    }
}

/// The plan of the week containing `day`: every occurrence of the topic's schedule set on a
/// date of that week, with the counselors whose covered slots include its slot.
pub fn week_plan<'a>(
    schedule: &Schedule,
    day: Date,
    coverage: impl IntoIterator<Item = (CounselorId, &'a CoveredSlots)>,
) -> WeekPlan {
    let coverage: Vec<(CounselorId, &CoveredSlots)> = coverage.into_iter().collect();
    let back = i64::from(Weekday::of(day).index());
    let monday = add_days(day, -back).unwrap_or(day);
    let sunday = add_days(monday, 6).unwrap_or(monday);
    let covering = |key: SlotKey| -> Vec<CounselorId> {
        let mut ids: Vec<CounselorId> = coverage
            .iter()
            .filter(|(_, covered)| covered.contains(key))
            .map(|(id, _)| *id)
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let zone = schedule.zone();
    let entries = schedule
        .occurrences_on_dates(monday, sunday)
        .into_iter()
        .map(|occurrence| {
            let (start_date, start) = zone.local_at(occurrence.start);
            let (end_date, mut end) = zone.local_at(occurrence.end);
            if end == ClockTime::MIDNIGHT && add_days(start_date, 1) == Some(end_date) {
                end = ClockTime::END_OF_DAY;
            }
            let counselors = match occurrence.origin {
                Origin::Weekly(key) => covering(key),
                Origin::ExtraHours => Vec::new(),
            };
            PlanEntry {
                occurrence,
                weekday: Weekday::of(occurrence.date),
                start,
                end,
                counselors,
            }
        })
        .collect();
    let uncovered_slots = schedule
        .weekly()
        .iter()
        .map(|slot| slot.key())
        .filter(|&key| covering(key).is_empty())
        .collect();
    WeekPlan {
        monday,
        entries,
        uncovered_slots,
    }
}

/// The weekly slots of a schedule in order, for messages.
fn slot_list(schedule: &Schedule) -> String {
    if schedule.weekly().is_empty() {
        return "none".to_owned();
    }
    let slots: Vec<String> = schedule.weekly().iter().map(|s| s.to_string()).collect();
    slots.join(", ")
}

#[cfg(test)]
mod tests;
