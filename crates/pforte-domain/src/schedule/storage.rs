//! How a schedule is stored: `serde`, for JSON in a text column.
//!
//! The shape (every field required unless said; unknown fields are refused):
//!
//! ```json
//! {
//!   "time_zone": "Europe/Berlin",
//!   "weekly": [
//!     { "day": "monday", "start": "10:00", "end": "12:00" },
//!     { "day": "friday", "start": "22:00", "end": "02:00" }
//!   ],
//!   "exceptions": [
//!     { "date": "2026-12-24", "kind": "closed" },
//!     { "date": "2026-12-31", "kind": "closed", "start": "14:00", "end": "16:00" },
//!     { "date": "2026-12-31", "kind": "open", "start": "10:00", "end": "12:00" }
//!   ],
//!   "note": "Zwischen den Jahren eingeschränkt."
//! }
//! ```
//!
//! - `day`: `monday` … `sunday`; `start`/`end`: `HH:MM`, the end may be `24:00` and is read as
//!   [`TimeRange`] reads it (an end before the start crosses midnight).
//! - `kind`: `closed` without times is closed all day, `closed` with `start` and `end` is closed
//!   for that range, `open` (with both, required) is extra hours.
//! - `note` may be omitted (empty).
//!
//! Reading checks everything [`ScheduleDraft::build`](super::ScheduleDraft::build) checks except
//! whether exceptions are past (a stored schedule keeps its old exceptions), and fails with the
//! [`ScheduleError`] message. Writing produces the same shape, sorted.
//! A counselor's covered slots are stored as `[{ "day": "monday", "start": "10:00" }]`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::clock::{ClockTime, Date, Exception, Slot, SlotKey, TimeRange, Weekday};
use super::error::ScheduleError;
use super::zone::OrgZone;
use super::Schedule;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleDoc {
    time_zone: String,
    weekly: Vec<SlotDoc>,
    exceptions: Vec<ExceptionDoc>,
    #[serde(default)]
    note: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlotDoc {
    day: Weekday,
    start: ClockTime,
    end: ClockTime,
}

#[derive(Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum ExceptionKind {
    Closed,
    Open,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExceptionDoc {
    date: String,
    kind: ExceptionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    start: Option<ClockTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    end: Option<ClockTime>,
}

impl TryFrom<ScheduleDoc> for Schedule {
    type Error = ScheduleError;

    fn try_from(doc: ScheduleDoc) -> Result<Self, Self::Error> {
        let zone = OrgZone::parse(&doc.time_zone)?;
        let weekly = doc
            .weekly
            .into_iter()
            .map(|slot| Ok(Slot::new(slot.day, TimeRange::new(slot.start, slot.end)?)))
            .collect::<Result<Vec<_>, ScheduleError>>()?;
        let exceptions = doc
            .exceptions
            .into_iter()
            .map(ExceptionDoc::into_exception)
            .collect::<Result<Vec<_>, ScheduleError>>()?;
        Schedule::from_parts(zone, weekly, exceptions, doc.note)
    }
}

impl ExceptionDoc {
    fn into_exception(self) -> Result<Exception, ScheduleError> {
        let part = format!(
            "{} {}",
            self.date,
            match self.kind {
                ExceptionKind::Closed => "closed",
                ExceptionKind::Open => "open",
            }
        );
        let date: Date = self
            .date
            .parse()
            .ok()
            .filter(|_| self.date.len() == 10)
            .ok_or_else(|| ScheduleError::InvalidDate {
                found: self.date.clone(),
                part: part.clone(),
            })?;
        let range = match (self.start, self.end) {
            (None, None) => None,
            (Some(start), Some(end)) => Some(TimeRange::new(start, end)?),
            _ => return Err(ScheduleError::InvalidException { part }),
        };
        match (self.kind, range) {
            (ExceptionKind::Closed, None) => Ok(Exception::Closed { date }),
            (ExceptionKind::Closed, Some(range)) => Ok(Exception::ClosedDuring { date, range }),
            (ExceptionKind::Open, Some(range)) => Ok(Exception::ExtraHours { date, range }),
            (ExceptionKind::Open, None) => Err(ScheduleError::InvalidException { part }),
        }
    }

    fn from_exception(exception: &Exception) -> ExceptionDoc {
        let (kind, range) = match *exception {
            Exception::Closed { .. } => (ExceptionKind::Closed, None),
            Exception::ClosedDuring { range, .. } => (ExceptionKind::Closed, Some(range)),
            Exception::ExtraHours { range, .. } => (ExceptionKind::Open, Some(range)),
        };
        ExceptionDoc {
            date: exception.date().to_string(),
            kind,
            start: range.map(TimeRange::start),
            end: range.map(TimeRange::end),
        }
    }
}

impl From<&Schedule> for ScheduleDoc {
    fn from(schedule: &Schedule) -> Self {
        ScheduleDoc {
            time_zone: schedule.zone().name().to_owned(),
            weekly: schedule
                .weekly()
                .iter()
                .map(|slot| SlotDoc {
                    day: slot.weekday,
                    start: slot.range.start(),
                    end: slot.range.end(),
                })
                .collect(),
            exceptions: schedule
                .exceptions()
                .iter()
                .map(ExceptionDoc::from_exception)
                .collect(),
            note: schedule.note().to_owned(),
        }
    }
}

impl Serialize for Schedule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ScheduleDoc::from(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Schedule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let doc = ScheduleDoc::deserialize(deserializer)?;
        Schedule::try_from(doc).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Weekday {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Weekday {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Weekday::from_code(&code).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown day \"{code}\": use monday, tuesday, wednesday, thursday, friday, \
                 saturday or sunday"
            ))
        })
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlotKeyDoc {
    day: Weekday,
    start: ClockTime,
}

impl Serialize for SlotKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SlotKeyDoc {
            day: self.weekday,
            start: self.start,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SlotKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let doc = SlotKeyDoc::deserialize(deserializer)?;
        Ok(SlotKey {
            weekday: doc.day,
            start: doc.start,
        })
    }
}
