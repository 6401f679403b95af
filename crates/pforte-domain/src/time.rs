//! Wall-clock time as plain numbers, passed into the logic from outside.

use std::time::Duration;

/// A point in time: milliseconds since the Unix epoch (UTC).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// This point plus a duration, saturating instead of overflowing.
    pub fn plus(self, duration: Duration) -> Self {
        let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        Self(self.0.saturating_add(millis))
    }

    /// This point moved by `millis` (negative: earlier), saturating instead of overflowing.
    pub const fn plus_millis(self, millis: i64) -> Self {
        Self(self.0.saturating_add(millis))
    }

    /// How long from `earlier` to `self`; zero if `earlier` is later.
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_millis(u64::try_from(self.0.saturating_sub(earlier.0)).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_a_huge_duration_saturates_instead_of_overflowing() {
        let t = Timestamp::from_millis(i64::MAX - 5);
        assert_eq!(
            t.plus(Duration::from_secs(10)),
            Timestamp::from_millis(i64::MAX)
        );
    }

    #[test]
    fn time_since_a_later_point_is_zero() {
        let t = Timestamp::from_millis(1_000);
        assert_eq!(t.since(Timestamp::from_millis(2_000)), Duration::ZERO);
        assert_eq!(
            Timestamp::from_millis(2_500).since(t),
            Duration::from_millis(1_500)
        );
    }
}
