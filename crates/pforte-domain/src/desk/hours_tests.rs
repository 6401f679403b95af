//! Chat hours, seats, covered shifts and the estimate on the desk, with made-up times.

use super::*;
use crate::schedule::{OrgZone, ScheduleDraft};
use uuid::Uuid;

const SUCHT: TopicId = TopicId(1);
const ANNA: CounselorId = CounselorId(10);
const BERND: CounselorId = CounselorId(11);

/// Monday, 15 June 2026, 00:00 UTC (02:00 in Berlin, summer time).
const MONDAY: i64 = 1_781_481_600_000;

/// Monday 15 June 2026 at `hh:mm` in Berlin (UTC+2).
fn berlin(hh: i64, mm: i64) -> Timestamp {
    Timestamp::from_millis(MONDAY + ((hh - 2) * 60 + mm) * 60_000)
}

fn rid(n: u128) -> RequestId {
    RequestId(Uuid::from_u128(n))
}

fn hours(text: &str) -> Schedule {
    ScheduleDraft::parse(OrgZone::default(), text)
        .unwrap()
        .build(berlin(0, 0))
        .unwrap()
}

fn desk() -> Desk {
    let mut desk = Desk::new(DeskConfig {
        max_wait: Duration::from_secs(24 * 60 * 60),
        ..DeskConfig::default()
    });
    let at = berlin(8, 0);
    desk.apply(
        Command::UpsertTopic {
            topic: SUCHT,
            live_chat: true,
        },
        at,
    )
    .unwrap();
    for (counselor, n) in [(ANNA, 1), (BERND, 2)] {
        desk.apply(
            Command::UpsertCounselor {
                counselor,
                topics: [SUCHT].into(),
            },
            at,
        )
        .unwrap();
        desk.apply(
            Command::Connect {
                counselor,
                connection: ConnectionId::new(InstanceId(1), n),
                fresh: false,
            },
            at,
        )
        .unwrap();
    }
    desk
}

fn switch(desk: &mut Desk, counselor: CounselorId, on: bool, at: Timestamp) {
    desk.apply(
        Command::SwitchAvailability {
            counselor,
            on,
            reason: SwitchReason::Toggle,
        },
        at,
    )
    .unwrap();
}

fn cover(desk: &mut Desk, counselor: CounselorId, slots: &str, auto: bool, at: Timestamp) {
    let schedule = desk.schedule(SUCHT).unwrap().clone();
    desk.apply(
        Command::SetShifts {
            counselor,
            covered: [(SUCHT, CoveredSlots::parse(&schedule, slots).unwrap())].into(),
            auto_switch_off: auto,
        },
        at,
    )
    .unwrap();
}

fn set_hours(desk: &mut Desk, text: &str, at: Timestamp) {
    desk.apply(
        Command::SetSchedule {
            topic: SUCHT,
            schedule: hours(text),
        },
        at,
    )
    .unwrap();
}

fn reminders(events: &[Event]) -> Vec<(CounselorId, ShiftNotice)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::ShiftReminder {
                counselor, notice, ..
            } => Some((*counselor, *notice)),
            _ => None,
        })
        .collect()
}

/// Ticks every `step` from `from` to `to` as the server would when something is due.
fn run(desk: &mut Desk, from: Timestamp, to: Timestamp, step_ms: i64) -> Vec<Event> {
    let mut events = Vec::new();
    let mut at = from;
    while at <= to {
        if desk.next_deadline().is_some_and(|due| due <= at) {
            events.extend(desk.apply(Command::Tick, at).unwrap());
        }
        at = at.plus_millis(step_ms);
    }
    events
}

#[test]
fn a_counselor_at_the_seat_limit_is_refused_with_no_free_seat_and_a_seat_frees_when_a_chat_ends() {
    let mut desk = desk();
    switch(&mut desk, ANNA, true, berlin(9, 0));
    desk.apply(
        Command::SetSeats {
            of: SeatsOf::Counselor(ANNA),
            seats: Some(1),
        },
        berlin(9, 0),
    )
    .unwrap();
    for n in 1..=2 {
        desk.apply(
            Command::Enter {
                request: rid(n),
                topic: SUCHT,
                pseudonym: format!("p{n}"),
                asker_key: String::new(),
            },
            berlin(9, 1),
        )
        .unwrap();
    }
    assert_eq!(desk.topic_free_seats(SUCHT), Some(1));
    desk.apply(
        Command::Accept {
            request: rid(1),
            counselor: ANNA,
        },
        berlin(9, 2),
    )
    .unwrap();
    assert_eq!(desk.topic_free_seats(SUCHT), Some(0));
    assert_eq!(
        desk.apply(
            Command::Accept {
                request: rid(2),
                counselor: ANNA,
            },
            berlin(9, 3),
        ),
        Err(DeskError::NoFreeSeat)
    );
    // Still listed: the gate rule and the list are untouched.
    assert_eq!(desk.live_chat_requests(ANNA).unwrap().len(), 1);
    desk.apply(
        Command::EndConversation {
            conversation: rid(1),
            by: Party::Asker,
        },
        berlin(9, 4),
    )
    .unwrap();
    assert!(desk.has_free_seat(ANNA, SUCHT));
    desk.apply(
        Command::Accept {
            request: rid(2),
            counselor: ANNA,
        },
        berlin(9, 5),
    )
    .unwrap();
}

#[test]
fn the_smaller_of_the_topic_and_the_counselor_limit_counts_and_zero_seats_are_refused() {
    let mut desk = desk();
    let set =
        |desk: &mut Desk, of, seats| desk.apply(Command::SetSeats { of, seats }, berlin(9, 0));
    set(&mut desk, SeatsOf::Topic(SUCHT), Some(3)).unwrap();
    set(&mut desk, SeatsOf::Counselor(ANNA), Some(2)).unwrap();
    assert_eq!(desk.seat_limit(ANNA, SUCHT), Some(2));
    assert_eq!(desk.seat_limit(BERND, SUCHT), Some(3));
    assert_eq!(
        set(&mut desk, SeatsOf::Counselor(ANNA), Some(0)),
        Err(DeskError::InvalidSeats)
    );
    assert_eq!(desk.seat_limit(ANNA, SUCHT), Some(2));
    set(&mut desk, SeatsOf::Topic(SUCHT), None).unwrap();
    assert_eq!(desk.seat_limit(BERND, SUCHT), None);
    assert_eq!(desk.topic_free_seats(SUCHT), Some(0), "nobody available");
    switch(&mut desk, BERND, true, berlin(9, 0));
    assert_eq!(desk.topic_free_seats(SUCHT), None, "bernd has no limit");
}

#[test]
fn covering_a_slot_the_schedule_does_not_have_is_refused() {
    let mut desk = desk();
    set_hours(&mut desk, "Mo-Fr 10:00-12:00", berlin(8, 0));
    let other = hours("Mo 14:00-16:00");
    let wrong = CoveredSlots::parse(&other, "Mo 14:00-16:00").unwrap();
    assert_eq!(
        desk.apply(
            Command::SetShifts {
                counselor: ANNA,
                covered: [(SUCHT, wrong)].into(),
                auto_switch_off: false,
            },
            berlin(8, 0),
        ),
        Err(DeskError::UnknownSlot)
    );
    assert!(desk.shifts_of(ANNA).unwrap().is_empty());
}

#[test]
fn a_covered_slot_beginning_reminds_only_its_counselor_who_is_not_available_once() {
    let mut desk = desk();
    set_hours(&mut desk, "Mo-Fr 10:00-12:00", berlin(8, 0));
    cover(&mut desk, ANNA, "Mo 10:00-12:00", false, berlin(8, 0));
    assert_eq!(desk.next_shift_boundary(), Some(berlin(10, 0)));
    let events = run(&mut desk, berlin(9, 59), berlin(10, 5), 250);
    assert_eq!(reminders(&events), vec![(ANNA, ShiftNotice::Started)]);
    assert_eq!(desk.next_shift_boundary(), Some(berlin(12, 0)));
}

#[test]
fn an_available_counselor_is_not_reminded_when_their_shift_begins() {
    let mut desk = desk();
    set_hours(&mut desk, "Mo-Fr 10:00-12:00", berlin(8, 0));
    cover(&mut desk, ANNA, "Mo 10:00-12:00", false, berlin(8, 0));
    switch(&mut desk, ANNA, true, berlin(9, 0));
    let events = run(&mut desk, berlin(9, 59), berlin(10, 1), 1000);
    assert!(reminders(&events).is_empty());
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::ShiftsDecided { .. })));
}

#[test]
fn at_the_end_of_a_shift_the_counselor_who_chose_so_is_switched_off_with_shift_ended() {
    let mut desk = desk();
    set_hours(&mut desk, "Mo-Fr 10:00-12:00", berlin(8, 0));
    cover(&mut desk, ANNA, "Mo 10:00-12:00", true, berlin(8, 0));
    cover(&mut desk, BERND, "Mo 10:00-12:00", false, berlin(8, 0));
    switch(&mut desk, ANNA, true, berlin(11, 0));
    switch(&mut desk, BERND, true, berlin(11, 0));
    let events = run(&mut desk, berlin(11, 59), berlin(12, 1), 250);
    assert!(events.contains(&Event::AvailabilitySwitched {
        counselor: ANNA,
        on: false,
        reason: SwitchReason::ShiftEnded,
    }));
    let mut got = reminders(&events);
    got.sort_by_key(|(c, _)| *c);
    assert_eq!(
        got,
        vec![
            (ANNA, ShiftNotice::EndedSwitchedOff),
            (BERND, ShiftNotice::EndedSwitchOff)
        ]
    );
    assert!(!desk.is_switched_on(ANNA));
    assert!(desk.is_switched_on(BERND), "only reminded");
}

#[test]
fn covering_a_slot_after_it_ended_today_decides_nothing_for_it() {
    let mut desk = desk();
    set_hours(&mut desk, "Mo-Fr 10:00-12:00", berlin(8, 0));
    switch(&mut desk, ANNA, true, berlin(9, 0));
    let events = run(&mut desk, berlin(9, 0), berlin(13, 0), 60_000);
    assert!(reminders(&events).is_empty(), "nothing covered yet");
    cover(&mut desk, ANNA, "Mo 10:00-12:00", true, berlin(13, 0));
    let events = run(&mut desk, berlin(13, 0), berlin(13, 5), 1000);
    assert!(reminders(&events).is_empty());
    assert!(desk.is_switched_on(ANNA));
    assert_eq!(
        desk.next_shift_boundary(),
        Some(Timestamp::from_millis(
            berlin(10, 0).as_millis() + 7 * 24 * 3_600_000
        )),
        "next Monday 10:00"
    );
}

#[test]
fn replicas_applying_the_same_ticks_decide_the_same_and_a_snapshot_keeps_the_shift_clock() {
    let mut desk = desk();
    set_hours(&mut desk, "Mo-Fr 10:00-12:00", berlin(8, 0));
    cover(&mut desk, ANNA, "Mo 10:00-12:00", false, berlin(8, 0));
    let json = serde_json::to_string(&desk).unwrap();
    let mut copy: Desk = serde_json::from_str(&json).unwrap();
    let copy = {
        copy = copy.with_config(desk.config().clone());
        &mut copy
    };
    assert_eq!(&desk, &*copy);
    let a = desk.apply(Command::Tick, berlin(10, 0)).unwrap();
    let b = copy.apply(Command::Tick, berlin(10, 0)).unwrap();
    assert_eq!(a, b);
    assert_eq!(reminders(&a), vec![(ANNA, ShiftNotice::Started)]);
    // The same boundary is never decided twice.
    assert!(reminders(&desk.apply(Command::Tick, berlin(10, 1)).unwrap()).is_empty());
}

#[test]
fn the_estimate_is_none_without_history_and_a_range_once_enough_accepts_exist() {
    let mut desk = desk();
    switch(&mut desk, ANNA, true, berlin(9, 0));
    desk.apply(
        Command::SetSeats {
            of: SeatsOf::Counselor(ANNA),
            seats: Some(1),
        },
        berlin(9, 0),
    )
    .unwrap();
    let minute = |m: i64| berlin(9, 0).plus_millis(m * 60_000);
    // Ten askers enter at once; each chat lasts 4 minutes, one after the other.
    for n in 0..12u128 {
        desk.apply(
            Command::Enter {
                request: rid(n),
                topic: SUCHT,
                pseudonym: format!("p{n}"),
                asker_key: String::new(),
            },
            minute(0),
        )
        .unwrap();
    }
    assert_eq!(desk.estimate(rid(0), minute(0)), None);
    for n in 0..8u128 {
        let at = 1 + 4 * n as i64;
        desk.apply(
            Command::Accept {
                request: rid(n),
                counselor: ANNA,
            },
            minute(at),
        )
        .unwrap();
        desk.apply(
            Command::EndConversation {
                conversation: rid(n),
                by: Party::Asker,
            },
            minute(at + 3),
        )
        .unwrap();
    }
    desk.apply(
        Command::Accept {
            request: rid(8),
            counselor: ANNA,
        },
        minute(33),
    )
    .unwrap();
    // rid(10) is second in line, no seat free: two steps of about 4 minutes.
    let estimate = desk.estimate(rid(10), minute(34)).unwrap();
    assert_eq!(estimate.german(), "etwa 5–10 Minuten");
}
