//! The shell's decisions as pure functions: no I/O, no clock, no Tauri.
//!
//! What the tray shows, when to notify and with which words, what a window close, quit,
//! logout, screen lock, system sleep or session expiry leads to, how long to wait before
//! reconnecting, which addresses the shell may talk to. [`crate::machine`] applies them to
//! the shell's state; the desktop app only carries out what it says.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use pforte_wire::{
    Availability, LiveChatRequest, OfflineReason, ServerEvent, SessionEndReason, ShiftNotice,
    TopicCoverage,
};
use serde::Serialize;
use url::Url;
use uuid::Uuid;

/// How long the shell waits for the server's "going offline" answer before the window goes.
pub const OFFLINE_TIMEOUT: Duration = Duration::from_secs(2);

/// Clicks on the tray's availability item closer together than this count as one.
pub const TOGGLE_DEBOUNCE: Duration = Duration::from_millis(700);

/// Default for the reminder while a request waits unanswered.
pub const DEFAULT_REMINDER: Duration = Duration::from_secs(120);

/// Shortest and longest reminder interval a counselor may choose.
pub const REMINDER_BOUNDS: (Duration, Duration) =
    (Duration::from_secs(10), Duration::from_secs(3600));

/// The sound a request notification asks for unless the counselor chose another
/// (freedesktop sound theme name).
pub const REQUEST_SOUND: &str = "message-new-instant";

/// The sounds a counselor may choose for request notifications (freedesktop sound theme
/// names, present in every theme that follows the naming specification).
pub const SOUNDS: [&str; 4] = [
    REQUEST_SOUND,
    "bell",
    "phone-incoming-call",
    "alarm-clock-elapsed",
];

/// A chosen sound, if it is one of [`SOUNDS`].
pub fn sound_choice(name: &str) -> Option<&'static str> {
    SOUNDS.iter().copied().find(|known| *known == name)
}

// ---------------------------------------------------------------- what the shell knows

/// A waiting request the shell was told of, and when it last alerted about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tracked {
    pub topic_id: i64,
    pub topic_name: String,
    /// Milliseconds since the Unix epoch.
    pub entered_at: i64,
    pub last_alert: i64,
}

/// What the shell knows about its counselor, from the server's answers and events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Knowledge {
    pub logged_in: bool,
    /// The shell's own WebSocket to the server is up.
    pub connected: bool,
    pub availability: Option<Availability>,
    pub my_topics: BTreeSet<i64>,
    /// Waiting askers per topic of the counselor (from coverage).
    pub waiting: BTreeMap<i64, u32>,
    /// Requests the counselor can see now (only while available).
    pub requests: BTreeMap<Uuid, Tracked>,
}

impl Knowledge {
    pub fn switched_on(&self) -> bool {
        self.availability.as_ref().is_some_and(|a| a.switched_on)
    }

    pub fn available(&self) -> bool {
        self.availability.as_ref().is_some_and(|a| a.available)
    }

    pub fn absent(&self) -> bool {
        self.availability.as_ref().is_some_and(|a| a.absent)
    }

    /// Whether all the counselor's seats in this topic are taken (no limit: never).
    pub fn no_free_seat(&self, topic: i64) -> bool {
        self.availability
            .as_ref()
            .is_some_and(|a| a.seats.iter().any(|s| s.topic_id == topic && s.free == 0))
    }

    pub fn waiting_total(&self) -> u32 {
        self.waiting.values().sum()
    }

    /// Forget everything of the session (logout, expiry, another account).
    pub fn forget_session(&mut self) {
        *self = Knowledge::default();
    }

    pub fn set_availability(&mut self, availability: Availability) {
        if !availability.available {
            // Requests are visible only while available; the list is re-read when back on.
            self.requests.clear();
        }
        self.availability = Some(availability);
    }

    pub fn set_coverage(&mut self, coverage: &[TopicCoverage]) {
        self.waiting = coverage.iter().map(|c| (c.topic_id, c.waiting)).collect();
    }

    /// Replace the known requests by the server's list, keeping when each was last alerted.
    pub fn set_requests(&mut self, list: &[LiveChatRequest], now: i64) {
        let mut next = BTreeMap::new();
        for request in list {
            let last_alert = self
                .requests
                .get(&request.id)
                .map_or(now, |known| known.last_alert);
            next.insert(
                request.id,
                Tracked {
                    topic_id: request.topic_id,
                    topic_name: request.topic_name.clone(),
                    entered_at: request.entered_at,
                    last_alert,
                },
            );
        }
        self.requests = next;
    }
}

// ---------------------------------------------------------------- the tray

/// Which of the three tray icons to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrayLook {
    Available,
    Unavailable,
    Waiting,
}

/// Everything the tray shows, derived from what the shell knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrayView {
    pub look: TrayLook,
    /// Hover text (Windows, macOS; Linux trays show `status_line` in the menu instead).
    pub tooltip: String,
    /// First, disabled line of the menu.
    pub status_line: String,
    /// "Live-Chat verfügbar" is ticked.
    pub checked: bool,
    /// "Live-Chat verfügbar" can be clicked.
    pub toggle_enabled: bool,
    /// "Abmelden" can be clicked.
    pub logout_enabled: bool,
}

fn waiting_phrase(count: u32) -> String {
    match count {
        0 => "keine Anfrage wartet".to_owned(),
        1 => "1 Anfrage wartet".to_owned(),
        n => format!("{n} Anfragen warten"),
    }
}

/// "seit 4 Min." for a wait of `ms` milliseconds (whole minutes, hours from 60 on).
pub fn wait_phrase(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    match minutes {
        0 => "seit weniger als 1 Min.".to_owned(),
        1..=59 => format!("seit {minutes} Min."),
        _ => format!("seit {} Std. {} Min.", minutes / 60, minutes % 60),
    }
}

impl Knowledge {
    /// When the request that has waited longest entered (only while available: the shell
    /// sees requests only then).
    pub fn oldest_wait_since(&self) -> Option<i64> {
        self.requests.values().map(|r| r.entered_at).min()
    }
}

/// What the tray shows for what the shell knows at `now` (epoch milliseconds).
pub fn tray_view(known: &Knowledge, now: i64) -> TrayView {
    if !known.logged_in {
        return TrayView {
            look: TrayLook::Unavailable,
            tooltip: "Pforte – nicht angemeldet".to_owned(),
            status_line: "Nicht angemeldet".to_owned(),
            checked: false,
            toggle_enabled: false,
            logout_enabled: false,
        };
    }
    let waiting = known.waiting_total();
    let available = known.available();
    let look = match (available, waiting) {
        (true, 0) => TrayLook::Available,
        (true, _) => TrayLook::Waiting,
        (false, _) => TrayLook::Unavailable,
    };
    let state = if !known.connected {
        "Keine Verbindung zum Server"
    } else if available {
        "Live-Chat verfügbar"
    } else if known.absent() {
        "Abwesend"
    } else {
        "Nicht verfügbar"
    };
    let mut status_line = format!("{state} · {}", waiting_phrase(waiting));
    if let (true, Some(since)) = (available, known.oldest_wait_since()) {
        let oldest = if waiting > 1 { ", die älteste" } else { "" };
        status_line.push_str(&format!("{oldest} {}", wait_phrase(now - since)));
    }
    TrayView {
        look,
        tooltip: format!("Pforte – {status_line}"),
        status_line,
        checked: known.switched_on(),
        toggle_enabled: known.availability.is_some() && !known.absent(),
        logout_enabled: true,
    }
}

/// What a click on "Live-Chat verfügbar" does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToggleClick {
    /// Ask the server to switch to this.
    Switch(bool),
    /// A double click, or nothing to switch: only put the tick back where it belongs.
    Ignore,
}

/// Decide a click on the availability item. `since_last` is the time since the previous
/// accepted click (None for the first).
pub fn toggle_click(known: &Knowledge, since_last: Option<Duration>) -> ToggleClick {
    if since_last.is_some_and(|gap| gap < TOGGLE_DEBOUNCE) {
        return ToggleClick::Ignore;
    }
    if !known.logged_in || known.availability.is_none() || known.absent() {
        return ToggleClick::Ignore;
    }
    ToggleClick::Switch(!known.switched_on())
}

// ---------------------------------------------------------------- notifications

/// Something the counselor is told by a native notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Alert {
    NewRequest {
        request_id: Uuid,
        topic_name: String,
        entered_at: i64,
    },
    StillWaiting {
        request_id: Uuid,
        topic_name: String,
        entered_at: i64,
    },
    WentOffline {
        reason: OfflineReason,
    },
    SessionExpired,
    /// An operator deactivated the account: the session is over and stays over.
    AccountDeactivated,
    /// An operator ended the counselor's availability, saying why (their words, no asker's).
    SwitchedOffByOperator {
        reason: String,
    },
    /// A covered shift began and the counselor is not available: its action switches on.
    ShiftStarted {
        topic_name: String,
        starts_at: i64,
        ends_at: i64,
    },
    /// A covered shift ended: switch off (or the server did, `switched_off`).
    ShiftEnded {
        topic_name: String,
        switched_off: bool,
    },
}

/// The words and manner of a notification. Safe for a lock screen: topic and time only,
/// never a name, pseudonym or message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
    /// The request a click opens.
    pub opens: Option<Uuid>,
    /// The sound to play (freedesktop name), or none.
    pub sound: Option<String>,
    /// A waiting human: stays on screen until acted on (Linux: `resident` hint, critical
    /// urgency, no expiry) instead of fading, and is withdrawn when the request no longer waits.
    pub stays: bool,
    /// Its action switches availability on ("Jetzt verfügbar schalten", a shift began).
    pub switches_on: bool,
}

/// How the counselor wants request notifications (Profil > Meine Aktivitäten).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertPrefs {
    pub sound: bool,
    /// One of [`SOUNDS`].
    pub sound_name: String,
    /// Request notifications stay until acted on.
    pub stay: bool,
    pub reminder: Duration,
}

impl Default for AlertPrefs {
    fn default() -> Self {
        Self {
            sound: true,
            sound_name: REQUEST_SOUND.to_owned(),
            stay: true,
            reminder: DEFAULT_REMINDER,
        }
    }
}

/// The notice for an alert; `clock` turns epoch milliseconds into local "HH:MM".
pub fn notice(alert: &Alert, clock: impl Fn(i64) -> String, prefs: &AlertPrefs) -> Notice {
    let request_sound = prefs.sound.then(|| prefs.sound_name.clone());
    match alert {
        Alert::NewRequest {
            request_id,
            topic_name,
            entered_at,
        } => Notice {
            title: "Neue Live-Chat-Anfrage".to_owned(),
            body: format!("{topic_name} · {}", clock(*entered_at)),
            opens: Some(*request_id),
            sound: request_sound,
            stays: prefs.stay,
            switches_on: false,
        },
        Alert::StillWaiting {
            request_id,
            topic_name,
            entered_at,
        } => Notice {
            title: "Live-Chat-Anfrage wartet noch".to_owned(),
            body: format!("{topic_name} · wartet seit {}", clock(*entered_at)),
            opens: Some(*request_id),
            sound: request_sound,
            stays: prefs.stay,
            switches_on: false,
        },
        Alert::WentOffline { reason } => Notice {
            title: "Live-Chat ausgeschaltet".to_owned(),
            body: match reason {
                OfflineReason::ScreenLocked => {
                    "Der Bildschirm wurde gesperrt: Sie sind nicht mehr verfügbar."
                }
                OfflineReason::SystemSleep => {
                    "Der Rechner geht in den Ruhezustand: Sie sind nicht mehr verfügbar."
                }
                OfflineReason::WindowClosed => {
                    "Das Fenster wurde geschlossen: Sie sind nicht mehr verfügbar."
                }
                OfflineReason::AppQuit => "Pforte wurde beendet: Sie sind nicht mehr verfügbar.",
            }
            .to_owned(),
            opens: None,
            sound: None,
            stays: false,
            switches_on: false,
        },
        Alert::SessionExpired => Notice {
            title: "Sitzung abgelaufen".to_owned(),
            body: "Bitte melden Sie sich neu an. Live-Chat ist ausgeschaltet.".to_owned(),
            opens: None,
            sound: None,
            stays: false,
            switches_on: false,
        },
        Alert::AccountDeactivated => Notice {
            title: "Zugang deaktiviert".to_owned(),
            body: "Ihr Zugang wurde von der Administration deaktiviert. Live-Chat ist \
                   ausgeschaltet."
                .to_owned(),
            opens: None,
            sound: None,
            stays: true,
            switches_on: false,
        },
        Alert::ShiftStarted {
            topic_name,
            starts_at,
            ends_at,
        } => Notice {
            title: "Ihre Chatzeit beginnt – Sie sind noch nicht verfügbar".to_owned(),
            body: format!("{topic_name} · {}–{}", clock(*starts_at), clock(*ends_at)),
            opens: None,
            sound: prefs.sound.then(|| prefs.sound_name.clone()),
            stays: true,
            switches_on: true,
        },
        Alert::ShiftEnded {
            topic_name,
            switched_off,
        } => Notice {
            title: "Ihre Chatzeit ist zu Ende".to_owned(),
            body: if *switched_off {
                format!("{topic_name} · Ihre Verfügbarkeit wurde automatisch ausgeschaltet.")
            } else {
                format!("{topic_name} · Denken Sie daran, Ihre Verfügbarkeit auszuschalten.")
            },
            opens: None,
            sound: None,
            stays: false,
            switches_on: false,
        },
        Alert::SwitchedOffByOperator { reason } => Notice {
            title: "Von der Administration ausgeschaltet".to_owned(),
            body: reason.clone(),
            opens: None,
            sound: None,
            stays: false,
            switches_on: false,
        },
    }
}

/// Requests that have waited unanswered for `remind_after` since the last alert about them,
/// as reminders; marks them alerted at `now`. Nothing while not available.
pub fn reminders_due(known: &mut Knowledge, now: i64, remind_after: Duration) -> Vec<Alert> {
    if !known.available() {
        return Vec::new();
    }
    let after = i64::try_from(remind_after.as_millis()).unwrap_or(i64::MAX);
    let mut due = Vec::new();
    let full: BTreeSet<i64> = known
        .requests
        .values()
        .map(|t| t.topic_id)
        .filter(|topic| known.no_free_seat(*topic))
        .collect();
    for (id, tracked) in &mut known.requests {
        // No free seat: the reminders pause until one frees.
        if full.contains(&tracked.topic_id) {
            continue;
        }
        if now.saturating_sub(tracked.last_alert) >= after {
            tracked.last_alert = now;
            due.push(Alert::StillWaiting {
                request_id: *id,
                topic_name: tracked.topic_name.clone(),
                entered_at: tracked.entered_at,
            });
        }
    }
    due
}

/// A chosen reminder interval, kept within the bounds.
pub fn clamp_reminder(chosen: Duration) -> Duration {
    chosen.clamp(REMINDER_BOUNDS.0, REMINDER_BOUNDS.1)
}

// ---------------------------------------------------------------- server events

/// What the shell does after an event from the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reaction {
    /// Re-read availability, coverage and (while available) the requests.
    Resync,
    /// Re-read the waiting requests (just became available).
    FetchRequests,
    Notify(Alert),
    /// The tray may look different now.
    Tray,
    /// Tell the webview the availability changed.
    EmitAvailability,
    /// The server ended the session.
    SessionOver(SessionEndReason),
}

/// Apply a server event to what the shell knows; say what to do about it.
pub fn on_server_event(known: &mut Knowledge, event: &ServerEvent, now: i64) -> Vec<Reaction> {
    match event {
        // Ready, or events were left out while the socket fell behind: re-read everything.
        ServerEvent::Ready | ServerEvent::RequestsChanged => vec![Reaction::Resync],
        ServerEvent::AvailabilityChanged { availability, .. } => {
            let was_available = known.available();
            known.set_availability(availability.clone());
            let mut effects = vec![Reaction::Tray, Reaction::EmitAvailability];
            if availability.available && !was_available {
                effects.push(Reaction::FetchRequests);
            }
            effects
        }
        ServerEvent::RequestCreated { request, notify } => {
            // The server sends these only to available counselors of the topic; the shell
            // checks again, because a notification while unavailable must never happen.
            if !known.available() || !known.my_topics.contains(&request.topic_id) {
                return Vec::new();
            }
            if known.requests.contains_key(&request.id) {
                return Vec::new();
            }
            known.requests.insert(
                request.id,
                Tracked {
                    topic_id: request.topic_id,
                    topic_name: request.topic_name.clone(),
                    entered_at: request.entered_at,
                    last_alert: now,
                },
            );
            // No free seat: listed (and counted in the tray), but no notification until a
            // seat frees.
            if !notify {
                return vec![Reaction::Tray];
            }
            vec![Reaction::Notify(Alert::NewRequest {
                request_id: request.id,
                topic_name: request.topic_name.clone(),
                entered_at: request.entered_at,
            })]
        }
        ServerEvent::RequestWithdrawn { request_id, .. }
        | ServerEvent::RequestTaken { request_id, .. } => {
            known.requests.remove(request_id);
            vec![Reaction::Tray]
        }
        ServerEvent::CoverageChanged { coverage } => {
            if known.my_topics.is_empty() || known.my_topics.contains(&coverage.topic_id) {
                known.waiting.insert(coverage.topic_id, coverage.waiting);
            }
            vec![Reaction::Tray]
        }
        ServerEvent::SessionEnded { reason } => vec![Reaction::SessionOver(*reason)],
        // Told while logged in, whether or not the switch was on: the operator's word arrives.
        ServerEvent::SwitchedOffByOperator { reason } if known.logged_in => {
            vec![Reaction::Notify(Alert::SwitchedOffByOperator {
                reason: reason.clone(),
            })]
        }
        ServerEvent::ShiftReminder {
            notice,
            topic_name,
            starts_at,
            ends_at,
            ..
        } => match notice {
            // Available by now (another device): nothing to remind of.
            ShiftNotice::Started if known.available() || known.absent() => Vec::new(),
            ShiftNotice::Started => vec![Reaction::Notify(Alert::ShiftStarted {
                topic_name: topic_name.clone(),
                starts_at: *starts_at,
                ends_at: *ends_at,
            })],
            ShiftNotice::Ended | ShiftNotice::SwitchedOff => {
                vec![Reaction::Notify(Alert::ShiftEnded {
                    topic_name: topic_name.clone(),
                    switched_off: *notice == ShiftNotice::SwitchedOff,
                })]
            }
        },
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------- leaving

/// Something that takes the counselor away from the desk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leaving {
    WindowClose,
    Quit,
    Logout,
    ScreenLocked,
    SystemSleep,
    SessionExpired,
    /// An operator deactivated the account (the server switched off and ended every session).
    Deactivated,
}

/// What happens after the server was told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Then {
    /// Close the window (the webview goes); the app stays in the tray.
    CloseWindow,
    /// End the process.
    Exit,
    /// Forget the session and show the window (the dashboard's login).
    ShowLogin,
    Stay,
}

/// What to do when the counselor leaves in one of the ways the shell notices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Send `POST /api/me/offline` with this reason (bounded by [`OFFLINE_TIMEOUT`]).
    pub offline: Option<OfflineReason>,
    /// Send `POST /api/auth/logout` (switches off on every device and ends the session).
    pub logout: bool,
    pub tell: Option<Alert>,
    pub then: Then,
}

pub fn plan(known: &Knowledge, leaving: Leaving) -> Plan {
    let session = known.logged_in;
    // Told even when the shell believes the switch is off: its knowledge may lag the
    // server's by an event, and the call is idempotent.
    let offline = |reason| session.then_some(reason);
    // A notification says why only when something was switched off.
    let tell = |reason| (session && known.switched_on()).then_some(Alert::WentOffline { reason });
    match leaving {
        Leaving::WindowClose => Plan {
            offline: offline(OfflineReason::WindowClosed),
            logout: false,
            tell: None,
            then: Then::CloseWindow,
        },
        Leaving::Quit => Plan {
            offline: offline(OfflineReason::AppQuit),
            logout: false,
            tell: None,
            then: Then::Exit,
        },
        Leaving::Logout => Plan {
            offline: None,
            logout: session,
            tell: None,
            then: Then::ShowLogin,
        },
        Leaving::ScreenLocked => Plan {
            offline: offline(OfflineReason::ScreenLocked),
            logout: false,
            tell: tell(OfflineReason::ScreenLocked),
            then: Then::Stay,
        },
        Leaving::SystemSleep => Plan {
            offline: offline(OfflineReason::SystemSleep),
            logout: false,
            tell: tell(OfflineReason::SystemSleep),
            then: Then::Stay,
        },
        // The server already switched off and forgot the token.
        Leaving::SessionExpired => Plan {
            offline: None,
            logout: false,
            tell: session.then_some(Alert::SessionExpired),
            then: Then::ShowLogin,
        },
        Leaving::Deactivated => Plan {
            offline: None,
            logout: false,
            tell: session.then_some(Alert::AccountDeactivated),
            then: Then::ShowLogin,
        },
    }
}

// ---------------------------------------------------------------- connection

/// How long to wait before reconnection attempt `attempt` (0 = the first retry): doubling
/// from half a second up to 30 s, spread by `jitter` in [0, 1) so many apps do not reconnect
/// at the same instant after a server restart.
pub fn reconnect_delay(attempt: u32, jitter: f64) -> Duration {
    let base_ms = 500u64.saturating_mul(1u64 << attempt.min(16)).min(30_000);
    let spread = 0.75 + 0.5 * jitter.clamp(0.0, 1.0);
    Duration::from_millis((base_ms as f64 * spread) as u64)
}

/// A socket that heard nothing (not even the server's pings) for this long is dead.
pub const SILENCE_LIMIT: Duration = Duration::from_secs(15);

/// The server closes every socket with this code when it shuts down for a restart.
pub const CLOSE_SERVICE_RESTART: u16 = 1012;
/// The server refuses the socket's token with this close code.
pub const CLOSE_UNAUTHORIZED: u16 = 4401;

/// After a restart close, failed attempts are repeated at this short fixed interval …
pub const RESTART_RETRY: Duration = Duration::from_millis(250);
/// … for this long after the close (the server's resume window), then the backoff takes over.
pub const RESTART_WINDOW: Duration = Duration::from_secs(30);

/// How the shell's socket ended, as far as reconnecting is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketEnd {
    /// Close code 1012: the server is restarting. Reconnect at once, no backoff.
    Restarting,
    /// The server refused the token (HTTP 401 at the upgrade, or close code 4401). That alone
    /// does not end the session: only `GET /api/me` answering 401 does.
    Refused,
    /// Anything else: the network, a silent server, 1011 (internal error), a 5xx at the
    /// upgrade. The server had a problem; the stored login stays.
    Lost,
}

/// The kind of end for a close frame's code (`None`: no close frame at all).
pub fn socket_end(code: Option<u16>) -> SocketEnd {
    match code {
        Some(CLOSE_SERVICE_RESTART) => SocketEnd::Restarting,
        Some(CLOSE_UNAUTHORIZED) => SocketEnd::Refused,
        _ => SocketEnd::Lost,
    }
}

// ---------------------------------------------------------------- where the shell may go

/// The server address a counselor typed, checked: `https`, or `http` on this machine only;
/// no credentials, query or fragment. Returns the origin the shell will use.
pub fn server_address(typed: &str) -> Result<Url, String> {
    let url = Url::parse(typed.trim()).map_err(|e| format!("keine gültige Adresse: {e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err("die Adresse nennt keinen Rechner".to_owned()),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err("nur https (http nur auf diesem Rechner)".to_owned()),
        other => return Err(format!("das Schema {other} ist nicht erlaubt")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("die Adresse darf keine Zugangsdaten enthalten".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("die Adresse darf keine Abfrage enthalten".to_owned());
    }
    let mut origin = url;
    origin.set_path("/");
    Ok(origin)
}

/// Whether the webview's API proxy may send `method path` to the configured server: only
/// the REST API, only the usual methods, no way out of `/api/`.
pub fn api_call_allowed(method: &str, path: &str) -> bool {
    let method_ok = matches!(method, "GET" | "POST" | "PUT" | "DELETE");
    let path_only = path.split(['?', '#']).next().unwrap_or_default();
    method_ok
        && path.starts_with("/api/")
        && !path.contains("..")
        && !path.contains("//")
        && !path.contains('\\')
        && !path_only.ends_with("/ws")
        && path.chars().all(|c| c.is_ascii_graphic())
}

/// Whether WebKit's accelerated compositing should be switched off, for the app's setting
/// (`on`, `off`, `auto` or unset) and whether the machine has a GPU render node. Measured on
/// software GL (Mesa llvmpipe, no render node): compositing costs about 95 MiB PSS with the
/// window open and paints nothing better, so `auto` switches it off there and leaves it on
/// where a GPU draws (see `src-tauri/README.md`).
pub fn compositing_off(setting: Option<&str>, gpu_render_node: bool) -> bool {
    match setting.map(str::trim) {
        Some("on") => false,
        Some("off") => true,
        _ => !gpu_render_node,
    }
}

/// Whether JavaScriptCore's JIT should be switched off in the dashboard's web process, for
/// the app's setting (`on`, `off`, `auto` or unset). The dashboard's script is event-driven
/// and light: without JIT it was drawn no later after "Dashboard öffnen" than the spread
/// between runs (0.8–1.0 s either way), the web process is ~7 MiB PSS smaller, and a web
/// process without JIT is the smaller target for the chat text it shows. `auto`: off.
pub fn jit_off(setting: Option<&str>) -> bool {
    !matches!(setting.map(str::trim), Some("on"))
}

/// The one call the webview may make before a session exists: the login, to the server the
/// login form names.
pub fn login_call(method: &str, path: &str) -> bool {
    method == "POST" && path == "/api/auth/login"
}

/// Whether the webview may navigate to `url`: only the bundled UI (and, in a debug build,
/// the development server).
pub fn navigation_allowed(url: &Url, dev_url: Option<&Url>) -> bool {
    let bundled = match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    };
    bundled || dev_url.is_some_and(|dev| dev.origin() == url.origin())
}

/// The name a downloaded file is saved under: the server's name (from `Content-Disposition`)
/// or the dashboard's, reduced to letters, digits, `.`, `_`, `-` and spaces, never hidden and
/// never a path. Empty or unusable names become `download`.
pub fn download_file_name(from_server: Option<&str>, fallback: &str) -> String {
    let clean = |name: &str| -> String {
        let kept: String = name
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | ' '))
            .take(120)
            .collect();
        kept.trim().trim_start_matches('.').trim().to_owned()
    };
    [from_server.map(clean), Some(clean(fallback))]
        .into_iter()
        .flatten()
        .find(|name| !name.is_empty() && name.chars().any(char::is_alphanumeric))
        .unwrap_or_else(|| "download".to_owned())
}

/// `name`, or `name (2)`, `name (3)`, … before the extension: the first that `taken` says is free.
pub fn free_file_name(name: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(name) {
        return name.to_owned();
    }
    let (stem, ext) = match name.rfind('.') {
        Some(dot) if dot > 0 => (&name[..dot], &name[dot..]),
        _ => (name, ""),
    };
    (2..1000)
        .map(|n| format!("{stem} ({n}){ext}"))
        .find(|candidate| !taken(candidate))
        .unwrap_or_else(|| format!("{stem} ({}){ext}", uuid::Uuid::new_v4()))
}

/// The file name in a `Content-Disposition` header (`filename*=UTF-8''…` first).
pub fn disposition_file_name(header: &str) -> Option<String> {
    let mut plain = None;
    for part in header.split(';').map(str::trim) {
        if let Some(value) = part.strip_prefix("filename*=") {
            let value = value.trim_matches('"');
            let encoded = value.rsplit("''").next().unwrap_or(value);
            let query = format!("n={encoded}");
            if let Some((_, decoded)) = url::form_urlencoded::parse(query.as_bytes()).next() {
                return Some(decoded.into_owned());
            }
        } else if let Some(value) = part.strip_prefix("filename=") {
            plain = Some(value.trim_matches('"').to_owned());
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;
    use pforte_wire::{SwitchReason, TopicCoverage, TopicSeats};

    const SUCHT: i64 = 1;
    const NOW: i64 = 1_800_000_000_000;

    fn availability(switched_on: bool, available: bool) -> Availability {
        Availability {
            switched_on,
            available,
            online: true,
            absent: false,
            absence_message: None,
            unavailable_because: (!available).then_some(if switched_on {
                pforte_wire::UnavailableReason::NoConnection
            } else {
                pforte_wire::UnavailableReason::SwitchedOff
            }),
            last_for: Vec::new(),
            seats: Vec::new(),
        }
    }

    fn known(switched_on: bool, available: bool, waiting: u32) -> Knowledge {
        Knowledge {
            logged_in: true,
            connected: true,
            availability: Some(availability(switched_on, available)),
            my_topics: [SUCHT].into(),
            waiting: [(SUCHT, waiting)].into(),
            requests: BTreeMap::new(),
        }
    }

    fn request(id: u128, topic_id: i64) -> LiveChatRequest {
        LiveChatRequest {
            id: Uuid::from_u128(id),
            topic_id,
            topic_name: "Suchtberatung".to_owned(),
            pseudonym: "Blauer Kranich".to_owned(),
            entered_at: NOW - 5_000,
            asker_online: true,
            asker_key: String::new(),
        }
    }

    fn clock(_: i64) -> String {
        "14:32".to_owned()
    }

    #[test]
    fn an_operators_switch_off_is_a_native_notification_with_the_reason() {
        let mut known = known(true, true, 0);
        let reactions = on_server_event(
            &mut known,
            &ServerEvent::SwitchedOffByOperator {
                reason: "Schicht vorbei".to_owned(),
            },
            NOW,
        );
        let [Reaction::Notify(alert)] = reactions.as_slice() else {
            panic!("expected one notification, got {reactions:?}");
        };
        let notice = notice(alert, clock, &AlertPrefs::default());
        assert_eq!(notice.title, "Von der Administration ausgeschaltet");
        assert_eq!(notice.body, "Schicht vorbei");
        assert_eq!(notice.opens, None);
        assert!(on_server_event(
            &mut Knowledge::default(),
            &ServerEvent::SwitchedOffByOperator {
                reason: "x".to_owned()
            },
            NOW
        )
        .is_empty());
    }

    #[test]
    fn an_available_counselor_without_waiting_requests_sees_the_available_icon_and_a_tick() {
        let view = tray_view(&known(true, true, 0), NOW);
        assert_eq!(view.look, TrayLook::Available);
        assert!(view.checked);
        assert!(view.toggle_enabled);
        assert_eq!(
            view.tooltip,
            "Pforte – Live-Chat verfügbar · keine Anfrage wartet"
        );
    }

    #[test]
    fn waiting_requests_of_an_available_counselor_show_the_waiting_icon_and_their_number() {
        let view = tray_view(&known(true, true, 3), NOW);
        assert_eq!(view.look, TrayLook::Waiting);
        assert_eq!(view.status_line, "Live-Chat verfügbar · 3 Anfragen warten");
        assert_eq!(
            tray_view(&known(true, true, 1), NOW).status_line,
            "Live-Chat verfügbar · 1 Anfrage wartet"
        );
    }

    #[test]
    fn an_unavailable_counselor_sees_the_unavailable_icon_even_when_askers_wait() {
        let view = tray_view(&known(false, false, 2), NOW);
        assert_eq!(view.look, TrayLook::Unavailable);
        assert!(!view.checked);
        assert_eq!(view.status_line, "Nicht verfügbar · 2 Anfragen warten");
    }

    #[test]
    fn nobody_logged_in_means_no_toggle_and_no_logout() {
        let view = tray_view(&Knowledge::default(), NOW);
        assert_eq!(view.look, TrayLook::Unavailable);
        assert!(!view.toggle_enabled && !view.logout_enabled && !view.checked);
        assert_eq!(view.tooltip, "Pforte – nicht angemeldet");
    }

    #[test]
    fn a_lost_connection_says_so_in_the_tray() {
        let mut k = known(true, false, 0);
        k.connected = false;
        let view = tray_view(&k, NOW);
        assert_eq!(view.look, TrayLook::Unavailable);
        assert!(view.status_line.starts_with("Keine Verbindung zum Server"));
    }

    #[test]
    fn an_absent_counselor_cannot_switch_on_from_the_tray() {
        let mut k = known(false, false, 0);
        k.availability.as_mut().unwrap().absent = true;
        assert!(!tray_view(&k, NOW).toggle_enabled);
        assert_eq!(toggle_click(&k, None), ToggleClick::Ignore);
    }

    #[test]
    fn a_click_on_the_toggle_asks_for_the_opposite_of_the_switch() {
        assert_eq!(
            toggle_click(&known(false, false, 0), None),
            ToggleClick::Switch(true)
        );
        assert_eq!(
            toggle_click(&known(true, true, 0), Some(Duration::from_secs(5))),
            ToggleClick::Switch(false)
        );
    }

    #[test]
    fn a_double_click_on_the_toggle_counts_once() {
        assert_eq!(
            toggle_click(&known(true, true, 0), Some(Duration::from_millis(150))),
            ToggleClick::Ignore
        );
    }

    #[test]
    fn a_new_request_of_an_available_counselor_is_notified_with_topic_and_time_only() {
        let mut k = known(true, true, 0);
        let event = ServerEvent::RequestCreated {
            request: request(7, SUCHT),
            notify: true,
        };
        let effects = on_server_event(&mut k, &event, NOW);
        let [Reaction::Notify(alert)] = effects.as_slice() else {
            panic!("expected one notification, got {effects:?}");
        };
        let shown = notice(alert, clock, &AlertPrefs::default());
        assert_eq!(shown.title, "Neue Live-Chat-Anfrage");
        assert_eq!(shown.body, "Suchtberatung · 14:32");
        assert!(!shown.body.contains("Kranich") && !shown.title.contains("Kranich"));
        assert_eq!(shown.opens, Some(Uuid::from_u128(7)));
        assert_eq!(shown.sound.as_deref(), Some(REQUEST_SOUND));
    }

    #[test]
    fn a_new_request_for_a_counselor_without_a_free_seat_is_listed_without_a_notification() {
        let mut k = known(true, true, 0);
        let event = ServerEvent::RequestCreated {
            request: request(7, SUCHT),
            notify: false,
        };
        assert_eq!(on_server_event(&mut k, &event, NOW), vec![Reaction::Tray]);
        assert!(k.requests.contains_key(&Uuid::from_u128(7)));
    }

    fn shift(notice: ShiftNotice) -> ServerEvent {
        ServerEvent::ShiftReminder {
            notice,
            topic_id: SUCHT,
            topic_name: "Suchtberatung".to_owned(),
            starts_at: NOW,
            ends_at: NOW + 2 * 60 * 60 * 1000,
        }
    }

    #[test]
    fn a_shift_beginning_while_not_available_is_a_notification_whose_action_switches_on() {
        let mut k = known(false, false, 0);
        let effects = on_server_event(&mut k, &shift(ShiftNotice::Started), NOW);
        let [Reaction::Notify(alert)] = effects.as_slice() else {
            panic!("expected one notification, got {effects:?}");
        };
        let shown = notice(alert, clock, &AlertPrefs::default());
        assert_eq!(
            shown.title,
            "Ihre Chatzeit beginnt – Sie sind noch nicht verfügbar"
        );
        assert!(shown.body.starts_with("Suchtberatung · "), "{}", shown.body);
        assert!(shown.switches_on && shown.stays);
        assert_eq!(shown.opens, None);
    }

    #[test]
    fn a_shift_beginning_while_available_elsewhere_is_not_notified() {
        let mut k = known(true, true, 0);
        assert!(on_server_event(&mut k, &shift(ShiftNotice::Started), NOW).is_empty());
    }

    #[test]
    fn the_automatic_switch_off_at_the_end_of_a_shift_is_said_in_a_notification() {
        let mut k = known(false, false, 0);
        let effects = on_server_event(&mut k, &shift(ShiftNotice::SwitchedOff), NOW);
        let [Reaction::Notify(alert)] = effects.as_slice() else {
            panic!("expected one notification, got {effects:?}");
        };
        let shown = notice(alert, clock, &AlertPrefs::default());
        assert_eq!(shown.title, "Ihre Chatzeit ist zu Ende");
        assert!(shown.body.contains("automatisch ausgeschaltet"));
        assert!(!shown.switches_on);
    }

    #[test]
    fn no_notification_while_not_available() {
        let mut k = known(false, false, 0);
        let event = ServerEvent::RequestCreated {
            request: request(7, SUCHT),
            notify: true,
        };
        assert!(on_server_event(&mut k, &event, NOW).is_empty());
        assert!(k.requests.is_empty());
    }

    #[test]
    fn no_notification_for_a_topic_that_is_not_the_counselors() {
        let mut k = known(true, true, 0);
        let event = ServerEvent::RequestCreated {
            request: request(7, 99),
            notify: true,
        };
        assert!(on_server_event(&mut k, &event, NOW).is_empty());
    }

    #[test]
    fn the_same_request_is_notified_once() {
        let mut k = known(true, true, 0);
        let event = ServerEvent::RequestCreated {
            request: request(7, SUCHT),
            notify: true,
        };
        assert_eq!(on_server_event(&mut k, &event, NOW).len(), 1);
        assert!(on_server_event(&mut k, &event, NOW + 1).is_empty());
    }

    #[test]
    fn without_a_free_seat_a_waiting_request_is_not_reminded_until_a_seat_frees() {
        let mut k = known(true, true, 1);
        let mut full = availability(true, true);
        full.seats = vec![TopicSeats {
            topic_id: SUCHT,
            limit: 1,
            free: 0,
        }];
        k.set_availability(full.clone());
        let created = on_server_event(
            &mut k,
            &ServerEvent::RequestCreated {
                request: request(7, SUCHT),
                notify: false,
            },
            NOW,
        );
        assert_eq!(created, vec![Reaction::Tray], "listed, not notified");
        let every = Duration::from_secs(60);
        assert!(reminders_due(&mut k, NOW + 600_000, every).is_empty());
        full.seats[0].free = 1;
        k.set_availability(full);
        assert_eq!(reminders_due(&mut k, NOW + 660_000, every).len(), 1);
    }

    #[test]
    fn a_request_waiting_past_the_reminder_time_is_reminded_and_then_again_only_after_another_interval(
    ) {
        let mut k = known(true, true, 1);
        on_server_event(
            &mut k,
            &ServerEvent::RequestCreated {
                request: request(7, SUCHT),
                notify: true,
            },
            NOW,
        );
        let every = Duration::from_secs(60);
        assert!(reminders_due(&mut k, NOW + 59_000, every).is_empty());
        let due = reminders_due(&mut k, NOW + 60_000, every);
        assert_eq!(due.len(), 1);
        let shown = notice(&due[0], clock, &AlertPrefs::default());
        assert_eq!(shown.title, "Live-Chat-Anfrage wartet noch");
        assert_eq!(shown.body, "Suchtberatung · wartet seit 14:32");
        assert!(reminders_due(&mut k, NOW + 61_000, every).is_empty());
        assert_eq!(reminders_due(&mut k, NOW + 120_000, every).len(), 1);
    }

    #[test]
    fn a_taken_or_withdrawn_request_is_never_reminded() {
        let mut k = known(true, true, 1);
        k.set_requests(&[request(7, SUCHT), request(8, SUCHT)], NOW);
        on_server_event(
            &mut k,
            &ServerEvent::RequestTaken {
                request_id: Uuid::from_u128(7),
                topic_id: SUCHT,
                by_you: false,
            },
            NOW,
        );
        on_server_event(
            &mut k,
            &ServerEvent::RequestWithdrawn {
                request_id: Uuid::from_u128(8),
                topic_id: SUCHT,
                reason: pforte_wire::RequestEndReason::Withdrawn,
            },
            NOW,
        );
        assert!(reminders_due(&mut k, NOW + 3_600_000, DEFAULT_REMINDER).is_empty());
    }

    #[test]
    fn no_reminders_after_switching_off() {
        let mut k = known(true, true, 1);
        k.set_requests(&[request(7, SUCHT)], NOW);
        on_server_event(
            &mut k,
            &ServerEvent::AvailabilityChanged {
                availability: availability(false, false),
                reason: Some(SwitchReason::Toggle),
            },
            NOW,
        );
        assert!(reminders_due(&mut k, NOW + 3_600_000, DEFAULT_REMINDER).is_empty());
    }

    #[test]
    fn a_reminder_interval_is_kept_within_bounds() {
        assert_eq!(
            clamp_reminder(Duration::from_secs(1)),
            Duration::from_secs(10)
        );
        assert_eq!(
            clamp_reminder(Duration::from_secs(86_400)),
            Duration::from_secs(3600)
        );
        assert_eq!(
            clamp_reminder(Duration::from_secs(300)),
            Duration::from_secs(300)
        );
    }

    #[test]
    fn a_switch_made_elsewhere_updates_the_tray_and_becoming_available_fetches_the_list() {
        let mut k = known(false, false, 0);
        let effects = on_server_event(
            &mut k,
            &ServerEvent::AvailabilityChanged {
                availability: availability(true, true),
                reason: Some(SwitchReason::Toggle),
            },
            NOW,
        );
        assert_eq!(
            effects,
            vec![
                Reaction::Tray,
                Reaction::EmitAvailability,
                Reaction::FetchRequests
            ]
        );
        assert!(tray_view(&k, NOW).checked);
    }

    #[test]
    fn coverage_changes_update_the_waiting_count() {
        let mut k = known(true, true, 0);
        on_server_event(
            &mut k,
            &ServerEvent::CoverageChanged {
                coverage: TopicCoverage {
                    topic_id: SUCHT,
                    topic_name: "Suchtberatung".to_owned(),
                    available_counselors: 1,
                    waiting: 4,
                    free_seats: None,
                },
            },
            NOW,
        );
        assert_eq!(k.waiting_total(), 4);
    }

    #[test]
    fn a_ready_socket_resyncs_and_an_ended_session_is_reported() {
        let mut k = known(true, true, 0);
        assert_eq!(
            on_server_event(&mut k, &ServerEvent::Ready, NOW),
            vec![Reaction::Resync]
        );
        assert_eq!(
            on_server_event(
                &mut k,
                &ServerEvent::SessionEnded {
                    reason: SessionEndReason::Expired
                },
                NOW
            ),
            vec![Reaction::SessionOver(SessionEndReason::Expired)]
        );
    }

    #[test]
    fn closing_the_window_signals_offline_then_hides_to_the_tray() {
        let p = plan(&known(true, true, 0), Leaving::WindowClose);
        assert_eq!(p.offline, Some(OfflineReason::WindowClosed));
        assert_eq!(p.then, Then::CloseWindow);
        assert!(p.tell.is_none() && !p.logout);
    }

    #[test]
    fn closing_the_window_signals_offline_even_when_the_shell_thinks_it_is_off() {
        let p = plan(&known(false, false, 0), Leaving::WindowClose);
        assert_eq!(p.offline, Some(OfflineReason::WindowClosed));
    }

    #[test]
    fn quitting_signals_offline_then_exits() {
        let p = plan(&known(true, true, 0), Leaving::Quit);
        assert_eq!(p.offline, Some(OfflineReason::AppQuit));
        assert_eq!(p.then, Then::Exit);
    }

    #[test]
    fn without_a_session_nothing_is_sent_on_close_or_quit() {
        let nobody = Knowledge::default();
        assert_eq!(plan(&nobody, Leaving::WindowClose).offline, None);
        assert_eq!(plan(&nobody, Leaving::Quit).offline, None);
        assert!(!plan(&nobody, Leaving::Logout).logout);
    }

    #[test]
    fn logging_out_ends_the_session_on_the_server_and_shows_the_login() {
        let p = plan(&known(true, true, 0), Leaving::Logout);
        assert!(p.logout);
        assert_eq!(p.then, Then::ShowLogin);
    }

    #[test]
    fn a_screen_lock_switches_off_and_says_why_when_it_was_on() {
        let p = plan(&known(true, true, 0), Leaving::ScreenLocked);
        assert_eq!(p.offline, Some(OfflineReason::ScreenLocked));
        assert_eq!(p.then, Then::Stay);
        let told = notice(p.tell.as_ref().unwrap(), clock, &AlertPrefs::default());
        assert!(told.body.contains("gesperrt"), "{told:?}");
    }

    #[test]
    fn a_screen_lock_while_off_tells_nothing() {
        let p = plan(&known(false, false, 0), Leaving::ScreenLocked);
        assert_eq!(p.offline, Some(OfflineReason::ScreenLocked));
        assert!(p.tell.is_none());
    }

    #[test]
    fn system_sleep_switches_off_and_says_why() {
        let p = plan(&known(true, false, 0), Leaving::SystemSleep);
        assert_eq!(p.offline, Some(OfflineReason::SystemSleep));
        let told = notice(p.tell.as_ref().unwrap(), clock, &AlertPrefs::default());
        assert!(told.body.contains("Ruhezustand"), "{told:?}");
    }

    #[test]
    fn an_expired_session_sends_nothing_tells_the_counselor_and_shows_the_login() {
        let p = plan(&known(true, true, 0), Leaving::SessionExpired);
        assert_eq!(p.offline, None);
        assert_eq!(p.tell, Some(Alert::SessionExpired));
        assert_eq!(p.then, Then::ShowLogin);
    }

    #[test]
    fn reconnecting_backs_off_from_half_a_second_to_thirty_seconds() {
        assert_eq!(reconnect_delay(0, 0.5), Duration::from_millis(500));
        assert_eq!(reconnect_delay(1, 0.5), Duration::from_millis(1000));
        assert_eq!(reconnect_delay(3, 0.5), Duration::from_millis(4000));
        assert_eq!(reconnect_delay(40, 0.5), Duration::from_secs(30));
        assert!(reconnect_delay(40, 0.99) <= Duration::from_millis(37_500));
        assert!(reconnect_delay(0, 0.0) >= Duration::from_millis(375));
    }

    #[test]
    fn only_https_servers_or_http_on_this_machine_are_accepted() {
        assert_eq!(
            server_address("https://pforte.example.org/login")
                .unwrap()
                .as_str(),
            "https://pforte.example.org/"
        );
        assert!(server_address("http://127.0.0.1:8080").is_ok());
        assert!(server_address("http://localhost:8080").is_ok());
        assert!(server_address("http://[::1]:8080").is_ok());
        assert!(server_address("http://pforte.example.org").is_err());
        assert!(server_address("file:///etc/passwd").is_err());
        assert!(server_address("https://user:pw@pforte.example.org").is_err());
        assert!(server_address("https://pforte.example.org/?x=1").is_err());
        assert!(server_address("kein url").is_err());
    }

    #[test]
    fn the_api_proxy_reaches_only_the_rest_api() {
        assert!(api_call_allowed("PUT", "/api/me/availability"));
        assert!(api_call_allowed(
            "GET",
            "/api/me/statistics?from=2026-01-01"
        ));
        assert!(!api_call_allowed("GET", "/index.html"));
        assert!(!api_call_allowed("GET", "/api/../secret"));
        assert!(!api_call_allowed("GET", "/api//evil"));
        assert!(!api_call_allowed("GET", "/api/counselor/ws"));
        assert!(!api_call_allowed("PATCH", "/api/me"));
        assert!(!api_call_allowed("GET", "/api/me\nHost: x"));
    }

    #[test]
    fn compositing_goes_off_where_only_software_gl_draws_unless_chosen() {
        assert!(compositing_off(None, false));
        assert!(compositing_off(Some("auto"), false));
        assert!(!compositing_off(None, true));
        assert!(!compositing_off(Some("on"), false));
        assert!(compositing_off(Some("off"), true));
    }

    #[test]
    fn the_dashboards_script_runs_without_jit_unless_asked_for() {
        assert!(jit_off(None));
        assert!(jit_off(Some("auto")));
        assert!(jit_off(Some("off")));
        assert!(!jit_off(Some(" on ")));
    }

    #[test]
    fn before_a_session_only_the_login_may_be_sent() {
        assert!(login_call("POST", "/api/auth/login"));
        assert!(!login_call("GET", "/api/auth/login"));
        assert!(!login_call("POST", "/api/auth/login?x=1"));
        assert!(!login_call("GET", "/api/me"));
    }

    #[test]
    fn the_webview_may_navigate_only_within_the_bundled_ui() {
        let ok = |s: &str| navigation_allowed(&Url::parse(s).unwrap(), None);
        assert!(ok("tauri://localhost/index.html"));
        assert!(ok("http://tauri.localhost/index.html"));
        assert!(!ok("https://evil.example/"));
        assert!(!ok("http://127.0.0.1:8080/"));
        let dev = Url::parse("http://localhost:5173").unwrap();
        assert!(navigation_allowed(
            &Url::parse("http://localhost:5173/#/x").unwrap(),
            Some(&dev)
        ));
    }

    #[test]
    fn downloads_are_saved_under_a_plain_file_name() {
        assert_eq!(
            download_file_name(Some("Meine-Statistik_2026-11-01_2026-11-30.xlsx"), "x.xlsx"),
            "Meine-Statistik_2026-11-01_2026-11-30.xlsx"
        );
        assert_eq!(
            download_file_name(Some("../../.bashrc"), "Statistik.xlsx"),
            "bashrc"
        );
        assert_eq!(
            download_file_name(Some("/"), "Statistik.xlsx"),
            "Statistik.xlsx"
        );
        assert_eq!(download_file_name(None, "../.."), "download");
        assert_eq!(download_file_name(None, "a/b\\c.xlsx"), "abc.xlsx");
    }

    #[test]
    fn a_taken_file_name_gets_a_number() {
        let taken = ["s.xlsx", "s (2).xlsx"];
        assert_eq!(free_file_name("t.xlsx", |n| taken.contains(&n)), "t.xlsx");
        assert_eq!(
            free_file_name("s.xlsx", |n| taken.contains(&n)),
            "s (3).xlsx"
        );
        assert_eq!(free_file_name("s", |n| n == "s"), "s (2)");
    }

    #[test]
    fn the_file_name_comes_from_content_disposition() {
        assert_eq!(
            disposition_file_name(
                "attachment; filename=\"a.xlsx\"; filename*=UTF-8''Meine%20Statistik.xlsx"
            )
            .as_deref(),
            Some("Meine Statistik.xlsx")
        );
        assert_eq!(
            disposition_file_name("attachment; filename=\"a.xlsx\"").as_deref(),
            Some("a.xlsx")
        );
        assert_eq!(disposition_file_name("inline"), None);
    }
}
