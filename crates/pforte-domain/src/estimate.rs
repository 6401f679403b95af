//! An honest waiting-time estimate for an asker: a range in whole minutes from what actually
//! happened recently, or nothing.
//!
//! Why: an asker has no idea how long the wait may be. A made-up number is worse than none, so
//! [`estimate_wait`] says nothing until the topic has enough recent accepts, and otherwise a
//! range ("etwa 5–10 Minuten") wide enough to hold most real waits.
//!
//! Rules:
//! - **Data**: the accepts of the topic within [`EstimateRules::window`] before `now` (default
//!   3 hours); fewer than [`EstimateRules::min_accepts`] (default 5) → `None`. Entries accepted
//!   before they entered or after `now` are ignored.
//! - **Steps**: accepts sorted by time; each accept's *step* is the time from when it could
//!   last have moved, `max(entered, previous accept)`, to its accept. A step is a *backlog*
//!   step when the request entered before the previous accept (the queue moved up by one while
//!   it waited: how fast seats free up), otherwise a *fresh* step (it entered an empty queue:
//!   how fast a counselor reacts).
//! - **Places**: with at least as many free seats as the asker's position, one fresh step
//!   (a free seat takes them as soon as a counselor reacts). Otherwise the asker needs
//!   `position − free_seats` backlog steps. Fewer than [`EstimateRules::min_kind_samples`]
//!   (default 3) steps of the needed kind → `None`: the history says nothing about this
//!   situation (e.g. all seats are taken, but the queue has not had to wait for a seat yet),
//!   and guessing from the other kind was measured to be wrong far too often.
//! - **Range**: of the last [`EstimateRules::recent_steps`] (default 8) steps of that kind, the
//!   [`EstimateRules::low_percent`] (default 10th) and [`EstimateRules::high_percent`] (default
//!   90th) nearest-rank percentile (with eight steps: the shortest and the longest), times the
//!   places, then widened outward to the [`BUCKETS`] (0, 1, 2, 3, 5, 10, 15, 20, 30, 45, 60, 90,
//!   120 minutes): the lower end rounds down, the upper end up, and the two differ. A range
//!   reaching past 120 minutes becomes "more than" its lower end, or `None` if that is 0.
//!   Recent steps rather than the whole window: when a counselor leaves, the queue slows at
//!   once, and the estimate should follow.
//!
//! ```
//! use std::num::NonZeroU32;
//! use pforte_domain::estimate::{estimate_wait, AcceptedWait, EstimateRules, QueueNow};
//! use pforte_domain::Timestamp;
//!
//! let minute = |m: i64| Timestamp::from_millis(m * 60_000);
//! // Ten askers waited in a queue that moved up one place every 4 minutes.
//! let history: Vec<AcceptedWait> = (0..10)
//!     .map(|i| AcceptedWait { entered_at: minute(0), accepted_at: minute(1 + 4 * i) })
//!     .collect();
//! let third = QueueNow { position: NonZeroU32::new(3).unwrap(), free_seats: 0 };
//! let estimate = estimate_wait(&history, third, minute(40), &EstimateRules::default());
//! assert_eq!(estimate.unwrap().german(), "etwa 10–15 Minuten");
//! ```
//!
//! The test `a_simulated_day_keeps_most_actual_waits_inside_the_estimate` replays days of
//! arrivals and accepts and reports how many actual waits fell inside the range given at
//! arrival (it must be at least 80 %).

use std::num::NonZeroU32;
use std::time::Duration;

use crate::time::Timestamp;

/// The minute marks a range is widened to.
pub const BUCKETS: [u32; 13] = [0, 1, 2, 3, 5, 10, 15, 20, 30, 45, 60, 90, 120];

/// One accepted request of the topic: when the asker entered the waiting room and when a
/// counselor accepted.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct AcceptedWait {
    pub entered_at: Timestamp,
    pub accepted_at: Timestamp,
}

/// Where the asker stands now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QueueNow {
    /// 1 = next in line.
    pub position: NonZeroU32,
    /// Seats free right now among the topic's available counselors (a seat is room for one
    /// more running chat).
    pub free_seats: u32,
}

/// The knobs of the estimate; see the [module](self) for their meaning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EstimateRules {
    pub window: Duration,
    pub min_accepts: usize,
    pub min_kind_samples: usize,
    pub recent_steps: usize,
    pub low_percent: u8,
    pub high_percent: u8,
}

impl Default for EstimateRules {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(3 * 60 * 60),
            min_accepts: 5,
            min_kind_samples: 3,
            recent_steps: 8,
            low_percent: 10,
            high_percent: 90,
        }
    }
}

/// How long the asker will probably wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WaitEstimate {
    /// Between the two, in whole minutes (`min_minutes` may be 0: "bis zu 5 Minuten").
    Between { min_minutes: u32, max_minutes: u32 },
    /// Longer than this many minutes (the range reached past 120 minutes).
    MoreThan { minutes: u32 },
}

impl WaitEstimate {
    /// Whether a wait of `wait` lies inside the estimate.
    pub fn holds(self, wait: Duration) -> bool {
        let millis = wait.as_millis();
        let minute = 60_000u128;
        match self {
            WaitEstimate::Between {
                min_minutes,
                max_minutes,
            } => {
                u128::from(min_minutes) * minute <= millis
                    && millis <= u128::from(max_minutes) * minute
            }
            WaitEstimate::MoreThan { minutes } => millis >= u128::from(minutes) * minute,
        }
    }

    /// `etwa 5–10 Minuten`, `bis zu 5 Minuten`, `mehr als 45 Minuten`.
    pub fn german(self) -> String {
        match self {
            WaitEstimate::Between {
                min_minutes: 0,
                max_minutes,
            } => format!("bis zu {max_minutes} {}", minuten(max_minutes)),
            WaitEstimate::Between {
                min_minutes,
                max_minutes,
            } => format!("etwa {min_minutes}–{max_minutes} Minuten"),
            WaitEstimate::MoreThan { minutes } => {
                format!("mehr als {minutes} {}", minuten(minutes))
            }
        }
    }

    /// `about 5–10 minutes`, `up to 5 minutes`, `more than 45 minutes`.
    pub fn english(self) -> String {
        match self {
            WaitEstimate::Between {
                min_minutes: 0,
                max_minutes,
            } => format!("up to {max_minutes} {}", minutes_en(max_minutes)),
            WaitEstimate::Between {
                min_minutes,
                max_minutes,
            } => format!("about {min_minutes}–{max_minutes} minutes"),
            WaitEstimate::MoreThan { minutes } => {
                format!("more than {minutes} {}", minutes_en(minutes))
            }
        }
    }
}

fn minuten(n: u32) -> &'static str {
    if n == 1 {
        "Minute"
    } else {
        "Minuten"
    }
}

fn minutes_en(n: u32) -> &'static str {
    if n == 1 {
        "minute"
    } else {
        "minutes"
    }
}

/// The estimate for an asker at `queue` at `now`, from the topic's recent `history`; `None`
/// when there is not enough data (see the [module](self) for every rule).
pub fn estimate_wait(
    history: &[AcceptedWait],
    queue: QueueNow,
    now: Timestamp,
    rules: &EstimateRules,
) -> Option<WaitEstimate> {
    let window = i64::try_from(rules.window.as_millis()).unwrap_or(i64::MAX);
    let since = now.plus_millis(-window);
    let mut recent: Vec<AcceptedWait> = history
        .iter()
        .copied()
        .filter(|w| w.accepted_at >= w.entered_at && since < w.accepted_at && w.accepted_at <= now)
        .collect();
    if recent.len() < rules.min_accepts.max(1) {
        return None;
    }
    recent.sort_by_key(|w| (w.accepted_at, w.entered_at));

    let mut fresh = Vec::new();
    let mut backlog = Vec::new();
    let mut previous: Option<Timestamp> = None;
    for wait in &recent {
        let from = previous.map_or(wait.entered_at, |p| p.max(wait.entered_at));
        let step = wait.accepted_at.as_millis() - from.as_millis();
        if previous.is_some_and(|p| wait.entered_at < p) {
            backlog.push(step);
        } else {
            fresh.push(step);
        }
        previous = Some(wait.accepted_at);
    }

    let position = queue.position.get();
    let (wanted, places) = if queue.free_seats >= position {
        (fresh, 1)
    } else {
        (backlog, position - queue.free_seats)
    };
    // The most recent steps of the wanted kind: the queue moves as fast as it does now.
    if wanted.len() < rules.min_kind_samples.max(1) {
        return None;
    }
    let mut steps = wanted[wanted.len().saturating_sub(rules.recent_steps.max(1))..].to_vec();
    steps.sort_unstable();

    let low = percentile(&steps, rules.low_percent) as f64 * f64::from(places) / 60_000.0;
    let high = percentile(&steps, rules.high_percent) as f64 * f64::from(places) / 60_000.0;
    to_buckets(low, high)
}

/// Nearest-rank percentile of sorted, non-empty values.
fn percentile(sorted: &[i64], percent: u8) -> i64 {
    let len = sorted.len();
    let rank = (usize::from(percent.min(100)) * len).div_ceil(100).max(1);
    sorted[rank.min(len) - 1]
}

/// Widens `[low, high]` (minutes) outward to the buckets.
fn to_buckets(low: f64, high: f64) -> Option<WaitEstimate> {
    let lower = BUCKETS
        .iter()
        .copied()
        .rev()
        .find(|&b| f64::from(b) <= low)
        .unwrap_or(0);
    let Some(upper) = BUCKETS.iter().copied().find(|&b| f64::from(b) >= high) else {
        return (lower > 0).then_some(WaitEstimate::MoreThan { minutes: lower });
    };
    let upper = if upper == lower {
        match BUCKETS.iter().copied().find(|&b| b > lower) {
            Some(next) => next,
            None => return Some(WaitEstimate::MoreThan { minutes: lower }),
        }
    } else {
        upper
    };
    Some(WaitEstimate::Between {
        min_minutes: lower,
        max_minutes: upper,
    })
}

#[cfg(test)]
mod tests;
