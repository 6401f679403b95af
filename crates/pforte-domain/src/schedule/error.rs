//! Why a schedule (or a part of it, or a counselor's covered slots) was refused.

use thiserror::Error;

/// Why a schedule, a part of it or a counselor's covered slots were refused. Nothing is stored
/// when one of these comes back. Every variant has its own stable [`code`](Self::code); the
/// message (English, for logs and the CLI) names the offending part and says how to write it.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ScheduleError {
    /// The time zone is not in the IANA time zone database (e.g. `Europe/Berln`).
    #[error("unknown time zone \"{name}\": use an IANA name such as Europe/Berlin")]
    UnknownTimeZone { name: String },

    /// A day name the text syntax does not know.
    #[error(
        "unknown weekday \"{found}\" in \"{part}\": use Mo, Di, Mi, Do, Fr, Sa, So \
         (or Mo, Tu, We, Th, Fr, Sa, Su), a range like Mo-Fr or a list like Mo,Mi"
    )]
    UnknownWeekday { found: String, part: String },

    /// A group of the text syntax has times but no day in front of them.
    #[error("no weekday or date before the times in \"{part}\": write e.g. \"Mo-Fr 10:00-12:00\"")]
    MissingWeekday { part: String },

    /// A group of the text syntax has a day but no times after it.
    #[error("no times after the day in \"{part}\": write e.g. \"{part} 10:00-12:00\"")]
    MissingTimes { part: String },

    /// A clock time that is not `H`, `H:MM` or `HH:MM` between 00:00 and 24:00.
    #[error("invalid time \"{found}\" in \"{part}\": write HH:MM between 00:00 and 24:00")]
    InvalidTime { found: String, part: String },

    /// A time range that is not `start-end`.
    #[error("invalid time range \"{found}\" in \"{part}\": write start-end, e.g. 10:00-12:00")]
    InvalidTimeRange { found: String, part: String },

    /// A date that is not a real `YYYY-MM-DD` (or `DD.MM.YYYY`) date.
    #[error(
        "invalid date \"{found}\" in \"{part}\": write YYYY-MM-DD (or DD.MM.YYYY), e.g. 2026-12-24"
    )]
    InvalidDate { found: String, part: String },

    /// A dated exception whose words are neither `closed` nor times (nor `open` + times).
    #[error(
        "cannot read the exception \"{part}\": write \"2026-12-24 closed\", \
         \"2026-12-31 closed 14:00-16:00\" or \"2026-12-31 10:00-12:00\" (extra hours)"
    )]
    InvalidException { part: String },

    /// A slot or range whose end equals its start.
    #[error("the time range {range} is empty: its end must differ from its start")]
    EmptySlot { range: String },

    /// A slot or range whose end is before its start and which is too long to be read as
    /// crossing midnight (at most 12 hours; e.g. 22:00-02:00 is fine, 16:00-14:00 is not).
    #[error(
        "the time range {range} ends before it starts; a range across midnight \
         (e.g. 22:00-02:00) may last at most 12 hours"
    )]
    InvertedSlot { range: String },

    /// Two weekly slots share some time (touching, e.g. 10:00-12:00 and 12:00-14:00, is fine).
    #[error("the weekly slots {first} and {second} overlap")]
    OverlappingSlots { first: String, second: String },

    /// Extra hours on a date share some time with a regular slot that is not closed on that
    /// date, or with other extra hours.
    #[error("the extra hours {exception} overlap {other}")]
    OverlappingExtraHours { exception: String, other: String },

    /// A dated exception being newly set that ends at or before `now`.
    #[error("the exception {exception} is in the past")]
    ExceptionInPast { exception: String },

    /// A covered slot that is not a weekly slot of the topic's schedule.
    #[error("{slot} is not a weekly slot of this topic (its slots: {known})")]
    UnknownSlot { slot: String, known: String },

    /// More weekly slots than a schedule holds.
    #[error("too many weekly slots: at most {max}")]
    TooManySlots { max: usize },

    /// More dated exceptions than a schedule holds.
    #[error("too many exceptions: at most {max}")]
    TooManyExceptions { max: usize },

    /// A free-text note longer than a schedule holds.
    #[error("the note is too long: at most {max_chars} characters")]
    NoteTooLong { max_chars: usize },
}

impl ScheduleError {
    /// The stable machine-readable code of this error, one per variant.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownTimeZone { .. } => "unknown_time_zone",
            Self::UnknownWeekday { .. } => "unknown_weekday",
            Self::MissingWeekday { .. } => "missing_weekday",
            Self::MissingTimes { .. } => "missing_times",
            Self::InvalidTime { .. } => "invalid_time",
            Self::InvalidTimeRange { .. } => "invalid_time_range",
            Self::InvalidDate { .. } => "invalid_date",
            Self::InvalidException { .. } => "invalid_exception",
            Self::EmptySlot { .. } => "empty_slot",
            Self::InvertedSlot { .. } => "inverted_slot",
            Self::OverlappingSlots { .. } => "overlapping_slots",
            Self::OverlappingExtraHours { .. } => "overlapping_extra_hours",
            Self::ExceptionInPast { .. } => "exception_in_past",
            Self::UnknownSlot { .. } => "unknown_slot",
            Self::TooManySlots { .. } => "too_many_slots",
            Self::TooManyExceptions { .. } => "too_many_exceptions",
            Self::NoteTooLong { .. } => "note_too_long",
        }
    }
}
