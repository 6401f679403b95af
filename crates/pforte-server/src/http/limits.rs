//! Limits that keep one client from spoiling the service for others, all in memory (addresses
//! live only here, never on disk or in logs), per server instance:
//!
//! - entries into waiting rooms and login attempts per client and minute;
//! - failed logins per account name, answered with a growing wait (backoff) instead of a
//!   lockout: the first five failures are free, then 1 s, 2 s, 4 s … up to 5 minutes between
//!   evaluated attempts, forgotten a day after the last failure or at a success. A client that
//!   logged in to the account before (within 30 days) is not slowed by others' failures, so an
//!   attacker cannot lock a counselor out of their usual device;
//! - live sockets: per client (anonymous sockets only: gate watchers, askers, and counselors
//!   until they authenticated) and in all, below the file-descriptor limit, so that the REST
//!   API keeps answering when sockets pile up.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use pforte_wire::ErrorCode;
use tokio::time::Instant;

use super::client::ClientKey;
use crate::error::{AppError, AppResult};

/// Failures of an account that cost nothing.
const FREE_FAILURES: u32 = 5;
/// The longest wait between evaluated attempts of an account.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// Failures are forgotten this long after the last one.
const FAILURES_KEPT: Duration = Duration::from_secs(24 * 3600);
/// A client that logged in to an account is known to it this long.
const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// At most this many account names are tracked (names that do not exist count too).
const MAX_TRACKED_NAMES: usize = 10_000;

/// How long to wait after `failures` failed logins before the next attempt is evaluated.
pub fn backoff(failures: u32) -> Duration {
    if failures < FREE_FAILURES {
        return Duration::ZERO;
    }
    let exponent = (failures - FREE_FAILURES).min(16);
    Duration::from_secs(1u64 << exponent).min(MAX_BACKOFF)
}

#[derive(Debug)]
struct Account {
    failures: u32,
    last_failure: Instant,
    /// Clients that logged in to this account, and when.
    known: HashMap<ClientKey, Instant>,
}

pub struct Limits {
    enter: DefaultKeyedRateLimiter<ClientKey>,
    login: DefaultKeyedRateLimiter<ClientKey>,
    accounts: Mutex<HashMap<String, Account>>,
    sockets: Arc<SocketCount>,
}

#[derive(Debug)]
struct SocketCount {
    per_client: Mutex<HashMap<ClientKey, u32>>,
    per_client_max: u32,
    live: AtomicUsize,
    max: usize,
}

/// A place for one live socket; given back when dropped.
#[derive(Debug)]
pub struct SocketPermit {
    count: Arc<SocketCount>,
    /// Counted against its client until it authenticated as a counselor.
    client: Option<ClientKey>,
}

impl SocketPermit {
    /// The socket belongs to a logged-in counselor now: it no longer counts against the
    /// address (behind a shared address there may be many counselors).
    pub fn authenticated(&mut self) {
        if let Some(client) = self.client.take() {
            self.count.release_client(client);
        }
    }
}

impl Drop for SocketPermit {
    fn drop(&mut self) {
        self.count.live.fetch_sub(1, Ordering::AcqRel);
        if let Some(client) = self.client.take() {
            self.count.release_client(client);
        }
    }
}

impl SocketCount {
    fn release_client(&self, client: ClientKey) {
        let mut per_client = self.per_client.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = per_client.get_mut(&client) {
            *count -= 1;
            if *count == 0 {
                per_client.remove(&client);
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The settings of [`Limits`].
#[derive(Clone, Copy, Debug)]
pub struct LimitSettings {
    pub enter_per_minute: u32,
    pub login_per_minute: u32,
    pub sockets_per_client: u32,
    /// Live sockets in all (below the descriptor limit).
    pub max_sockets: usize,
}

impl Limits {
    pub fn new(settings: LimitSettings) -> Self {
        let quota =
            |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN));
        Self {
            enter: RateLimiter::keyed(quota(settings.enter_per_minute)),
            login: RateLimiter::keyed(quota(settings.login_per_minute)),
            accounts: Mutex::default(),
            sockets: Arc::new(SocketCount {
                per_client: Mutex::default(),
                per_client_max: settings.sockets_per_client.max(1),
                live: AtomicUsize::new(0),
                max: settings.max_sockets.max(1),
            }),
        }
    }

    fn refuse() -> AppError {
        AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "too many attempts; please wait a minute",
        )
    }

    pub fn check_enter(&self, client: ClientKey) -> AppResult<()> {
        self.enter.check_key(&client).map_err(|_| Self::refuse())
    }

    pub fn check_login(&self, client: ClientKey) -> AppResult<()> {
        self.login.check_key(&client).map_err(|_| Self::refuse())
    }

    /// May a login attempt for `name` from `client` be evaluated now? Refused attempts are
    /// not evaluated and do not count as failures.
    pub fn check_account(&self, name: &str, client: ClientKey) -> Result<(), Duration> {
        let accounts = lock(&self.accounts);
        let Some(account) = accounts.get(&name.to_lowercase()) else {
            return Ok(());
        };
        let now = Instant::now();
        if account
            .known
            .get(&client)
            .is_some_and(|at| now.duration_since(*at) < KNOWN_FOR)
        {
            return Ok(());
        }
        let free_at = account.last_failure + backoff(account.failures);
        if now < free_at {
            Err(free_at - now)
        } else {
            Ok(())
        }
    }

    /// Record how an evaluated login attempt went.
    pub fn login_result(&self, name: &str, client: ClientKey, success: bool) {
        let now = Instant::now();
        let mut accounts = lock(&self.accounts);
        if accounts.len() >= MAX_TRACKED_NAMES && !accounts.contains_key(&name.to_lowercase()) {
            Self::forget_old_accounts(&mut accounts, now);
            if accounts.len() >= MAX_TRACKED_NAMES {
                // Under a flood of made-up names keep the ones being attacked hardest.
                let mut failures: Vec<u32> = accounts.values().map(|a| a.failures).collect();
                failures.sort_unstable();
                let median = failures[failures.len() / 2];
                accounts.retain(|_, a| a.failures > median || !a.known.is_empty());
            }
        }
        let account = accounts
            .entry(name.to_lowercase())
            .or_insert_with(|| Account {
                failures: 0,
                last_failure: now,
                known: HashMap::new(),
            });
        if success {
            account.failures = 0;
            account.known.insert(client, now);
        } else {
            account.failures = account.failures.saturating_add(1);
            account.last_failure = now;
        }
    }

    fn forget_old_accounts(accounts: &mut HashMap<String, Account>, now: Instant) {
        for account in accounts.values_mut() {
            account
                .known
                .retain(|_, at| now.duration_since(*at) < KNOWN_FOR);
            if now.duration_since(account.last_failure) >= FAILURES_KEPT {
                account.failures = 0;
            }
        }
        accounts.retain(|_, a| a.failures > 0 || !a.known.is_empty());
    }

    /// A place for a new live socket of `client`, or why not.
    pub fn socket(&self, client: ClientKey) -> AppResult<SocketPermit> {
        let count = &self.sockets;
        if count.live.fetch_add(1, Ordering::AcqRel) >= count.max {
            count.live.fetch_sub(1, Ordering::AcqRel);
            crate::app::warn_throttled(
                "socket_limit",
                &format!(
                    "refusing new WebSockets: {} live, the most this process can hold below its \
                     file-descriptor limit; the REST API keeps answering",
                    count.max
                ),
            );
            return Err(AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                "the server holds as many live connections as it can; try again shortly",
            ));
        }
        let mut per_client = lock(&count.per_client);
        let mine = per_client.entry(client).or_insert(0);
        if *mine >= count.per_client_max {
            drop(per_client);
            count.live.fetch_sub(1, Ordering::AcqRel);
            return Err(AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                "too many live connections from this address",
            ));
        }
        *mine += 1;
        Ok(SocketPermit {
            count: count.clone(),
            client: Some(client),
        })
    }

    /// Live sockets now.
    pub fn live_sockets(&self) -> usize {
        self.sockets.live.load(Ordering::Acquire)
    }

    /// Forget clients whose limits have fully recovered, and old login failures.
    pub fn forget_idle(&self) {
        self.enter.retain_recent();
        self.login.retain_recent();
        Self::forget_old_accounts(&mut lock(&self.accounts), Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::new(LimitSettings {
            enter_per_minute: 10,
            login_per_minute: 1000,
            sockets_per_client: 2,
            max_sockets: 3,
        })
    }

    fn client(n: u8) -> ClientKey {
        ClientKey::of(std::net::IpAddr::from([192, 0, 2, n]))
    }

    #[test]
    fn the_wait_after_failed_logins_grows_from_nothing_to_five_minutes() {
        assert_eq!(backoff(0), Duration::ZERO);
        assert_eq!(backoff(4), Duration::ZERO);
        assert_eq!(backoff(5), Duration::from_secs(1));
        assert_eq!(backoff(6), Duration::from_secs(2));
        assert_eq!(backoff(10), Duration::from_secs(32));
        assert_eq!(backoff(14), Duration::from_secs(300));
        assert_eq!(backoff(u32::MAX), Duration::from_secs(300));
    }

    #[tokio::test(start_paused = true)]
    async fn failures_from_many_addresses_slow_the_account_but_not_its_known_device() {
        let limits = limits();
        limits.login_result("anna", client(1), true);
        for n in 0..8 {
            if let Err(wait) = limits.check_account("Anna", client(100 + n)) {
                assert!(n >= 5, "the first five failures cost nothing");
                tokio::time::advance(wait).await;
            }
            assert!(limits.check_account("Anna", client(100 + n)).is_ok());
            limits.login_result("anna", client(100 + n), false);
        }
        let wait = limits.check_account("anna", client(200)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(8));
        assert!(
            limits.check_account("anna", client(1)).is_ok(),
            "her own device"
        );
        tokio::time::advance(Duration::from_secs(8)).await;
        assert!(limits.check_account("anna", client(200)).is_ok());
        limits.login_result("anna", client(200), true);
        assert!(
            limits.check_account("anna", client(201)).is_ok(),
            "a success resets"
        );
    }

    #[test]
    fn sockets_are_limited_per_address_and_in_all_and_given_back_when_dropped() {
        let limits = limits();
        let a1 = limits.socket(client(1)).unwrap();
        let _a2 = limits.socket(client(1)).unwrap();
        assert_eq!(
            limits.socket(client(1)).unwrap_err().code,
            ErrorCode::RateLimited
        );
        let _b = limits.socket(client(2)).unwrap();
        assert_eq!(
            limits.socket(client(3)).unwrap_err().code,
            ErrorCode::Unavailable
        );
        drop(a1);
        assert!(limits.socket(client(1)).is_ok());
    }

    #[test]
    fn an_authenticated_counselor_socket_no_longer_counts_against_its_address() {
        let limits = limits();
        let mut first = limits.socket(client(1)).unwrap();
        first.authenticated();
        let _second = limits.socket(client(1)).unwrap();
        let _third = limits.socket(client(1)).unwrap();
        assert_eq!(limits.live_sockets(), 3);
    }
}
