//! Percentiles and rates: pure arithmetic over what the load generator recorded.

use std::time::Duration;

/// The distribution of some latencies.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    pub count: usize,
    /// Milliseconds.
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

/// The value below which `q` (0..=1) of the sorted samples lie: nearest rank, so p99 of 100
/// samples is the 99th, and p99 of 10 samples is the largest.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// p50, p99 and max of some latencies (in any order).
pub fn summarize(samples: &[Duration]) -> Summary {
    let mut ms: Vec<f64> = samples.iter().copied().map(millis).collect();
    summarize_ms(&mut ms)
}

pub fn summarize_ms(ms: &mut [f64]) -> Summary {
    ms.sort_by(f64::total_cmp);
    Summary {
        count: ms.len(),
        p50: percentile(ms, 0.50),
        p99: percentile(ms, 0.99),
        max: ms.last().copied().unwrap_or(f64::NAN),
    }
}

/// The median of some values (e.g. of the time-to-all of several rounds).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    percentile(&sorted, 0.5)
}

/// `a / b`, NaN when either is missing or `b` is zero.
pub fn ratio(a: f64, b: f64) -> f64 {
    if a.is_finite() && b.is_finite() && b != 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

/// Per-socket growth of a resident set, in KiB.
pub fn per_socket_kib(before_kib: u64, after_kib: u64, sockets: usize) -> f64 {
    if sockets == 0 {
        return f64::NAN;
    }
    after_kib.saturating_sub(before_kib) as f64 / sockets as f64
}

/// CPU time spent over wall time, as a percentage of one core.
pub fn cpu_percent(ticks: u64, ticks_per_second: u64, wall: Duration) -> f64 {
    if ticks_per_second == 0 || wall.is_zero() {
        return f64::NAN;
    }
    ticks as f64 / ticks_per_second as f64 / wall.as_secs_f64() * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_p99_of_a_hundred_samples_is_the_ninety_ninth_and_the_p50_the_fiftieth() {
        let sorted: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&sorted, 0.99), 99.0);
        assert_eq!(percentile(&sorted, 0.50), 50.0);
    }

    #[test]
    fn the_p99_of_few_samples_is_their_largest_and_of_none_is_not_a_number() {
        assert_eq!(percentile(&[1.0, 2.0, 3.0], 0.99), 3.0);
        assert_eq!(percentile(&[7.0], 0.5), 7.0);
        assert!(percentile(&[], 0.5).is_nan());
    }

    #[test]
    fn a_summary_sorts_its_samples_first() {
        let samples = [5, 1, 4, 2, 3].map(Duration::from_millis);
        let summary = summarize(&samples);
        assert_eq!(summary.count, 5);
        assert_eq!(summary.p50, 3.0);
        assert_eq!(summary.max, 5.0);
    }

    #[test]
    fn a_ratio_to_a_missing_or_zero_figure_is_not_a_number() {
        assert_eq!(ratio(3.0, 2.0), 1.5);
        assert!(ratio(3.0, 0.0).is_nan());
        assert!(ratio(f64::NAN, 2.0).is_nan());
    }

    #[test]
    fn memory_per_socket_is_the_growth_divided_by_the_sockets_and_never_negative() {
        assert_eq!(per_socket_kib(1000, 41_000, 10_000), 4.0);
        assert_eq!(per_socket_kib(2000, 1000, 10), 0.0);
        assert!(per_socket_kib(0, 10, 0).is_nan());
    }

    #[test]
    fn three_seconds_of_cpu_over_thirty_seconds_is_ten_percent_of_a_core() {
        assert!((cpu_percent(300, 100, Duration::from_secs(30)) - 10.0).abs() < 1e-9);
    }
}
