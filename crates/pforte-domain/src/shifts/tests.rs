use super::*;
use crate::schedule::{OrgZone, ScheduleDraft};
use proptest::prelude::*;

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;

fn at(text: &str) -> Timestamp {
    let parsed: jiff::Timestamp = text.parse().expect("a valid RFC 3339 instant");
    Timestamp::from_millis(parsed.as_millisecond())
}

fn date(text: &str) -> Date {
    text.parse().expect("a valid date")
}

fn schedule(text: &str) -> Schedule {
    ScheduleDraft::parse(OrgZone::default(), text)
        .and_then(|d| d.build(at("2026-01-01T00:00:00Z")))
        .unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

const TOPIC: TopicId = TopicId(7);
const OTHER_TOPIC: TopicId = TopicId(8);

/// One topic's hours and what the counselor covers of them.
struct Covered<'a> {
    topic: TopicId,
    schedule: &'a Schedule,
    covered: CoveredSlots,
}

/// Runs the decisions at each of `times` (the first one only sets `since`), the way the server
/// would: shifts of `(since, now]` from every topic, then `due`. `state` gives the counselor's
/// state at a time. Returns what was due, with the time it was due at.
fn replay(
    topics: &[Covered<'_>],
    times: impl IntoIterator<Item = Timestamp>,
    state: impl Fn(Timestamp) -> CounselorNow,
) -> Vec<(Timestamp, ShiftDue)> {
    let mut times = times.into_iter();
    let Some(mut since) = times.next() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for now in times {
        let all: Vec<Shift> = topics
            .iter()
            .flat_map(|t| shifts(t.topic, t.schedule, &t.covered, since, now))
            .collect();
        for decided in due(&all, state(now), since, now) {
            found.push((now, decided));
        }
        since = now;
    }
    found
}

/// Every `step` milliseconds from `from` to `to`.
fn every(step: i64, from: Timestamp, to: Timestamp) -> impl Iterator<Item = Timestamp> {
    let count = (to.as_millis() - from.as_millis()) / step;
    (0..=count).map(move |i| from.plus_millis(i * step))
}

fn not_available(_: Timestamp) -> CounselorNow {
    CounselorNow {
        available: false,
        auto_switch_off: false,
    }
}

fn available(_: Timestamp) -> CounselorNow {
    CounselorNow {
        available: true,
        auto_switch_off: false,
    }
}

fn available_auto_off(_: Timestamp) -> CounselorNow {
    CounselorNow {
        available: true,
        auto_switch_off: true,
    }
}

fn started_at(found: &[(Timestamp, ShiftDue)]) -> Vec<(Timestamp, Timestamp)> {
    found
        .iter()
        .filter_map(|(now, d)| match d {
            ShiftDue::ShiftStarted { shift } => Some((*now, shift.start)),
            ShiftDue::ShiftEnded { .. } => None,
        })
        .collect()
}

fn ended_at(found: &[(Timestamp, ShiftDue)]) -> Vec<(Timestamp, Timestamp, AtShiftEnd)> {
    found
        .iter()
        .filter_map(|(now, d)| match d {
            ShiftDue::ShiftEnded { shift, action } => Some((*now, shift.end, *action)),
            ShiftDue::ShiftStarted { .. } => None,
        })
        .collect()
}

fn covered(schedule: &Schedule, text: &str) -> CoveredSlots {
    CoveredSlots::parse(schedule, text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

// ----- covered slots -------------------------------------------------------------------------

#[test]
fn a_counselor_covers_slots_the_topic_has_and_is_refused_others() {
    let hours = schedule("Mo-Fr 10:00-12:00, 14:00-16:00; Sa 10:00-13:00");
    let mine = covered(&hours, "Mo-Mi 10:00-12:00; Sa 10:00-13:00");
    assert_eq!(mine.len(), 4);
    let error = CoveredSlots::parse(&hours, "Mo 10:00-13:00").unwrap_err();
    assert_eq!(error.code(), "unknown_slot");
    assert_eq!(
        error.to_string(),
        "Mo 10:00-13:00 is not a weekly slot of this topic (its slots: Mo 10:00-12:00, \
         Mo 14:00-16:00, Di 10:00-12:00, Di 14:00-16:00, Mi 10:00-12:00, Mi 14:00-16:00, \
         Do 10:00-12:00, Do 14:00-16:00, Fr 10:00-12:00, Fr 14:00-16:00, Sa 10:00-13:00)"
    );
    let key = SlotKey {
        weekday: Weekday::Sunday,
        start: ClockTime::new(10, 0).unwrap(),
    };
    assert_eq!(
        CoveredSlots::new(&hours, [key]).unwrap_err().code(),
        "unknown_slot"
    );
    assert_eq!(
        CoveredSlots::parse(&Schedule::default(), "Mo 10:00-12:00")
            .unwrap_err()
            .to_string(),
        "Mo 10:00-12:00 is not a weekly slot of this topic (its slots: none)"
    );
    assert_eq!(
        CoveredSlots::parse(&hours, "Mx 10:00-12:00")
            .unwrap_err()
            .code(),
        "unknown_weekday"
    );
}

#[test]
fn covered_slots_are_stored_as_a_list_of_day_and_start() {
    let hours = schedule("Mo 10:00-12:00; Fr 22:00-02:00");
    let mine = covered(&hours, "Mo 10:00-12:00; Fr 22:00-02:00");
    let json = serde_json::to_value(&mine).unwrap();
    assert_eq!(
        json,
        serde_json::json!([
            { "day": "monday", "start": "10:00" },
            { "day": "friday", "start": "22:00" }
        ])
    );
    let back: CoveredSlots = serde_json::from_value(json).unwrap();
    assert_eq!(back, mine);
    assert!(serde_json::from_str::<CoveredSlots>(r#"[{"day":"monday","start":"25:00"}]"#).is_err());
}

// ----- reminders and switch-off --------------------------------------------------------------

#[test]
fn called_every_second_a_shift_start_reminds_exactly_once_when_it_begins() {
    let hours = schedule("Mo-Fr 10:00-12:00, 14:00-16:00");
    let topics = [Covered {
        topic: TOPIC,
        schedule: &hours,
        covered: covered(&hours, "Mo 10:00-12:00"),
    }];
    let found = replay(
        &topics,
        every(
            SECOND,
            at("2026-06-15T09:59:00+02:00"),
            at("2026-06-15T16:30:00+02:00"),
        ),
        not_available,
    );
    let ten = at("2026-06-15T10:00:00+02:00");
    assert_eq!(started_at(&found), vec![(ten, ten)]);
    assert!(
        ended_at(&found).is_empty(),
        "not available: nothing to switch off"
    );
    let ShiftDue::ShiftStarted { shift } = found[0].1 else {
        panic!("a start reminder");
    };
    assert_eq!(shift.topic, TOPIC);
    assert_eq!(shift.end, at("2026-06-15T12:00:00+02:00"));
    assert_eq!(shift.date, date("2026-06-15"));
}

#[test]
fn an_available_counselor_is_reminded_to_switch_off_once_at_the_end() {
    let hours = schedule("Mo-Fr 10:00-12:00, 14:00-16:00");
    let topics = [Covered {
        topic: TOPIC,
        schedule: &hours,
        covered: covered(&hours, "Mo 10:00-12:00, 14:00-16:00"),
    }];
    let times = || {
        every(
            SECOND,
            at("2026-06-15T09:59:00+02:00"),
            at("2026-06-15T16:30:00+02:00"),
        )
    };
    let noon = at("2026-06-15T12:00:00+02:00");
    let four = at("2026-06-15T16:00:00+02:00");
    let found = replay(&topics, times(), available);
    assert!(started_at(&found).is_empty(), "available: no reminder");
    assert_eq!(
        ended_at(&found),
        vec![
            (noon, noon, AtShiftEnd::RemindToSwitchOff),
            (four, four, AtShiftEnd::RemindToSwitchOff)
        ]
    );
    let found = replay(&topics, times(), available_auto_off);
    assert_eq!(
        ended_at(&found),
        vec![
            (noon, noon, AtShiftEnd::SwitchOff),
            (four, four, AtShiftEnd::SwitchOff)
        ]
    );
    assert_eq!(SHIFT_ENDED, "shift_ended");
}

#[test]
fn a_counselor_who_switches_on_during_the_shift_is_reminded_only_before() {
    let hours = schedule("Mo 10:00-12:00");
    let topics = [Covered {
        topic: TOPIC,
        schedule: &hours,
        covered: covered(&hours, "Mo 10:00-12:00"),
    }];
    let switched_on = at("2026-06-15T10:05:00+02:00");
    let found = replay(
        &topics,
        every(
            SECOND,
            at("2026-06-15T09:00:00+02:00"),
            at("2026-06-15T13:00:00+02:00"),
        ),
        |now| CounselorNow {
            available: now >= switched_on,
            auto_switch_off: true,
        },
    );
    let ten = at("2026-06-15T10:00:00+02:00");
    let noon = at("2026-06-15T12:00:00+02:00");
    assert_eq!(started_at(&found), vec![(ten, ten)]);
    assert_eq!(ended_at(&found), vec![(noon, noon, AtShiftEnd::SwitchOff)]);
}

#[test]
fn after_a_gap_a_running_shift_is_reminded_and_a_finished_one_is_not() {
    let hours = schedule("Mo 10:00-12:00");
    let mine = covered(&hours, "Mo 10:00-12:00");
    let all = |since, now| shifts(TOPIC, &hours, &mine, since, now);
    let nine = at("2026-06-15T09:00:00+02:00");
    let eleven = at("2026-06-15T11:00:00+02:00");
    let one = at("2026-06-15T13:00:00+02:00");
    let due_at = |since, now, state| due(&all(since, now), state, since, now);

    let late = due_at(nine, eleven, not_available(eleven));
    assert_eq!(late.len(), 1);
    assert!(matches!(late[0], ShiftDue::ShiftStarted { .. }));
    // Started and ended within the gap: no reminder of a finished shift.
    assert!(due_at(nine, one, not_available(one)).is_empty());
    // But a counselor still on after it is switched off (or reminded).
    let ended = due_at(nine, one, available_auto_off(one));
    assert_eq!(ended.len(), 1);
    let ShiftDue::ShiftEnded { shift, action } = ended[0] else {
        panic!("an end decision");
    };
    assert_eq!(action, AtShiftEnd::SwitchOff);
    assert_eq!(shift.end, at("2026-06-15T12:00:00+02:00"));
    // The next run after that decides nothing again.
    assert!(due_at(one, one.plus_millis(SECOND), available_auto_off(one)).is_empty());
}

#[test]
fn a_repeated_or_backwards_clock_decides_nothing() {
    let hours = schedule("Mo 10:00-12:00");
    let mine = covered(&hours, "Mo 10:00-12:00");
    let ten = at("2026-06-15T10:00:00+02:00");
    let around = shifts(
        TOPIC,
        &hours,
        &mine,
        ten.plus_millis(-HOUR),
        ten.plus_millis(HOUR),
    );
    assert_eq!(around.len(), 1);
    assert!(due(&around, not_available(ten), ten, ten).is_empty());
    assert!(due(&around, not_available(ten), ten.plus_millis(MINUTE), ten).is_empty());
    assert_eq!(
        due(&around, not_available(ten), ten.plus_millis(-1), ten).len(),
        1
    );
}

#[test]
fn back_to_back_shifts_do_not_switch_off_in_between() {
    let hours = schedule("Mo 10:00-12:00, 12:00-14:00");
    let topics = [Covered {
        topic: TOPIC,
        schedule: &hours,
        covered: covered(&hours, "Mo 10:00-12:00, 12:00-14:00"),
    }];
    let times = || {
        every(
            SECOND,
            at("2026-06-15T09:59:00+02:00"),
            at("2026-06-15T14:01:00+02:00"),
        )
    };
    let two = at("2026-06-15T14:00:00+02:00");
    let found = replay(&topics, times(), available_auto_off);
    assert_eq!(ended_at(&found), vec![(two, two, AtShiftEnd::SwitchOff)]);
    // Not available: each shift reminds once when it begins.
    let found = replay(&topics, times(), not_available);
    let ten = at("2026-06-15T10:00:00+02:00");
    let noon = at("2026-06-15T12:00:00+02:00");
    assert_eq!(started_at(&found), vec![(ten, ten), (noon, noon)]);
}

#[test]
fn shifts_of_two_topics_keep_the_counselor_on_until_the_last_one_ends() {
    let first = schedule("Mo 10:00-12:00");
    let second = schedule("Mo 11:00-13:00");
    let topics = [
        Covered {
            topic: TOPIC,
            schedule: &first,
            covered: covered(&first, "Mo 10:00-12:00"),
        },
        Covered {
            topic: OTHER_TOPIC,
            schedule: &second,
            covered: covered(&second, "Mo 11:00-13:00"),
        },
    ];
    let found = replay(
        &topics,
        every(
            SECOND,
            at("2026-06-15T09:59:00+02:00"),
            at("2026-06-15T13:01:00+02:00"),
        ),
        available_auto_off,
    );
    assert_eq!(found.len(), 1);
    let (when, ShiftDue::ShiftEnded { shift, action }) = found[0] else {
        panic!("one end decision");
    };
    assert_eq!(when, at("2026-06-15T13:00:00+02:00"));
    assert_eq!(shift.topic, OTHER_TOPIC);
    assert_eq!(action, AtShiftEnd::SwitchOff);
}

#[test]
fn two_shifts_ending_together_are_decided_once() {
    let first = schedule("Mo 10:00-12:00");
    let second = schedule("Mo 11:00-12:00");
    let topics = [
        Covered {
            topic: TOPIC,
            schedule: &first,
            covered: covered(&first, "Mo 10:00-12:00"),
        },
        Covered {
            topic: OTHER_TOPIC,
            schedule: &second,
            covered: covered(&second, "Mo 11:00-12:00"),
        },
    ];
    let found = replay(
        &topics,
        every(
            MINUTE,
            at("2026-06-15T09:59:00+02:00"),
            at("2026-06-15T12:30:00+02:00"),
        ),
        available,
    );
    assert_eq!(found.len(), 1);
    // Both ended at noon; of those, the one that started later is named.
    let (_, ShiftDue::ShiftEnded { shift, .. }) = found[0] else {
        panic!("one end decision");
    };
    assert_eq!(shift.topic, OTHER_TOPIC);
}

#[test]
fn a_night_shift_across_midnight_begins_on_friday_and_ends_on_saturday() {
    let hours = schedule("Fr 22:00-02:00");
    let topics = [Covered {
        topic: TOPIC,
        schedule: &hours,
        covered: covered(&hours, "Fr 22:00-02:00"),
    }];
    let times = || {
        every(
            SECOND,
            at("2026-06-19T21:00:00+02:00"),
            at("2026-06-20T03:00:00+02:00"),
        )
    };
    let start = at("2026-06-19T22:00:00+02:00");
    let end = at("2026-06-20T02:00:00+02:00");
    assert_eq!(
        started_at(&replay(&topics, times(), not_available)),
        vec![(start, start)]
    );
    assert_eq!(
        ended_at(&replay(&topics, times(), available)),
        vec![(end, end, AtShiftEnd::RemindToSwitchOff)]
    );
}

#[test]
fn shifts_on_the_day_summer_time_begins_remind_and_end_at_the_real_instants() {
    // 29 March 2026, Berlin: 02:00 CET jumps to 03:00 CEST.
    let hours = schedule("So 01:00-04:00");
    let topics = [Covered {
        topic: TOPIC,
        schedule: &hours,
        covered: covered(&hours, "So 01:00-04:00"),
    }];
    let night = || {
        every(
            SECOND,
            at("2026-03-28T20:00:00Z"),
            at("2026-03-29T04:00:00Z"),
        )
    };
    let start = at("2026-03-29T00:00:00Z");
    let end = at("2026-03-29T02:00:00Z");
    assert_eq!(
        started_at(&replay(&topics, night(), not_available)),
        vec![(start, start)]
    );
    assert_eq!(
        ended_at(&replay(&topics, night(), available_auto_off)),
        vec![(end, end, AtShiftEnd::SwitchOff)]
    );
    // Saturday's night slot ends at 02:30, which does not exist: at the jump, 03:00 CEST.
    let saturday_hours = schedule("Sa 22:00-02:30");
    let saturday = [Covered {
        topic: TOPIC,
        schedule: &saturday_hours,
        covered: covered(&saturday_hours, "Sa 22:00-02:30"),
    }];
    let jump = at("2026-03-29T01:00:00Z");
    assert_eq!(
        ended_at(&replay(&saturday, night(), available)),
        vec![(jump, jump, AtShiftEnd::RemindToSwitchOff)]
    );
}

#[test]
fn shifts_on_the_day_summer_time_ends_are_decided_once_though_the_clock_repeats_an_hour() {
    // 25 October 2026, Berlin: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
    let hours = schedule("So 02:30-03:30");
    let topics = [Covered {
        topic: TOPIC,
        schedule: &hours,
        covered: covered(&hours, "So 02:30-03:30"),
    }];
    let night = || {
        every(
            SECOND,
            at("2026-10-24T22:00:00Z"),
            at("2026-10-25T04:00:00Z"),
        )
    };
    let start = at("2026-10-25T02:30:00+02:00");
    let end = at("2026-10-25T03:30:00+01:00");
    assert_eq!(
        started_at(&replay(&topics, night(), not_available)),
        vec![(start, start)]
    );
    assert_eq!(
        ended_at(&replay(&topics, night(), available)),
        vec![(end, end, AtShiftEnd::RemindToSwitchOff)]
    );
    assert_eq!(end.as_millis() - start.as_millis(), 2 * HOUR);
}

#[test]
fn a_closure_cuts_a_shift_and_a_closed_day_has_none() {
    let hours = schedule("Mo-Di 10:00-12:00; 2026-06-15 closed 10:30-11:00; 2026-06-16 closed");
    let topics = [Covered {
        topic: TOPIC,
        schedule: &hours,
        covered: covered(&hours, "Mo-Di 10:00-12:00"),
    }];
    let times = || {
        every(
            MINUTE,
            at("2026-06-15T09:00:00+02:00"),
            at("2026-06-16T13:00:00+02:00"),
        )
    };
    let t = |hm: &str| at(&format!("2026-06-15T{hm}:00+02:00"));
    assert_eq!(
        started_at(&replay(&topics, times(), not_available)),
        vec![(t("10:00"), t("10:00")), (t("11:00"), t("11:00"))]
    );
    assert_eq!(
        ended_at(&replay(&topics, times(), available)),
        vec![
            (t("10:30"), t("10:30"), AtShiftEnd::RemindToSwitchOff),
            (t("12:00"), t("12:00"), AtShiftEnd::RemindToSwitchOff)
        ]
    );
}

#[test]
fn slots_not_covered_and_extra_hours_are_never_due() {
    let hours = schedule("Mo 10:00-12:00, 14:00-16:00; 2026-06-15 18:00-19:00");
    let topics = [Covered {
        topic: TOPIC,
        schedule: &hours,
        covered: covered(&hours, "Mo 14:00-16:00"),
    }];
    let found = replay(
        &topics,
        every(
            MINUTE,
            at("2026-06-15T09:00:00+02:00"),
            at("2026-06-15T20:00:00+02:00"),
        ),
        not_available,
    );
    let two = at("2026-06-15T14:00:00+02:00");
    assert_eq!(started_at(&found), vec![(two, two)]);
}

/// Random call times: increments of 1 s to 3 h from a start in a week with a DST change.
fn any_calls() -> impl Strategy<Value = Vec<Timestamp>> {
    (
        prop_oneof![Just("2026-03-26T00:00:00Z"), Just("2026-10-22T00:00:00Z")],
        proptest::collection::vec(1i64..(3 * 3600), 1..400),
    )
        .prop_map(|(start, steps)| {
            let mut now = at(start);
            let mut times = vec![now];
            for step in steps {
                now = now.plus_millis(step * SECOND);
                times.push(now);
            }
            times
        })
}

proptest! {
    // Each case replays up to 400 runs over a week; 64 cases keep the suite quick.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn however_often_it_runs_each_shift_is_reminded_once_if_a_run_sees_it_running(
        calls in any_calls()
    ) {
        // Sunday 02:15-02:45 falls into the hour skipped in spring and is repeated in autumn.
        let hours = schedule(
            "Mo-Fr 10:00-12:00, 14:00-16:00; Fr 22:00-02:00; So 01:00-02:00, 02:15-02:45, 03:00-04:00",
        );
        let mine = covered(
            &hours,
            "Mo-Fr 10:00-12:00; Fr 22:00-02:00; So 01:00-02:00, 02:15-02:45, 03:00-04:00",
        );
        let topics = [Covered { topic: TOPIC, schedule: &hours, covered: mine.clone() }];
        let first = calls[0];
        let last = *calls.last().unwrap_or(&first);
        let found = started_at(&replay(&topics, calls.iter().copied(), not_available));
        for shift in shifts(TOPIC, &hours, &mine, first, last) {
            if shift.start <= first {
                continue;
            }
            let reminded = found.iter().filter(|(_, start)| *start == shift.start).count();
            // The first run at or after the start decides; it reminds if the shift still runs.
            let decider = calls.iter().copied().find(|&t| t >= shift.start);
            let expected = usize::from(decider.is_some_and(|t| t < shift.end));
            prop_assert_eq!(reminded, expected, "{:?}", shift);
        }
    }

    #[test]
    fn however_often_it_runs_no_shift_end_is_decided_twice(calls in any_calls()) {
        let hours = schedule("Mo-Fr 10:00-12:00, 12:00-13:00; Fr 22:00-02:00; So 01:00-04:00");
        let mine = covered(&hours, "Mo-Fr 10:00-12:00, 12:00-13:00; Fr 22:00-02:00; So 01:00-04:00");
        let topics = [Covered { topic: TOPIC, schedule: &hours, covered: mine }];
        let ends = ended_at(&replay(&topics, calls.iter().copied(), available));
        let mut seen = std::collections::BTreeSet::new();
        for (now, end, _) in &ends {
            prop_assert!(end <= now);
            prop_assert!(seen.insert(*end), "end {:?} decided twice", end);
        }
    }
}

// ----- the weekly plan -----------------------------------------------------------------------

#[test]
fn the_weekly_plan_lists_every_occurrence_with_its_counselors_and_highlights_gaps() {
    let hours = schedule(
        "Mo-Fr 10:00-12:00, 14:00-16:00; Sa 10:00-13:00; 2026-06-17 closed; 2026-06-20 15:00-17:00",
    );
    let anna = CounselorId(1);
    let ben = CounselorId(2);
    let anna_covers = covered(&hours, "Mo-Fr 10:00-12:00");
    let ben_covers = covered(&hours, "Mo-Fr 10:00-12:00; Mo-Di 14:00-16:00");
    // Asked for any day of the week (here Wednesday), the plan runs Monday to Sunday.
    let plan = week_plan(
        &hours,
        date("2026-06-17"),
        [(ben, &ben_covers), (anna, &anna_covers)],
    );
    assert_eq!(plan.monday, date("2026-06-15"));
    let rows: Vec<String> = plan
        .entries
        .iter()
        .map(|e| {
            let who: Vec<String> = e.counselors.iter().map(|c| c.to_string()).collect();
            format!("{} {}-{} [{}]", e.weekday, e.start, e.end, who.join(","))
        })
        .collect();
    assert_eq!(
        rows,
        [
            "Mo 10:00-12:00 [1,2]",
            "Mo 14:00-16:00 [2]",
            "Di 10:00-12:00 [1,2]",
            "Di 14:00-16:00 [2]",
            // Wednesday is closed.
            "Do 10:00-12:00 [1,2]",
            "Do 14:00-16:00 []",
            "Fr 10:00-12:00 [1,2]",
            "Fr 14:00-16:00 []",
            "Sa 10:00-13:00 []",
            // Extra hours: nobody covers them.
            "Sa 15:00-17:00 []",
        ]
    );
    let gaps: Vec<String> = plan
        .gaps()
        .map(|e| format!("{} {}", e.weekday, e.start))
        .collect();
    assert_eq!(gaps, ["Do 14:00", "Fr 14:00", "Sa 10:00", "Sa 15:00"]);
    let uncovered: Vec<String> = plan.uncovered_slots.iter().map(|k| k.to_string()).collect();
    assert_eq!(uncovered, ["Mi 14:00", "Do 14:00", "Fr 14:00", "Sa 10:00"]);
    assert_eq!(plan.on(Weekday::Wednesday).count(), 0);
    assert_eq!(plan.on(Weekday::Monday).count(), 2);
    let monday = plan.on(Weekday::Monday).next().unwrap();
    assert_eq!(monday.occurrence.start, at("2026-06-15T10:00:00+02:00"));
    assert_eq!(monday.occurrence.end, at("2026-06-15T12:00:00+02:00"));
}

#[test]
fn the_plan_of_the_week_summer_time_begins_shows_local_times_and_night_slots() {
    let hours = schedule("So 01:00-04:00; Fr 22:00-02:00");
    let nobody: [(CounselorId, &CoveredSlots); 0] = [];
    let plan = week_plan(&hours, date("2026-03-29"), nobody);
    assert_eq!(plan.monday, date("2026-03-23"));
    let rows: Vec<String> = plan
        .entries
        .iter()
        .map(|e| format!("{} {}-{}", e.weekday, e.start, e.end))
        .collect();
    assert_eq!(rows, ["Fr 22:00-02:00", "So 01:00-04:00"]);
    let sunday = plan.on(Weekday::Sunday).next().unwrap();
    assert_eq!(
        sunday.occurrence.end.as_millis() - sunday.occurrence.start.as_millis(),
        2 * HOUR
    );
    assert_eq!(plan.gaps().count(), 2);
    assert_eq!(plan.uncovered_slots.len(), 2);
}

#[test]
fn the_plan_shows_an_evening_slot_ending_at_midnight_as_24_00() {
    let hours = schedule("Mo 20:00-24:00");
    let nobody: [(CounselorId, &CoveredSlots); 0] = [];
    let plan = week_plan(&hours, date("2026-06-15"), nobody);
    assert_eq!(plan.entries.len(), 1);
    assert_eq!(plan.entries[0].end, ClockTime::END_OF_DAY);
}
