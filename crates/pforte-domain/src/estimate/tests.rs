use super::*;
use proptest::prelude::*;

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;

/// 15 June 2026, 08:00 UTC: the start of every made-up history.
fn morning() -> Timestamp {
    Timestamp::from_millis(1_781_510_400_000)
}

fn minutes(m: f64) -> i64 {
    (m * MINUTE as f64) as i64
}

fn wait(entered_min: f64, accepted_min: f64) -> AcceptedWait {
    AcceptedWait {
        entered_at: morning().plus_millis(minutes(entered_min)),
        accepted_at: morning().plus_millis(minutes(accepted_min)),
    }
}

fn queue(position: u32, free_seats: u32) -> QueueNow {
    QueueNow {
        position: NonZeroU32::new(position).expect("positions start at 1"),
        free_seats,
    }
}

fn estimate_at(history: &[AcceptedWait], queue: QueueNow, now_min: f64) -> Option<WaitEstimate> {
    estimate_wait(
        history,
        queue,
        morning().plus_millis(minutes(now_min)),
        &EstimateRules::default(),
    )
}

fn between(min_minutes: u32, max_minutes: u32) -> Option<WaitEstimate> {
    Some(WaitEstimate::Between {
        min_minutes,
        max_minutes,
    })
}

/// Askers entering an empty queue every 10 minutes and accepted after `reaction` minutes.
fn quiet_history(count: usize, reaction: impl Fn(usize) -> f64) -> Vec<AcceptedWait> {
    (0..count)
        .map(|i| {
            let entered = 10.0 * i as f64;
            wait(entered, entered + reaction(i))
        })
        .collect()
}

/// A queue of askers who all entered at the start and were accepted one every `gap` minutes.
fn busy_history(count: usize, gap: f64) -> Vec<AcceptedWait> {
    (0..count)
        .map(|i| wait(0.0, 1.0 + gap * i as f64))
        .collect()
}

// ----- when there is nothing to say ----------------------------------------------------------

#[test]
fn with_fewer_than_five_recent_accepts_there_is_no_estimate() {
    let four = quiet_history(4, |_| 2.0);
    assert_eq!(estimate_at(&four, queue(1, 1), 60.0), None);
    let five = quiet_history(5, |_| 2.0);
    assert!(estimate_at(&five, queue(1, 1), 60.0).is_some());
    assert_eq!(estimate_at(&[], queue(1, 0), 60.0), None);
}

#[test]
fn accepts_older_than_three_hours_or_after_now_or_before_entering_do_not_count() {
    let history = quiet_history(5, |_| 2.0);
    // The last accept was at 42 minutes; three hours and 42 minutes later all are too old.
    assert!(estimate_at(&history, queue(1, 1), 3.0 * 60.0 + 1.0).is_some());
    assert_eq!(estimate_at(&history, queue(1, 1), 3.0 * 60.0 + 43.0), None);
    // Asked at minute 30, the accepts at 32 and 42 lie in the future.
    assert_eq!(estimate_at(&history, queue(1, 1), 30.0), None);
    let mut broken = quiet_history(4, |_| 2.0);
    broken.push(wait(50.0, 45.0));
    assert_eq!(estimate_at(&broken, queue(1, 1), 60.0), None);
}

// ----- what it says --------------------------------------------------------------------------

#[test]
fn with_a_free_seat_the_estimate_is_how_fast_counselors_reacted() {
    // Reactions of 1.5 to 3.5 minutes.
    let history = quiet_history(10, |i| 1.5 + (i % 5) as f64 * 0.5);
    let estimate = estimate_at(&history, queue(1, 2), 100.0);
    assert_eq!(estimate, between(1, 5));
    assert_eq!(estimate.unwrap().german(), "etwa 1–5 Minuten");
    assert_eq!(estimate.unwrap().english(), "about 1–5 minutes");
    // Second in line with two free seats: also taken at once.
    assert_eq!(estimate_at(&history, queue(2, 2), 100.0), estimate);
}

#[test]
fn without_a_free_seat_the_wait_grows_with_the_position() {
    // The queue moved up one place every 4 minutes.
    let history = busy_history(12, 4.0);
    let now = 50.0;
    assert_eq!(estimate_at(&history, queue(1, 0), now), between(3, 5));
    assert_eq!(estimate_at(&history, queue(3, 0), now), between(10, 15));
    assert_eq!(
        estimate_at(&history, queue(3, 0), now).unwrap().german(),
        "etwa 10–15 Minuten"
    );
    assert_eq!(estimate_at(&history, queue(6, 0), now), between(20, 30));
    // One free seat takes the first in line; the third needs two more places.
    assert_eq!(estimate_at(&history, queue(3, 1), now), between(5, 10));
}

#[test]
fn when_no_seat_is_free_and_the_queue_never_had_to_wait_for_one_there_is_no_estimate() {
    // Only quiet history (no backlog steps), but now there is no free seat.
    let history = quiet_history(8, |_| 2.0);
    assert_eq!(estimate_at(&history, queue(2, 0), 90.0), None);
    // The other way round: a free seat now, but only backlog steps so far.
    let busy = busy_history(8, 4.0);
    assert_eq!(estimate_at(&busy, queue(1, 1), 40.0), None);
}

#[test]
fn the_estimate_follows_the_pace_of_the_last_eight_steps() {
    // First the queue moved every 2 minutes, then (a counselor left) every 6 minutes.
    let mut history: Vec<AcceptedWait> = (0..12).map(|i| wait(0.0, 1.0 + 2.0 * i as f64)).collect();
    let slow_from = 1.0 + 2.0 * 11.0;
    history.extend((1..=8).map(|i| wait(20.0, slow_from + 6.0 * i as f64)));
    assert_eq!(estimate_at(&history, queue(2, 0), 80.0), between(10, 15));
}

#[test]
fn a_long_wait_is_said_as_more_than_its_lower_end() {
    let history = busy_history(10, 20.0);
    let estimate = estimate_at(&history, queue(8, 0), 190.0);
    assert_eq!(estimate, Some(WaitEstimate::MoreThan { minutes: 120 }));
    assert_eq!(estimate.unwrap().german(), "mehr als 120 Minuten");
    assert_eq!(estimate.unwrap().english(), "more than 120 minutes");
}

#[test]
fn ranges_are_widened_outward_to_the_buckets() {
    let cases = [
        ((5.0, 10.0), between(5, 10)),
        ((4.2, 7.5), between(3, 10)),
        ((0.2, 0.8), between(0, 1)),
        ((5.0, 5.0), between(5, 10)),
        ((0.0, 0.0), between(0, 1)),
        ((11.0, 29.0), between(10, 30)),
        ((50.0, 150.0), Some(WaitEstimate::MoreThan { minutes: 45 })),
        (
            (120.0, 120.0),
            Some(WaitEstimate::MoreThan { minutes: 120 }),
        ),
        ((0.5, 130.0), None),
    ];
    for ((low, high), expected) in cases {
        assert_eq!(to_buckets(low, high), expected, "{low}–{high}");
    }
}

#[test]
fn the_estimate_reads_as_a_short_phrase_in_german_and_english() {
    let up_to_one = WaitEstimate::Between {
        min_minutes: 0,
        max_minutes: 1,
    };
    assert_eq!(up_to_one.german(), "bis zu 1 Minute");
    assert_eq!(up_to_one.english(), "up to 1 minute");
    let up_to_five = WaitEstimate::Between {
        min_minutes: 0,
        max_minutes: 5,
    };
    assert_eq!(up_to_five.german(), "bis zu 5 Minuten");
    assert_eq!(up_to_five.english(), "up to 5 minutes");
    let more = WaitEstimate::MoreThan { minutes: 45 };
    assert_eq!(more.german(), "mehr als 45 Minuten");
    assert_eq!(more.english(), "more than 45 minutes");
}

#[test]
fn a_wait_holds_when_it_lies_between_the_ends_inclusive() {
    let five_to_ten = WaitEstimate::Between {
        min_minutes: 5,
        max_minutes: 10,
    };
    let m = |x: u64| Duration::from_secs(x * 60);
    assert!(five_to_ten.holds(m(5)));
    assert!(five_to_ten.holds(m(10)));
    assert!(!five_to_ten.holds(m(10) + Duration::from_millis(1)));
    assert!(!five_to_ten.holds(m(4)));
    assert!(WaitEstimate::MoreThan { minutes: 45 }.holds(m(46)));
    assert!(!WaitEstimate::MoreThan { minutes: 45 }.holds(m(44)));
}

fn any_history() -> impl Strategy<Value = Vec<AcceptedWait>> {
    proptest::collection::vec((0i64..(170 * 60), 0i64..(40 * 60)), 0..60).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(entered, waited)| AcceptedWait {
                entered_at: morning().plus_millis(entered * SECOND),
                accepted_at: morning().plus_millis((entered + waited) * SECOND),
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn without_free_seats_a_later_position_never_gets_a_shorter_estimate(
        history in any_history(),
        position in 1u32..20,
    ) {
        let now = morning().plus_millis(3 * HOUR + 30 * MINUTE);
        let rules = EstimateRules::default();
        let ends = |p: u32| match estimate_wait(&history, queue(p, 0), now, &rules) {
            Some(WaitEstimate::Between { min_minutes, max_minutes }) => Some((min_minutes, max_minutes)),
            Some(WaitEstimate::MoreThan { minutes }) => Some((minutes, u32::MAX)),
            None => None,
        };
        if let (Some((lo1, hi1)), Some((lo2, hi2))) = (ends(position), ends(position + 1)) {
            prop_assert!(lo1 <= lo2 && hi1 <= hi2, "{:?} then {:?}", (lo1, hi1), (lo2, hi2));
        }
    }

    #[test]
    fn an_estimate_is_a_real_range_in_whole_bucket_minutes(
        history in any_history(),
        position in 1u32..10,
        free_seats in 0u32..4,
    ) {
        let now = morning().plus_millis(3 * HOUR);
        match estimate_wait(&history, queue(position, free_seats), now, &EstimateRules::default()) {
            Some(WaitEstimate::Between { min_minutes, max_minutes }) => {
                prop_assert!(min_minutes < max_minutes);
                prop_assert!(BUCKETS.contains(&min_minutes) && BUCKETS.contains(&max_minutes));
            }
            Some(WaitEstimate::MoreThan { minutes }) => prop_assert!(BUCKETS.contains(&minutes) && minutes > 0),
            None => {}
        }
    }
}

// ----- a simulated day -----------------------------------------------------------------------

/// splitmix64: a fixed-seed pseudo-random source, so the simulated days are the same every run.
struct Random(u64);

impl Random {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// Exponential with the given mean.
    fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }
}

/// One seat of a counselor: room for one running chat.
struct Seat {
    /// The counselor is on duty from/to (minutes of the day).
    on_from: f64,
    on_to: f64,
    /// A chat runs until then.
    busy_until: f64,
    /// The counselor noticed a waiting asker and accepts at this time.
    accepting_at: Option<f64>,
}

struct Arrival {
    entered: f64,
    estimate: Option<WaitEstimate>,
    accepted: Option<f64>,
}

/// Replays one day from 08:00 to 20:00 with a time step of one second: askers arrive at a
/// rate that changes over the day (4, 10, 8, 5 per hour), counselors (2, then 3, then 2, each
/// with two seats) react after 0.5–3 minutes to a waiting asker when they have a free seat, and
/// chats last 8 minutes plus an exponential 15 minutes on average. On every arrival the
/// estimate is asked with the history so far, the position and the free seats. Returns every
/// arrival with its estimate and, if it was accepted that day, its accept time.
fn simulate_day(seed: u64) -> Vec<Arrival> {
    let mut random = Random(seed);
    let day_end = 12.0 * 60.0;
    let rate_per_minute = |t: f64| -> f64 {
        let per_hour = match t {
            t if t < 120.0 => 4.0,
            t if t < 360.0 => 10.0,
            t if t < 600.0 => 8.0,
            _ => 5.0,
        };
        per_hour / 60.0
    };
    let mut seats: Vec<Seat> = Vec::new();
    for (from, to, counselors) in [(0.0, 240.0, 2), (240.0, 480.0, 3), (480.0, day_end, 2)] {
        for _ in 0..counselors * 2 {
            seats.push(Seat {
                on_from: from,
                on_to: to,
                busy_until: 0.0,
                accepting_at: None,
            });
        }
    }

    let mut arrivals: Vec<Arrival> = Vec::new();
    let mut waiting: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    let mut history: Vec<AcceptedWait> = Vec::new();
    let stamp = |t: f64| morning().plus_millis(minutes(t));
    let mut next_arrival = random.exponential(1.0 / rate_per_minute(0.0));
    let step = 1.0 / 60.0;
    let mut t = 0.0;
    while t < day_end {
        // Accepts due now: FIFO.
        for seat in seats.iter_mut() {
            if seat.accepting_at.is_some_and(|at| at <= t) {
                seat.accepting_at = None;
                if let Some(asker) = waiting.pop_front() {
                    arrivals[asker].accepted = Some(t);
                    history.push(AcceptedWait {
                        entered_at: stamp(arrivals[asker].entered),
                        accepted_at: stamp(t),
                    });
                    seat.busy_until = t + 8.0 + random.exponential(15.0);
                }
            }
        }
        // Arrivals.
        while next_arrival <= t {
            waiting.push_back(arrivals.len());
            let free_seats = seats
                .iter()
                .filter(|s| s.on_from <= t && t < s.on_to && s.busy_until <= t)
                .count();
            let position = NonZeroU32::new(u32::try_from(waiting.len()).unwrap()).unwrap();
            let estimate = estimate_wait(
                &history,
                QueueNow {
                    position,
                    free_seats: u32::try_from(free_seats).unwrap(),
                },
                stamp(t),
                &EstimateRules::default(),
            );
            arrivals.push(Arrival {
                entered: t,
                estimate,
                accepted: None,
            });
            next_arrival += random.exponential(1.0 / rate_per_minute(next_arrival));
        }
        // Free seats of counselors on duty notice the waiting askers not yet being taken.
        let being_taken = seats.iter().filter(|s| s.accepting_at.is_some()).count();
        let mut untaken = waiting.len().saturating_sub(being_taken);
        for seat in seats.iter_mut() {
            if untaken == 0 {
                break;
            }
            let free = seat.on_from <= t && t < seat.on_to && seat.busy_until <= t;
            if free && seat.accepting_at.is_none() {
                seat.accepting_at = Some(t + random.between(0.5, 3.0));
                untaken -= 1;
            }
        }
        t += step;
    }
    arrivals
}

#[test]
fn a_simulated_day_keeps_most_actual_waits_inside_the_estimate() {
    let mut total_checked = 0usize;
    let mut total_inside = 0usize;
    for seed in 1..=20u64 {
        let arrivals = simulate_day(seed);
        let checked: Vec<(WaitEstimate, f64)> = arrivals
            .iter()
            .filter_map(|a| Some((a.estimate?, a.accepted? - a.entered)))
            .collect();
        let inside = checked
            .iter()
            .filter(|(estimate, waited)| {
                estimate.holds(Duration::from_millis(
                    u64::try_from(minutes(*waited)).unwrap(),
                ))
            })
            .count();
        let without = arrivals.iter().filter(|a| a.estimate.is_none()).count();
        let waits: Vec<f64> = checked.iter().map(|(_, w)| *w).collect();
        let longest = waits.iter().copied().fold(0.0, f64::max);
        let share = inside as f64 / checked.len() as f64;
        let mut widths: Vec<u32> = checked
            .iter()
            .filter_map(|(estimate, _)| match estimate {
                WaitEstimate::Between {
                    min_minutes,
                    max_minutes,
                } => Some(max_minutes - min_minutes),
                WaitEstimate::MoreThan { .. } => None,
            })
            .collect();
        widths.sort_unstable();
        let median_width = widths.get(widths.len() / 2).copied().unwrap_or(0);
        println!(
            "simulated day {seed}: {} arrivals, {without} without an estimate, {} checked, \
             {inside} inside ({:.1} %), median range {median_width} min wide, \
             longest wait {longest:.1} min",
            arrivals.len(),
            checked.len(),
            share * 100.0
        );
        assert!(
            checked.len() >= 50,
            "day {seed}: enough estimates to judge ({})",
            checked.len()
        );
        assert!(
            share >= 0.8,
            "day {seed}: only {:.1} % of actual waits inside the estimate",
            share * 100.0
        );
        total_checked += checked.len();
        total_inside += inside;
    }
    println!(
        "simulated days: {total_inside} of {total_checked} actual waits inside the estimate ({:.1} %)",
        100.0 * total_inside as f64 / total_checked as f64
    );
}
