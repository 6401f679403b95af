use super::*;
use proptest::prelude::*;

/// An instant written in RFC 3339 with its offset, e.g. `2026-06-15T14:00:00+02:00`.
fn at(text: &str) -> Timestamp {
    let parsed: jiff::Timestamp = text.parse().expect("a valid RFC 3339 instant");
    Timestamp::from_millis(parsed.as_millisecond())
}

fn date(text: &str) -> Date {
    text.parse().expect("a valid date")
}

/// Monday, 15 June 2026, 09:00 in Berlin (summer time).
fn monday_morning() -> Timestamp {
    at("2026-06-15T09:00:00+02:00")
}

fn schedule(text: &str) -> Schedule {
    schedule_at(text, monday_morning())
}

fn schedule_at(text: &str, now: Timestamp) -> Schedule {
    ScheduleDraft::parse(OrgZone::default(), text)
        .and_then(|draft| draft.build(now))
        .unwrap_or_else(|e| panic!("{text:?} should build: {e}"))
}

fn refused(text: &str) -> ScheduleError {
    match ScheduleDraft::parse(OrgZone::default(), text).and_then(|d| d.build(monday_morning())) {
        Ok(schedule) => panic!("{text:?} should be refused, built {schedule:?}"),
        Err(error) => error,
    }
}

fn slot(text: &str) -> Slot {
    let slots = parse_slots(text).expect("a valid slot");
    assert_eq!(slots.len(), 1, "{text:?} is one slot");
    slots[0]
}

fn german(schedule: &Schedule, now: Timestamp) -> Option<String> {
    schedule.reopening_notice(now).map(|n| n.german())
}

fn english(schedule: &Schedule, now: Timestamp) -> Option<String> {
    schedule.reopening_notice(now).map(|n| n.english())
}

// ----- text syntax ---------------------------------------------------------------------------

#[test]
fn the_usual_week_reads_as_eleven_slots_and_writes_back_the_same() {
    let text = "Mo-Fr 10:00-12:00, 14:00-16:00; Sa 10:00-13:00";
    let slots = parse_slots(text).unwrap();
    assert_eq!(slots.len(), 11);
    assert!(slots.contains(&slot("Mi 14:00-16:00")));
    assert!(slots.contains(&slot("Sa 10:00-13:00")));
    assert_eq!(format_slots(&slots), text);
    assert_eq!(schedule(text).to_text(), text);
}

#[test]
fn days_may_be_german_or_english_in_any_case_as_lists_and_wrapping_ranges() {
    let a = parse_slots("mo,mi,FR 9-10").unwrap();
    let b = parse_slots("Mo, We, Fr 09:00-10:00").unwrap();
    assert_eq!(a, b);
    let weekend = parse_slots("Sa-Mo 10:00–12:00 Uhr").unwrap();
    let days: Vec<Weekday> = weekend.iter().map(|s| s.weekday).collect();
    assert_eq!(days, [Weekday::Saturday, Weekday::Sunday, Weekday::Monday]);
    assert_eq!(
        format_slots(&parse_slots("Mo-Mi,Fr 10:00-11:00").unwrap()),
        "Mo-Mi,Fr 10:00-11:00"
    );
}

#[test]
fn groups_may_be_split_by_line_breaks_and_empty_groups_are_ignored() {
    let (slots, exceptions) =
        parse_schedule_text("Mo 10:00-12:00;\n\n2026-12-24 closed\n; ;Di 08:00-09:00").unwrap();
    assert_eq!(slots, vec![slot("Mo 10:00-12:00"), slot("Di 08:00-09:00")]);
    assert_eq!(
        exceptions,
        vec![Exception::Closed {
            date: date("2026-12-24")
        }]
    );
}

#[test]
fn exceptions_read_as_closed_days_closed_times_and_extra_hours() {
    let range = |t: &str| t.parse::<TimeRange>().unwrap();
    assert_eq!(
        parse_exception("2026-12-24 closed").unwrap(),
        Exception::Closed {
            date: date("2026-12-24")
        }
    );
    assert_eq!(
        parse_exception("24.12.2026 geschlossen").unwrap(),
        Exception::Closed {
            date: date("2026-12-24")
        }
    );
    assert_eq!(
        parse_exception("2026-12-31 closed 14:00-16:00").unwrap(),
        Exception::ClosedDuring {
            date: date("2026-12-31"),
            range: range("14:00-16:00")
        }
    );
    assert_eq!(
        parse_exception("2026-12-31 10:00-12:00").unwrap(),
        Exception::ExtraHours {
            date: date("2026-12-31"),
            range: range("10:00-12:00")
        }
    );
    assert_eq!(
        parse_exception("2026-12-31 geöffnet 10-12 Uhr").unwrap(),
        parse_exception("2026-12-31 open 10:00-12:00").unwrap()
    );
    assert_eq!(
        parse_exceptions("2026-12-31 10:00-12:00, 14:00-15:00")
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        parse_exception("2026-12-31 10:00-12:00, 14:00-15:00")
            .unwrap_err()
            .code(),
        "invalid_exception"
    );
}

#[test]
fn every_exception_writes_back_as_it_reads() {
    for text in [
        "2026-12-24 closed",
        "2026-12-31 closed 14:00-16:00",
        "2026-12-31 10:00-12:00",
        "2026-12-31 22:00-02:00",
    ] {
        assert_eq!(parse_exception(text).unwrap().to_string(), text);
    }
}

#[test]
fn bad_text_is_refused_with_a_code_and_a_message_naming_the_part() {
    let cases = [
        ("Mx 10:00-12:00", "unknown_weekday", "\"Mx\""),
        ("Mo-Xy 10:00-12:00", "unknown_weekday", "\"Xy\""),
        ("Mo-Fr", "missing_times", "Mo-Fr 10:00-12:00"),
        ("10:00-12:00", "missing_weekday", "Mo-Fr 10:00-12:00"),
        ("Mo 25:00-26:00", "invalid_time", "\"25:00\""),
        ("Mo 10:60-11:00", "invalid_time", "\"10:60\""),
        ("Mo 10:5-11:00", "invalid_time", "\"10:5\""),
        ("Mo 24:00-02:00", "invalid_time", "24:00"),
        ("Mo 10:00", "invalid_time_range", "start-end"),
        ("Mo 10:00-12:00,", "invalid_time_range", "start-end"),
        ("2026-02-30 closed", "invalid_date", "\"2026-02-30\""),
        ("26-12-24 closed", "invalid_date", "YYYY-MM-DD"),
        (
            "2026-12-24 holiday",
            "invalid_exception",
            "2026-12-24 closed",
        ),
        ("2026-12-24 open", "invalid_exception", "2026-12-24 closed"),
        ("Mo 10:00-10:00", "empty_slot", "10:00-10:00"),
        ("Mo 00:00-00:00", "empty_slot", "00:00-00:00"),
        ("Mo 16:00-14:00", "inverted_slot", "16:00-14:00"),
        ("Fr 10:00-09:00", "inverted_slot", "at most 12 hours"),
    ];
    for (text, code, in_message) in cases {
        let error = parse_schedule_text(text).expect_err(text);
        assert_eq!(error.code(), code, "{text:?}: {error}");
        let message = error.to_string();
        assert!(
            message.contains(in_message),
            "{text:?}: message {message:?} should contain {in_message:?}"
        );
    }
}

#[test]
fn a_range_crossing_midnight_lasts_until_the_next_morning_for_at_most_twelve_hours() {
    let night = "22:00-02:00".parse::<TimeRange>().unwrap();
    assert_eq!(night.minutes(), 240);
    assert!(night.crosses_midnight());
    assert_eq!(night.end(), ClockTime::new(2, 0).unwrap());
    let twelve = "20:00-08:00".parse::<TimeRange>().unwrap();
    assert_eq!(twelve.minutes(), 12 * 60);
    assert_eq!(
        "19:59-08:00".parse::<TimeRange>().unwrap_err().code(),
        "inverted_slot"
    );
    let until_midnight = "22:00-00:00".parse::<TimeRange>().unwrap();
    assert_eq!(until_midnight, "22:00-24:00".parse().unwrap());
    assert!(!until_midnight.crosses_midnight());
    assert_eq!(until_midnight.to_string(), "22:00-24:00");
    let whole_day = "00:00-24:00".parse::<TimeRange>().unwrap();
    assert_eq!(whole_day, TimeRange::WHOLE_DAY);
    assert_eq!(whole_day.minutes(), 24 * 60);
}

#[test]
fn clock_times_read_hours_minutes_and_the_end_of_the_day() {
    assert_eq!(
        "9".parse::<ClockTime>().unwrap(),
        ClockTime::new(9, 0).unwrap()
    );
    assert_eq!("9:05".parse::<ClockTime>().unwrap().to_string(), "09:05");
    assert_eq!("24:00".parse::<ClockTime>().unwrap(), ClockTime::END_OF_DAY);
    assert!(ClockTime::new(24, 1).is_none());
    assert!(ClockTime::new(23, 60).is_none());
    for bad in ["", "x", "1:2:3", "123", "-1", "24:01", "+1:00"] {
        assert_eq!(
            bad.parse::<ClockTime>().unwrap_err().code(),
            "invalid_time",
            "{bad:?}"
        );
    }
}

// ----- building ------------------------------------------------------------------------------

#[test]
fn overlapping_weekly_slots_are_refused_and_touching_ones_are_fine() {
    let error = refused("Mo 10:00-12:00, 11:00-13:00");
    assert_eq!(error.code(), "overlapping_slots");
    assert_eq!(
        error.to_string(),
        "the weekly slots Mo 10:00-12:00 and Mo 11:00-13:00 overlap"
    );
    assert_eq!(
        refused("Mo-Fr 10:00-12:00; Mi 08:00-10:30").code(),
        "overlapping_slots"
    );
    assert_eq!(
        refused("Mo 10:00-12:00; Mo 10:00-12:00").code(),
        "overlapping_slots"
    );
    assert_eq!(
        refused("Fr 22:00-02:00; Sa 01:00-03:00").code(),
        "overlapping_slots"
    );
    // Across the end of the week: Sunday night runs into Monday morning.
    assert_eq!(
        refused("So 22:00-02:00; Mo 01:00-03:00").code(),
        "overlapping_slots"
    );
    schedule("Mo 10:00-12:00, 12:00-14:00; So 22:00-02:00; Mo 02:00-03:00");
}

#[test]
fn unknown_time_zones_are_refused_and_known_ones_keep_their_canonical_name() {
    for bad in [
        "Europe/Berln",
        "",
        "  ",
        "Mars/Olympus",
        "Etc/Unknown",
        "+02:00",
    ] {
        let error = OrgZone::parse(bad).unwrap_err();
        assert_eq!(error.code(), "unknown_time_zone", "{bad:?}");
        assert!(error.to_string().contains("Europe/Berlin"));
    }
    assert_eq!(
        OrgZone::parse(" europe/berlin ").unwrap().name(),
        "Europe/Berlin"
    );
    assert_eq!(OrgZone::default().name(), "Europe/Berlin");
    assert_eq!(OrgZone::parse("UTC").unwrap().name(), "UTC");
}

#[test]
fn the_time_zone_comes_from_the_bundled_database_not_the_file_system() {
    // TimeZoneDatabase::bundled() never reads /usr/share/zoneinfo; this passes on machines
    // without it. New York checks a zone that is not the default.
    let new_york = OrgZone::parse("America/New_York").unwrap();
    assert_eq!(
        new_york.instant(date("2026-07-04"), 12 * 60),
        Some(at("2026-07-04T16:00:00Z"))
    );
}

#[test]
fn newly_set_exceptions_in_the_past_are_refused() {
    let now = at("2026-12-31T13:00:00+01:00");
    let build = |text: &str| {
        ScheduleDraft::parse(OrgZone::default(), text)
            .unwrap()
            .build(now)
    };
    let error = build("Mo 10:00-12:00; 2026-12-24 closed").unwrap_err();
    assert_eq!(error.code(), "exception_in_past");
    assert_eq!(
        error.to_string(),
        "the exception 2026-12-24 closed is in the past"
    );
    // Ended one hour ago.
    assert_eq!(
        build("2026-12-31 10:00-12:00").unwrap_err().code(),
        "exception_in_past"
    );
    // Ends exactly now.
    assert_eq!(
        build("2026-12-31 closed 12:00-13:00").unwrap_err().code(),
        "exception_in_past"
    );
    // Today's closure still runs; a range that began but did not end is not past.
    assert!(build("2026-12-31 closed").is_ok());
    assert!(build("2026-12-31 12:00-14:00").is_ok());
}

#[test]
fn an_exception_at_the_end_of_the_calendar_is_not_taken_for_a_past_one() {
    let hours = schedule("Mo 10:00-12:00; 9999-12-31 closed");
    assert_eq!(hours.exceptions().len(), 1);
    assert_eq!(
        hours.next_opening(monday_morning()).unwrap().start,
        at("2026-06-15T10:00:00+02:00")
    );
    assert!(hours
        .current_slot(at("2026-06-15T10:30:00+02:00"))
        .is_some());
}

#[test]
fn replacing_a_schedule_keeps_its_past_exceptions_but_refuses_new_past_ones() {
    let set_at = at("2026-12-20T10:00:00+01:00");
    let previous = schedule_at("Mo 10:00-12:00; 2026-12-24 closed", set_at);
    let later = at("2027-01-04T09:00:00+01:00");
    let keep = ScheduleDraft::parse(OrgZone::default(), "Mo 10:00-13:00; 2026-12-24 closed")
        .unwrap()
        .build_replacing(&previous, later)
        .unwrap();
    assert_eq!(keep.to_text(), "Mo 10:00-13:00; 2026-12-24 closed");
    let error = ScheduleDraft::parse(OrgZone::default(), "Mo 10:00-13:00; 2026-12-25 closed")
        .unwrap()
        .build_replacing(&previous, later)
        .unwrap_err();
    assert_eq!(error.code(), "exception_in_past");
}

#[test]
fn extra_hours_must_not_overlap_open_slots_or_each_other() {
    // Thursday 2026-12-31 has the weekly slot 10:00-12:00.
    let error = refused("Do 10:00-12:00; 2026-12-31 11:00-13:00");
    assert_eq!(error.code(), "overlapping_extra_hours");
    assert_eq!(
        error.to_string(),
        "the extra hours 2026-12-31 11:00-13:00 overlap the weekly slot Do 10:00-12:00 on 2026-12-31"
    );
    let error = refused("2026-12-31 10:00-12:00, 11:00-13:00");
    assert_eq!(error.code(), "overlapping_extra_hours");
    // Across midnight into the next date's extra hours.
    assert_eq!(
        refused("2026-12-31 22:00-02:00; 2027-01-01 01:00-03:00").code(),
        "overlapping_extra_hours"
    );
    // Across midnight into a weekly slot of the next day.
    assert_eq!(
        refused("Fr 00:00-02:00; 2026-12-31 23:00-01:00").code(),
        "overlapping_extra_hours"
    );
    // A closure first makes room for them; touching is fine.
    schedule("Do 10:00-12:00; 2026-12-31 closed; 2026-12-31 11:00-13:00");
    schedule("Do 10:00-12:00; 2026-12-31 closed 10:00-12:00; 2026-12-31 10:30-11:30");
    schedule("Do 10:00-12:00; 2026-12-31 12:00-14:00");
}

#[test]
fn limits_on_slots_exceptions_and_the_note_are_enforced() {
    let mut draft = ScheduleDraft::new(OrgZone::default());
    draft.weekly = (0..=MAX_SLOTS as u16)
        .map(|i| {
            let start = ClockTime::from_minutes(i * 10).unwrap();
            let end = ClockTime::from_minutes(i * 10 + 5).unwrap();
            Slot::new(Weekday::Monday, TimeRange::new(start, end).unwrap())
        })
        .collect();
    assert_eq!(
        draft.build(monday_morning()).unwrap_err().code(),
        "too_many_slots"
    );

    let mut draft = ScheduleDraft::new(OrgZone::default());
    let mut day = date("2027-01-01");
    for _ in 0..=MAX_EXCEPTIONS {
        draft.exceptions.push(Exception::Closed { date: day });
        day = day.tomorrow().unwrap();
    }
    assert_eq!(
        draft.build(monday_morning()).unwrap_err().code(),
        "too_many_exceptions"
    );

    let mut draft = ScheduleDraft::new(OrgZone::default());
    draft.note = "ä".repeat(MAX_NOTE_CHARS + 1);
    assert_eq!(
        draft.build(monday_morning()).unwrap_err().code(),
        "note_too_long"
    );
    let mut draft = ScheduleDraft::new(OrgZone::default());
    draft.note = format!("  {}  ", "ä".repeat(MAX_NOTE_CHARS));
    assert_eq!(
        draft.build(monday_morning()).unwrap().note(),
        "ä".repeat(MAX_NOTE_CHARS)
    );
}

#[test]
fn every_error_has_its_own_stable_snake_case_code() {
    let s = String::new;
    let all = [
        ScheduleError::UnknownTimeZone { name: s() },
        ScheduleError::UnknownWeekday {
            found: s(),
            part: s(),
        },
        ScheduleError::MissingWeekday { part: s() },
        ScheduleError::MissingTimes { part: s() },
        ScheduleError::InvalidTime {
            found: s(),
            part: s(),
        },
        ScheduleError::InvalidTimeRange {
            found: s(),
            part: s(),
        },
        ScheduleError::InvalidDate {
            found: s(),
            part: s(),
        },
        ScheduleError::InvalidException { part: s() },
        ScheduleError::EmptySlot { range: s() },
        ScheduleError::InvertedSlot { range: s() },
        ScheduleError::OverlappingSlots {
            first: s(),
            second: s(),
        },
        ScheduleError::OverlappingExtraHours {
            exception: s(),
            other: s(),
        },
        ScheduleError::ExceptionInPast { exception: s() },
        ScheduleError::UnknownSlot {
            slot: s(),
            known: s(),
        },
        ScheduleError::TooManySlots { max: 1 },
        ScheduleError::TooManyExceptions { max: 1 },
        ScheduleError::NoteTooLong { max_chars: 1 },
    ];
    let codes: std::collections::BTreeSet<&str> = all.iter().map(ScheduleError::code).collect();
    assert_eq!(codes.len(), all.len(), "codes are distinct: {codes:?}");
    for code in codes {
        assert!(
            code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{code} is snake_case"
        );
    }
}

// ----- queries and the asker page's sentence -------------------------------------------------

#[test]
fn between_two_slots_the_page_says_the_chat_opens_again_today_in_the_afternoon() {
    let hours = schedule("Mo-Fr 10:00-12:00, 14:00-16:00; Sa 10:00-13:00");
    let lunch = at("2026-06-15T12:30:00+02:00");
    assert_eq!(hours.current_slot(lunch), None);
    assert_eq!(
        german(&hours, lunch).as_deref(),
        Some("Der Chat ist wieder geöffnet: heute 14:00–16:00 Uhr")
    );
    assert_eq!(
        english(&hours, lunch).as_deref(),
        Some("Chat opens again: today 14:00–16:00")
    );
    let next = hours.next_opening(lunch).unwrap();
    assert_eq!(next.start, at("2026-06-15T14:00:00+02:00"));
    assert_eq!(next.end, at("2026-06-15T16:00:00+02:00"));
}

#[test]
fn inside_a_slot_the_current_slot_has_its_instants_and_the_next_opening_is_the_one_after() {
    let hours = schedule("Mo-Fr 10:00-12:00, 14:00-16:00");
    let eleven = at("2026-06-15T11:00:00+02:00");
    let current = hours.current_slot(eleven).unwrap();
    assert_eq!(current.start, at("2026-06-15T10:00:00+02:00"));
    assert_eq!(current.end, at("2026-06-15T12:00:00+02:00"));
    assert_eq!(current.date, date("2026-06-15"));
    assert_eq!(current.origin, Origin::Weekly(slot("Mo 10:00-12:00").key()));
    assert_eq!(
        hours.next_opening(eleven).unwrap().start,
        at("2026-06-15T14:00:00+02:00")
    );
    // The start is inside, the end is not.
    assert!(hours
        .current_slot(at("2026-06-15T10:00:00+02:00"))
        .is_some());
    assert!(hours
        .current_slot(at("2026-06-15T12:00:00+02:00"))
        .is_none());
}

#[test]
fn after_the_last_slot_of_the_day_the_page_says_tomorrow_then_a_weekday_then_a_date() {
    let hours = schedule("Mo-Fr 10:00-12:00, 14:00-16:00; Sa 10:00-13:00");
    let evening = at("2026-06-15T17:00:00+02:00");
    assert_eq!(
        german(&hours, evening).as_deref(),
        Some("Der Chat ist wieder geöffnet: morgen 10:00–12:00 Uhr")
    );
    assert_eq!(
        english(&hours, evening).as_deref(),
        Some("Chat opens again: tomorrow 10:00–12:00")
    );
    // Saturday afternoon: Sunday has no slots, Monday is two days ahead.
    let saturday = at("2026-06-20T14:00:00+02:00");
    assert_eq!(
        german(&hours, saturday).as_deref(),
        Some("Der Chat ist wieder geöffnet: Montag 10:00–12:00 Uhr")
    );
    assert_eq!(
        english(&hours, saturday).as_deref(),
        Some("Chat opens again: Monday 10:00–12:00")
    );
    // A week or more ahead: named by its date.
    let weekly = schedule("Mo 10:00-12:00");
    let after = at("2026-06-15T12:30:00+02:00");
    assert_eq!(
        german(&weekly, after).as_deref(),
        Some("Der Chat ist wieder geöffnet: Montag, 22.06.2026, 10:00–12:00 Uhr")
    );
    assert_eq!(
        english(&weekly, after).as_deref(),
        Some("Chat opens again: Monday, 22 June 2026, 10:00–12:00")
    );
    let notice = weekly.reopening_notice(after).unwrap();
    assert_eq!(notice.day, DayRef::Date(date("2026-06-22")));
    assert_eq!(notice.start, ClockTime::new(10, 0).unwrap());
}

#[test]
fn touching_slots_are_one_opening_for_the_asker() {
    let hours = schedule("Mo 10:00-12:00, 12:00-14:00, 15:00-16:00");
    assert_eq!(
        german(&hours, monday_morning()).as_deref(),
        Some("Der Chat ist wieder geöffnet: heute 10:00–14:00 Uhr")
    );
    let noon = at("2026-06-15T12:00:00+02:00");
    let opening = hours.current_opening(noon).unwrap();
    assert_eq!(opening.start, at("2026-06-15T10:00:00+02:00"));
    assert_eq!(opening.end, at("2026-06-15T14:00:00+02:00"));
    // The current slot is still the single weekly slot.
    assert_eq!(
        hours.current_slot(noon).unwrap().origin,
        Origin::Weekly(slot("Mo 12:00-14:00").key())
    );
    assert_eq!(
        german(&hours, noon).as_deref(),
        Some("Der Chat ist wieder geöffnet: heute 15:00–16:00 Uhr")
    );
}

#[test]
fn a_schedule_without_hours_has_no_next_opening_and_no_sentence() {
    let empty = Schedule::default();
    assert!(empty.is_empty());
    assert_eq!(empty.next_opening(monday_morning()), None);
    assert_eq!(empty.reopening_notice(monday_morning()), None);
    assert_eq!(empty.current_slot(monday_morning()), None);
    let only_past_extra = schedule_at("2026-06-15 10:00-11:00", monday_morning());
    assert_eq!(
        german(&only_past_extra, monday_morning()).as_deref(),
        Some("Der Chat ist wieder geöffnet: heute 10:00–11:00 Uhr")
    );
    assert_eq!(
        only_past_extra.next_opening(at("2026-06-15T10:30:00+02:00")),
        None
    );
}

#[test]
fn a_slot_across_midnight_belongs_to_the_day_it_starts_and_ends_next_morning() {
    let hours = schedule("Fr 22:00-02:00");
    let saturday_night = at("2026-06-20T01:00:00+02:00");
    let current = hours.current_slot(saturday_night).unwrap();
    assert_eq!(current.start, at("2026-06-19T22:00:00+02:00"));
    assert_eq!(current.end, at("2026-06-20T02:00:00+02:00"));
    assert_eq!(current.date, date("2026-06-19"));
    assert_eq!(
        german(&hours, at("2026-06-19T20:00:00+02:00")).as_deref(),
        Some("Der Chat ist wieder geöffnet: heute 22:00–02:00 Uhr")
    );
    assert_eq!(
        german(&hours, at("2026-06-18T20:00:00+02:00")).as_deref(),
        Some("Der Chat ist wieder geöffnet: morgen 22:00–02:00 Uhr")
    );
    let until_midnight = schedule("Fr 20:00-24:00");
    assert_eq!(
        german(&until_midnight, at("2026-06-19T08:00:00+02:00")).as_deref(),
        Some("Der Chat ist wieder geöffnet: heute 20:00–24:00 Uhr")
    );
}

#[test]
fn a_closed_day_skips_its_slots_and_cuts_a_night_slot_running_into_it() {
    let hours = schedule("Do-Fr 10:00-12:00; Fr 22:00-02:00; 2026-06-19 closed; 2026-06-20 closed");
    let thursday_evening = at("2026-06-18T17:00:00+02:00");
    // Friday and Saturday are closed, and with them the night slot: next Thursday opens.
    assert_eq!(
        german(&hours, thursday_evening).as_deref(),
        Some("Der Chat ist wieder geöffnet: Donnerstag, 25.06.2026, 10:00–12:00 Uhr")
    );
    let hours = schedule("Fr 22:00-02:00; 2026-06-20 closed");
    let night = hours.occurrences(
        at("2026-06-19T00:00:00+02:00"),
        at("2026-06-21T00:00:00+02:00"),
    );
    assert_eq!(night.len(), 1);
    assert_eq!(night[0].start, at("2026-06-19T22:00:00+02:00"));
    assert_eq!(night[0].end, at("2026-06-20T00:00:00+02:00"));
    assert_eq!(
        german(&hours, at("2026-06-19T12:00:00+02:00")).as_deref(),
        Some("Der Chat ist wieder geöffnet: heute 22:00–24:00 Uhr")
    );
}

#[test]
fn a_closed_time_range_cuts_a_slot_into_two_occurrences() {
    let hours = schedule("Mo 10:00-12:00; 2026-06-15 closed 10:30-11:00");
    let found = hours.occurrences(monday_morning(), at("2026-06-15T23:00:00+02:00"));
    let spans: Vec<(Timestamp, Timestamp)> = found.iter().map(|o| (o.start, o.end)).collect();
    assert_eq!(
        spans,
        vec![
            (
                at("2026-06-15T10:00:00+02:00"),
                at("2026-06-15T10:30:00+02:00")
            ),
            (
                at("2026-06-15T11:00:00+02:00"),
                at("2026-06-15T12:00:00+02:00")
            ),
        ]
    );
    assert!(found
        .iter()
        .all(|o| o.origin == Origin::Weekly(slot("Mo 10:00-12:00").key())));
    assert_eq!(
        german(&hours, at("2026-06-15T10:45:00+02:00")).as_deref(),
        Some("Der Chat ist wieder geöffnet: heute 11:00–12:00 Uhr")
    );
}

#[test]
fn closed_and_extra_hours_on_one_date_mean_open_only_during_the_extra_hours() {
    let hours =
        schedule("Mo-Fr 10:00-12:00, 14:00-16:00; 2026-12-31 closed; 2026-12-31 10:00-11:00");
    let new_years_eve = at("2026-12-31T08:00:00+01:00");
    assert_eq!(
        german(&hours, new_years_eve).as_deref(),
        Some("Der Chat ist wieder geöffnet: heute 10:00–11:00 Uhr")
    );
    let later = at("2026-12-31T11:30:00+01:00");
    // Friday 1 January is a normal Friday.
    assert_eq!(
        german(&hours, later).as_deref(),
        Some("Der Chat ist wieder geöffnet: morgen 10:00–12:00 Uhr")
    );
    assert_eq!(
        hours
            .current_slot(at("2026-12-31T10:30:00+01:00"))
            .unwrap()
            .origin,
        Origin::ExtraHours
    );
}

#[test]
fn a_long_closure_pushes_the_next_opening_weeks_ahead() {
    let mut text = String::from("Mo-Fr 10:00-12:00");
    let mut day = date("2026-06-15");
    for _ in 0..30 {
        text.push_str(&format!("; {day} closed"));
        day = day.tomorrow().unwrap();
    }
    let hours = schedule(&text);
    // The 30 closed days run to Tuesday 14 July; Wednesday 15 July opens again.
    assert_eq!(
        german(&hours, monday_morning()).as_deref(),
        Some("Der Chat ist wieder geöffnet: Mittwoch, 15.07.2026, 10:00–12:00 Uhr")
    );
}

#[test]
fn extra_hours_alone_give_the_next_opening() {
    let hours = schedule("2026-12-28 10:00-12:00; 2026-12-29 10:00-12:00");
    assert_eq!(
        german(&hours, at("2026-12-28T12:00:00+01:00")).as_deref(),
        Some("Der Chat ist wieder geöffnet: morgen 10:00–12:00 Uhr")
    );
    assert_eq!(hours.next_opening(at("2026-12-29T10:00:00+01:00")), None);
}

#[test]
fn queries_at_the_ends_of_time_answer_without_panicking() {
    let hours = schedule("Mo-Fr 10:00-12:00; 2026-12-24 closed");
    for now in [
        Timestamp::from_millis(i64::MIN),
        Timestamp::from_millis(i64::MAX),
    ] {
        let _ = hours.current_slot(now);
        let _ = hours.current_opening(now);
        let _ = hours.reopening_notice(now);
        let _ = hours.occurrences(now, now.plus_millis(DAY_MS));
    }
    assert!(hours
        .next_opening(Timestamp::from_millis(i64::MAX))
        .is_none());
}

// ----- daylight saving time (Europe/Berlin) --------------------------------------------------

#[test]
fn a_slot_on_the_day_summer_time_begins_has_the_right_instants() {
    // 29 March 2026: at 02:00 CET the clocks jump to 03:00 CEST.
    let hours = schedule_at("So 01:00-04:00, 10:00-12:00", at("2026-03-01T00:00:00Z"));
    let day = hours.occurrences_on_dates(date("2026-03-29"), date("2026-03-29"));
    let spans: Vec<(Timestamp, Timestamp)> = day.iter().map(|o| (o.start, o.end)).collect();
    assert_eq!(
        spans,
        vec![
            // 01:00 CET to 04:00 CEST: two real hours.
            (at("2026-03-29T00:00:00Z"), at("2026-03-29T02:00:00Z")),
            (at("2026-03-29T08:00:00Z"), at("2026-03-29T10:00:00Z")),
        ]
    );
    // The Sunday before is still winter time.
    let before = hours.occurrences_on_dates(date("2026-03-22"), date("2026-03-22"));
    assert_eq!(before[1].start, at("2026-03-22T09:00:00Z"));
    let notice = hours
        .reopening_notice(at("2026-03-29T03:30:00+02:00"))
        .unwrap();
    assert_eq!(
        notice.german(),
        "Der Chat ist wieder geöffnet: heute 10:00–12:00 Uhr"
    );
}

#[test]
fn a_time_skipped_by_summer_time_is_the_moment_of_the_jump() {
    let zone = OrgZone::default();
    // 02:30 does not exist on 29 March 2026: the jump is at 01:00 UTC (03:00 CEST).
    assert_eq!(
        zone.instant(date("2026-03-29"), 2 * 60 + 30),
        Some(at("2026-03-29T01:00:00Z"))
    );
    assert_eq!(
        zone.instant(date("2026-03-29"), 2 * 60),
        Some(at("2026-03-29T01:00:00Z"))
    );
    assert_eq!(
        zone.instant(date("2026-03-29"), 3 * 60),
        Some(at("2026-03-29T01:00:00Z"))
    );
    let hours = schedule_at("So 02:30-04:00", at("2026-03-01T00:00:00Z"));
    let day = hours.occurrences_on_dates(date("2026-03-29"), date("2026-03-29"));
    assert_eq!(day.len(), 1);
    assert_eq!(day[0].start, at("2026-03-29T03:00:00+02:00"));
    assert_eq!(day[0].end, at("2026-03-29T04:00:00+02:00"));
    assert_eq!(
        hours
            .reopening_notice(at("2026-03-29T00:30:00+01:00"))
            .unwrap()
            .german(),
        "Der Chat ist wieder geöffnet: heute 03:00–04:00 Uhr"
    );
    // A slot entirely inside the skipped hour does not take place that day, but the week after.
    let gone = schedule_at("So 02:00-02:45", at("2026-03-01T00:00:00Z"));
    assert!(gone
        .occurrences_on_dates(date("2026-03-29"), date("2026-03-29"))
        .is_empty());
    assert_eq!(
        gone.next_opening(at("2026-03-28T12:00:00Z")).unwrap().start,
        at("2026-04-05T02:00:00+02:00")
    );
}

#[test]
fn a_slot_on_the_day_summer_time_ends_has_the_right_instants() {
    // 25 October 2026: at 03:00 CEST the clocks go back to 02:00 CET.
    let hours = schedule_at("So 01:00-04:00, 10:00-12:00", at("2026-10-01T00:00:00Z"));
    let day = hours.occurrences_on_dates(date("2026-10-25"), date("2026-10-25"));
    let spans: Vec<(Timestamp, Timestamp)> = day.iter().map(|o| (o.start, o.end)).collect();
    assert_eq!(
        spans,
        vec![
            // 01:00 CEST to 04:00 CET: four real hours.
            (at("2026-10-24T23:00:00Z"), at("2026-10-25T03:00:00Z")),
            (at("2026-10-25T09:00:00Z"), at("2026-10-25T11:00:00Z")),
        ]
    );
    // The Sunday before is still summer time.
    let before = hours.occurrences_on_dates(date("2026-10-18"), date("2026-10-18"));
    assert_eq!(before[1].start, at("2026-10-18T08:00:00Z"));
}

#[test]
fn a_time_repeated_when_summer_time_ends_is_its_earlier_instant() {
    let zone = OrgZone::default();
    // 02:30 happens twice on 25 October 2026: first 02:30 CEST (00:30 UTC), then 02:30 CET.
    assert_eq!(
        zone.instant(date("2026-10-25"), 2 * 60 + 30),
        Some(at("2026-10-25T02:30:00+02:00"))
    );
    let hours = schedule_at("So 02:30-03:30; Sa 22:00-02:30", at("2026-10-01T00:00:00Z"));
    let found = hours.occurrences(at("2026-10-24T12:00:00Z"), at("2026-10-25T12:00:00Z"));
    let spans: Vec<(Timestamp, Timestamp)> = found.iter().map(|o| (o.start, o.end)).collect();
    assert_eq!(
        spans,
        vec![
            // Saturday night ends at the first 02:30 (CEST).
            (
                at("2026-10-24T22:00:00+02:00"),
                at("2026-10-25T02:30:00+02:00")
            ),
            // Sunday's slot starts at the first 02:30 and ends at 03:30 CET: two real hours.
            (
                at("2026-10-25T02:30:00+02:00"),
                at("2026-10-25T03:30:00+01:00")
            ),
        ]
    );
    // The current slot during the repeated hour (02:45 CET, the second pass) is Sunday's.
    let second_pass = at("2026-10-25T02:45:00+01:00");
    assert_eq!(
        hours.current_slot(second_pass).unwrap().origin,
        Origin::Weekly(slot("So 02:30-03:30").key())
    );
}

#[test]
fn a_night_slot_across_the_spring_change_ends_at_the_right_hour() {
    let hours = schedule_at("Sa 22:00-04:00", at("2026-03-01T00:00:00Z"));
    let night = hours.occurrences_on_dates(date("2026-03-28"), date("2026-03-28"));
    assert_eq!(night[0].start, at("2026-03-28T22:00:00+01:00"));
    assert_eq!(night[0].end, at("2026-03-29T04:00:00+02:00"));
    assert_eq!(
        night[0].end.as_millis() - night[0].start.as_millis(),
        5 * 3_600_000
    );
}

// ----- storage -------------------------------------------------------------------------------

#[test]
fn a_schedule_is_stored_as_the_documented_json_and_read_back() {
    let mut draft = ScheduleDraft::parse(
        OrgZone::default(),
        "Mo 10:00-12:00; Fr 22:00-02:00; 2026-12-24 closed; 2026-12-31 closed 14:00-16:00; \
         2026-12-31 10:00-12:00",
    )
    .unwrap();
    draft.note = "Zwischen den Jahren eingeschränkt.".to_owned();
    let hours = draft.build(monday_morning()).unwrap();
    let json = serde_json::to_value(&hours).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "time_zone": "Europe/Berlin",
            "weekly": [
                { "day": "monday", "start": "10:00", "end": "12:00" },
                { "day": "friday", "start": "22:00", "end": "02:00" }
            ],
            "exceptions": [
                { "date": "2026-12-24", "kind": "closed" },
                { "date": "2026-12-31", "kind": "closed", "start": "14:00", "end": "16:00" },
                { "date": "2026-12-31", "kind": "open", "start": "10:00", "end": "12:00" }
            ],
            "note": "Zwischen den Jahren eingeschränkt."
        })
    );
    let back: Schedule = serde_json::from_value(json).unwrap();
    assert_eq!(back, hours);
}

#[test]
fn a_stored_schedule_with_past_exceptions_still_reads() {
    let json = r#"{"time_zone":"Europe/Berlin","weekly":[],"exceptions":[{"date":"2001-01-01","kind":"closed"}]}"#;
    let hours: Schedule = serde_json::from_str(json).unwrap();
    assert_eq!(hours.to_text(), "2001-01-01 closed");
    assert_eq!(hours.note(), "");
}

#[test]
fn stored_json_that_is_not_a_valid_schedule_is_refused_with_the_reason() {
    let cases = [
        (
            r#"{"time_zone":"Europe/Berln","weekly":[],"exceptions":[]}"#,
            "unknown time zone",
        ),
        (
            r#"{"time_zone":"Europe/Berlin","weekly":[{"day":"monday","start":"10:00","end":"12:00"},{"day":"monday","start":"11:00","end":"13:00"}],"exceptions":[]}"#,
            "overlap",
        ),
        (
            r#"{"time_zone":"Europe/Berlin","weekly":[{"day":"montag","start":"10:00","end":"12:00"}],"exceptions":[]}"#,
            "unknown day",
        ),
        (
            r#"{"time_zone":"Europe/Berlin","weekly":[{"day":"monday","start":"16:00","end":"14:00"}],"exceptions":[]}"#,
            "ends before it starts",
        ),
        (
            r#"{"time_zone":"Europe/Berlin","weekly":[],"exceptions":[{"date":"2026-12-31","kind":"open"}]}"#,
            "cannot read the exception",
        ),
        (
            r#"{"time_zone":"Europe/Berlin","weekly":[],"exceptions":[{"date":"2026-12-31","kind":"closed","start":"10:00"}]}"#,
            "cannot read the exception",
        ),
        (
            r#"{"time_zone":"Europe/Berlin","weekly":[],"exceptions":[{"date":"31.12.2026","kind":"closed"}]}"#,
            "invalid date",
        ),
        (
            r#"{"time_zone":"Europe/Berlin","weekly":[],"exceptions":[],"colour":"red"}"#,
            "unknown field",
        ),
    ];
    for (json, in_message) in cases {
        let error = serde_json::from_str::<Schedule>(json)
            .unwrap_err()
            .to_string();
        assert!(error.contains(in_message), "{json}: {error}");
    }
}

#[test]
fn pruning_drops_exceptions_that_ended_days_ago_and_keeps_recent_ones() {
    let set_at = at("2026-12-01T00:00:00Z");
    let hours = schedule_at(
        "Mo 10:00-12:00; 2026-12-20 closed; 2026-12-21 closed; 2026-12-22 12:00-13:00; \
         2026-12-24 closed; 2026-12-23 12:00-13:00",
        set_at,
    );
    let pruned = hours.pruned(at("2026-12-25T12:00:00+01:00"));
    assert_eq!(
        pruned.to_text(),
        "Mo 10:00-12:00; 2026-12-23 12:00-13:00; 2026-12-24 closed"
    );
}

// ----- properties ----------------------------------------------------------------------------

fn any_slot() -> impl Strategy<Value = Slot> {
    (0u8..7, 0u16..(24 * 4), 1u16..(12 * 4)).prop_map(|(day, start, len)| {
        let start = ClockTime::from_minutes(start * 15).unwrap();
        let end = ClockTime::from_minutes((start.minutes() + len * 15) % DAY_MINUTES).unwrap();
        Slot::new(
            Weekday::from_index(day),
            TimeRange::new(start, end).unwrap(),
        )
    })
}

/// Non-overlapping slots: greedy, dropping those that overlap an earlier one.
fn any_weekly() -> impl Strategy<Value = Vec<Slot>> {
    proptest::collection::vec(any_slot(), 0..12).prop_map(|slots| {
        let mut kept: Vec<Slot> = Vec::new();
        for slot in slots {
            let mut with = kept.clone();
            with.push(slot);
            with.sort();
            if check_weekly_overlaps(&with).is_ok() {
                kept = with;
            }
        }
        kept
    })
}

proptest! {
    #[test]
    fn text_written_by_a_schedule_reads_back_to_the_same_schedule(weekly in any_weekly()) {
        let mut draft = ScheduleDraft::new(OrgZone::default());
        draft.weekly = weekly;
        let hours = draft.build(monday_morning()).unwrap();
        let again = schedule(&hours.to_text());
        prop_assert_eq!(again, hours);
    }

    #[test]
    fn occurrences_are_sorted_disjoint_and_inside_the_window(
        weekly in any_weekly(),
        // Any time in 2026, across both daylight-saving changes.
        offset in 0i64..(365 * 24 * 60),
        hours_long in 1i64..(24 * 9),
    ) {
        let mut draft = ScheduleDraft::new(OrgZone::default());
        draft.weekly = weekly;
        let hours = draft.build(monday_morning()).unwrap();
        let from = at("2026-01-01T00:00:00Z").plus_millis(offset * 60_000);
        let to = from.plus_millis(hours_long * 3_600_000);
        let found = hours.occurrences(from, to);
        for o in &found {
            prop_assert!(o.start < o.end);
            prop_assert!(o.end > from && o.start < to);
            // At most 12 h on the wall clock plus the hour of a change back from summer time.
            prop_assert!(o.end.as_millis() - o.start.as_millis() <= 25 * 3_600_000);
        }
        for pair in found.windows(2) {
            prop_assert!(pair[0].end <= pair[1].start, "{:?}", pair);
        }
    }

    #[test]
    fn the_current_slot_contains_now_and_the_next_opening_starts_after_it(
        weekly in any_weekly(),
        offset in 0i64..(365 * 24 * 60),
    ) {
        let mut draft = ScheduleDraft::new(OrgZone::default());
        draft.weekly = weekly.clone();
        let hours = draft.build(monday_morning()).unwrap();
        let now = at("2026-01-01T00:00:00Z").plus_millis(offset * 60_000);
        if let Some(current) = hours.current_slot(now) {
            prop_assert!(current.contains(now));
            prop_assert!(hours.current_opening(now).unwrap().contains(now));
        }
        match hours.next_opening(now) {
            Some(next) => {
                prop_assert!(next.start > now);
                // Within a week, or two when the spring change skips a slot inside its gap.
                prop_assert!(next.start.as_millis() - now.as_millis() <= 15 * DAY_MS);
                let notice = hours.reopening_notice(now).unwrap();
                prop_assert!(notice.german().starts_with("Der Chat ist wieder geöffnet: "));
                prop_assert!(notice.german().ends_with(" Uhr"));
            }
            None => prop_assert!(weekly.is_empty()),
        }
    }

    #[test]
    fn the_text_parser_never_panics(text in "\\PC{0,40}") {
        let _ = parse_schedule_text(&text);
        let _ = parse_exceptions(&text);
    }
}
