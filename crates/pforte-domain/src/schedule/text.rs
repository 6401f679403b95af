//! The compact text syntax of schedules, for the CLI (and a single text field).
//!
//! Groups are separated by `;` or line breaks. A group is either weekly slots or a dated
//! exception:
//!
//! ```text
//! Mo-Fr 10:00-12:00, 14:00-16:00; Sa 10:00-13:00; Fr 22:00-02:00
//! 2026-12-24 closed
//! 2026-12-31 closed 14:00-16:00
//! 2026-12-31 10:00-12:00
//! ```
//!
//! - Days: two letters, German or English, any case (`Mo Di Mi Do Fr Sa So`,
//!   `Mo Tu We Th Fr Sa Su`), ranges `Mo-Fr` (wrapping is fine: `Sa-Mo`), lists `Mo,Mi,Fr`,
//!   mixed `Mo-Mi,Fr`.
//! - Times: `HH:MM`, `H:MM` or a bare hour `10`; `24:00` ends the day; ranges `start-end` (also
//!   with `–`) separated by `,`; a trailing `Uhr` is ignored. See [`TimeRange`] for ranges that
//!   cross midnight.
//! - Exceptions: a date `YYYY-MM-DD` (or `DD.MM.YYYY`), then `closed` (or `geschlossen`) for
//!   the whole day, `closed` + ranges for closed times, or ranges (optionally after `open` /
//!   `geöffnet`) for extra hours.
//!
//! Errors name the group they are in and say how to write it.

use super::clock::{Date, Exception, Slot, TimeRange, Weekday};
use super::error::ScheduleError;

/// Reads weekly groups and dated exceptions from one text (see the [module](self)).
pub fn parse_schedule_text(text: &str) -> Result<(Vec<Slot>, Vec<Exception>), ScheduleError> {
    let mut slots = Vec::new();
    let mut exceptions = Vec::new();
    for group in groups(text) {
        if starts_with_digit(group) {
            exceptions.extend(parse_exception_group(group)?);
        } else {
            slots.extend(parse_weekly_group(group)?);
        }
    }
    Ok((slots, exceptions))
}

/// Reads weekly groups only, e.g. `Mo-Fr 10:00-12:00, 14:00-16:00; Sa 10:00-13:00`.
pub fn parse_slots(text: &str) -> Result<Vec<Slot>, ScheduleError> {
    let mut slots = Vec::new();
    for group in groups(text) {
        if starts_with_digit(group) {
            return Err(missing_weekday(group));
        }
        slots.extend(parse_weekly_group(group)?);
    }
    Ok(slots)
}

/// Reads one dated exception group, e.g. `2026-12-24 closed`. A group with several ranges
/// (`2026-12-31 10:00-12:00, 14:00-15:00`) is several exceptions; use [`parse_exceptions`].
pub fn parse_exception(text: &str) -> Result<Exception, ScheduleError> {
    let group = text.trim();
    let mut parsed = parse_exception_group(group)?;
    match (parsed.pop(), parsed.is_empty()) {
        (Some(exception), true) => Ok(exception),
        _ => Err(ScheduleError::InvalidException {
            part: group.to_owned(),
        }),
    }
}

/// Reads dated exception groups, e.g. `2026-12-24 closed; 2026-12-31 10:00-12:00`.
pub fn parse_exceptions(text: &str) -> Result<Vec<Exception>, ScheduleError> {
    let mut exceptions = Vec::new();
    for group in groups(text) {
        exceptions.extend(parse_exception_group(group)?);
    }
    Ok(exceptions)
}

/// Writes weekly slots in the text syntax, days with the same ranges joined:
/// `Mo-Fr 10:00-12:00, 14:00-16:00; Sa 10:00-13:00`. Parses back to the same slots.
pub fn format_slots(slots: &[Slot]) -> String {
    let mut sorted = slots.to_vec();
    sorted.sort();
    let ranges_of = |day: Weekday| -> Vec<TimeRange> {
        sorted
            .iter()
            .filter(|s| s.weekday == day)
            .map(|s| s.range)
            .collect()
    };
    let mut done = [false; 7];
    let mut groups = Vec::new();
    for day in Weekday::ALL {
        let ranges = ranges_of(day);
        if done[usize::from(day.index())] || ranges.is_empty() {
            continue;
        }
        let days: Vec<Weekday> = Weekday::ALL
            .into_iter()
            .filter(|&other| other >= day && ranges_of(other) == ranges)
            .collect();
        for other in &days {
            done[usize::from(other.index())] = true;
        }
        let ranges: Vec<String> = ranges.iter().map(TimeRange::to_string).collect();
        groups.push(format!("{} {}", format_days(&days), ranges.join(", ")));
    }
    groups.join("; ")
}

/// `Mo-Mi,Fr` for Monday, Tuesday, Wednesday and Friday.
fn format_days(days: &[Weekday]) -> String {
    let mut runs: Vec<(Weekday, Weekday)> = Vec::new();
    for &day in days {
        match runs.last_mut() {
            Some((_, last)) if last.index() + 1 == day.index() => *last = day,
            _ => runs.push((day, day)),
        }
    }
    let runs: Vec<String> = runs
        .into_iter()
        .map(|(first, last)| {
            if first == last {
                first.to_string()
            } else {
                format!("{first}-{last}")
            }
        })
        .collect();
    runs.join(",")
}

fn groups(text: &str) -> impl Iterator<Item = &str> {
    text.split([';', '\n'])
        .map(str::trim)
        .filter(|group| !group.is_empty())
}

fn starts_with_digit(group: &str) -> bool {
    group.bytes().next().is_some_and(|b| b.is_ascii_digit())
}

/// A group that starts with times instead of a day.
fn missing_weekday(group: &str) -> ScheduleError {
    ScheduleError::MissingWeekday {
        part: group.to_owned(),
    }
}

/// `Mo-Fr 10:00-12:00, 14:00-16:00`.
fn parse_weekly_group(group: &str) -> Result<Vec<Slot>, ScheduleError> {
    let split = group.find(|c: char| c.is_ascii_digit());
    let Some(split) = split else {
        return Err(ScheduleError::MissingTimes {
            part: group.to_owned(),
        });
    };
    let (days, times) = group.split_at(split);
    let days = parse_days(days, group)?;
    let ranges = parse_ranges(times, group)?;
    let mut slots = Vec::with_capacity(days.len() * ranges.len());
    for &day in &days {
        for &range in &ranges {
            slots.push(Slot::new(day, range));
        }
    }
    Ok(slots)
}

/// `Mo-Fr`, `Mo,Mi,Fr`, `Sa-Mo`, `Mo-Mi,Fr`.
fn parse_days(text: &str, group: &str) -> Result<Vec<Weekday>, ScheduleError> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let unknown = |found: &str| ScheduleError::UnknownWeekday {
        found: found.to_owned(),
        part: group.to_owned(),
    };
    let day = |name: &str| Weekday::from_abbreviation(name).ok_or_else(|| unknown(name));
    let mut days = Vec::new();
    for item in compact.split(',') {
        match item.split_once(['-', '–']) {
            Some((first, last)) => {
                let (first, last) = (day(first)?, day(last)?);
                let mut current = first;
                days.push(current);
                while current != last {
                    current = current.next();
                    days.push(current);
                }
            }
            None => days.push(day(item)?),
        }
    }
    Ok(days)
}

/// `10:00-12:00, 14:00-16:00` (a trailing `Uhr` is ignored).
fn parse_ranges(text: &str, group: &str) -> Result<Vec<TimeRange>, ScheduleError> {
    let mut text = text.trim();
    if text.len() >= 3 && text[text.len() - 3..].eq_ignore_ascii_case("uhr") {
        text = text[..text.len() - 3].trim_end();
    }
    text.split(',')
        .map(|item| {
            let item = item.trim();
            if item.is_empty() {
                return Err(ScheduleError::InvalidTimeRange {
                    found: item.to_owned(),
                    part: group.to_owned(),
                });
            }
            TimeRange::parse_in(item, group)
        })
        .collect()
}

/// `2026-12-24 closed`, `2026-12-31 closed 14:00-16:00`, `2026-12-31 10:00-12:00`.
fn parse_exception_group(group: &str) -> Result<Vec<Exception>, ScheduleError> {
    let (first, rest) = match group.split_once(char::is_whitespace) {
        Some((first, rest)) => (first, rest.trim()),
        None => (group, ""),
    };
    if first.contains(':') || TimeRange::parse_in(first, group).is_ok() {
        return Err(missing_weekday(group));
    }
    let date = parse_date(first, group)?;
    let lower = rest.to_lowercase();
    let keyword = |words: &[&str]| {
        words
            .iter()
            .find(|w| lower.starts_with(**w))
            .map(|w| rest[w.len()..].trim())
    };
    if let Some(times) = keyword(&["closed", "geschlossen"]) {
        if times.is_empty() {
            return Ok(vec![Exception::Closed { date }]);
        }
        return Ok(parse_ranges(times, group)?
            .into_iter()
            .map(|range| Exception::ClosedDuring { date, range })
            .collect());
    }
    let times = keyword(&["open", "geöffnet", "offen", "extra"]).unwrap_or(rest);
    if !starts_with_digit(times) {
        return Err(ScheduleError::InvalidException {
            part: group.to_owned(),
        });
    }
    Ok(parse_ranges(times, group)?
        .into_iter()
        .map(|range| Exception::ExtraHours { date, range })
        .collect())
}

/// `2026-12-24` or `24.12.2026`.
fn parse_date(text: &str, group: &str) -> Result<Date, ScheduleError> {
    let invalid = || ScheduleError::InvalidDate {
        found: text.to_owned(),
        part: group.to_owned(),
    };
    let number = |s: &str, max_len: usize| -> Result<i16, ScheduleError> {
        if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        s.parse().map_err(|_| invalid())
    };
    let parts: Vec<&str> = if text.contains('-') {
        text.split('-').collect()
    } else {
        let mut parts: Vec<&str> = text.split('.').collect();
        parts.reverse();
        parts
    };
    let [year, month, day] = parts.as_slice() else {
        return Err(invalid());
    };
    if year.len() != 4 {
        return Err(invalid());
    }
    let year = number(year, 4)?;
    let month = i8::try_from(number(month, 2)?).map_err(|_| invalid())?;
    let day = i8::try_from(number(day, 2)?).map_err(|_| invalid())?;
    Date::new(year, month, day).map_err(|_| invalid())
}
