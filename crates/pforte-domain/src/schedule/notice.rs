//! The asker page's sentence about the next opening, and its parts.

use super::clock::{ClockTime, Date, Weekday};
use super::zone::OrgZone;
use super::{add_days, Opening};
use crate::time::Timestamp;

/// Which day an opening begins on, seen from `now` in the organisation's zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DayRef {
    /// The same local date as `now`.
    Today,
    /// The next local date.
    Tomorrow,
    /// Two to six days ahead: named by its weekday ("Montag").
    Weekday(Weekday),
    /// A week or more ahead: named by its date.
    Date(Date),
}

impl DayRef {
    /// How the German sentence names the day: `heute`, `morgen`, `Montag`,
    /// `Montag, 28.12.2026,`.
    pub fn german(self) -> String {
        match self {
            DayRef::Today => "heute".to_owned(),
            DayRef::Tomorrow => "morgen".to_owned(),
            DayRef::Weekday(day) => day.german().to_owned(),
            DayRef::Date(date) => format!(
                "{}, {:02}.{:02}.{},",
                Weekday::of(date).german(),
                date.day(),
                date.month(),
                date.year()
            ),
        }
    }

    /// How the English sentence names the day: `today`, `tomorrow`, `Monday`,
    /// `Monday, 28 December 2026,`.
    pub fn english(self) -> String {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        match self {
            DayRef::Today => "today".to_owned(),
            DayRef::Tomorrow => "tomorrow".to_owned(),
            DayRef::Weekday(day) => day.english().to_owned(),
            DayRef::Date(date) => {
                let month = MONTHS[usize::from(date.month().unsigned_abs()).clamp(1, 12) - 1];
                format!(
                    "{}, {} {month} {},",
                    Weekday::of(date).english(),
                    date.day(),
                    date.year()
                )
            }
        }
    }
}

/// When the chat is open again, in the parts the asker page shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReopeningNotice {
    /// The opening in real time.
    pub opening: Opening,
    /// The day it begins on, seen from `now`.
    pub day: DayRef,
    /// Its local date.
    pub date: Date,
    /// Its local start.
    pub start: ClockTime,
    /// Its local end; `24:00` when it ends at the next midnight.
    pub end: ClockTime,
}

impl ReopeningNotice {
    pub(crate) fn new(zone: &OrgZone, opening: Opening, now: Timestamp) -> ReopeningNotice {
        let today = zone.date_at(now);
        let (date, start) = zone.local_at(opening.start);
        let (end_date, mut end) = zone.local_at(opening.end);
        if end == ClockTime::MIDNIGHT && add_days(date, 1) == Some(end_date) {
            end = ClockTime::END_OF_DAY;
        }
        let ahead = (0..7).find(|&days| add_days(today, days) == Some(date));
        let day = match ahead {
            Some(0) => DayRef::Today,
            Some(1) => DayRef::Tomorrow,
            Some(_) => DayRef::Weekday(Weekday::of(date)),
            None => DayRef::Date(date),
        };
        ReopeningNotice {
            opening,
            day,
            date,
            start,
            end,
        }
    }

    /// `Der Chat ist wieder geöffnet: heute 14:00–16:00 Uhr` (or `morgen`, `Montag`,
    /// `Montag, 28.12.2026,`).
    pub fn german(&self) -> String {
        format!(
            "Der Chat ist wieder geöffnet: {} {}–{} Uhr",
            self.day.german(),
            self.start,
            self.end
        )
    }

    /// `Chat opens again: today 14:00–16:00` (or `tomorrow`, `Monday`,
    /// `Monday, 28 December 2026,`).
    pub fn english(&self) -> String {
        format!(
            "Chat opens again: {} {}–{}",
            self.day.english(),
            self.start,
            self.end
        )
    }
}
