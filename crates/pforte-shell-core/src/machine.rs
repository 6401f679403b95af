//! The shell's state and the one place that changes it.
//!
//! The desktop app runs one task that owns a [`Machine`] and reads a channel of [`Input`]s:
//! what the server's socket said, answers to the HTTP calls the machine asked for (each
//! tagged with the [`AskId`] it was asked under), tray clicks, leaving signals (window close,
//! quit, lock, sleep, logout), dialog answers, notification clicks, window focus, a timer
//! tick. For each input [`Machine::step`] returns the [`Effect`]s to carry out, in order. The
//! adapters (tray, HTTP, socket, notifications, window) never change the state themselves:
//! they only turn effects into actions and actions' outcomes into inputs.
//!
//! Facts and answers race: a `GET /api/me` asked before an `availability_changed` event can
//! be answered after it. Every fact remembers the input that set it, every call the input it
//! was asked in; an answer never overwrites a fact that arrived after it was asked.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use pforte_wire::{
    Availability, CoverageList, LastCover, LiveChatRequest, LiveChatRequestList, Me, OfflineReason,
    ServerEvent, SessionEndReason,
};
use serde::Serialize;
use uuid::Uuid;

use crate::decisions::{
    self, notice, plan, reminders_due, toggle_click, tray_view, Alert, AlertPrefs, Knowledge,
    Leaving, Plan, Reaction, SocketEnd, Then, ToggleClick, TrayView, RESTART_RETRY, RESTART_WINDOW,
};

/// Tags a call the machine asked for; its answer comes back with it.
pub type AskId = u64;
/// Tags an input whose sender waits until the machine is done with it ([`Effect::Done`]).
pub type Ticket = u64;

/// A REST call of the shell to the session's server (the adapter adds the token and bounds
/// it: [`decisions::OFFLINE_TIMEOUT`] for `Offline` and `Logout`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    Me,
    Coverage,
    Requests,
    Switch(bool),
    Offline(OfflineReason),
    Logout,
}

/// Why a call did not succeed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// 401: the server does not know the token (any more).
    Unauthorized,
    /// Another error status.
    Refused(u16),
    /// No answer in time, or no usable answer.
    Unreachable,
}

/// The outcome of a [`Call`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Me(Result<Me, Failure>),
    Coverage(Result<CoverageList, Failure>),
    Requests(Result<LiveChatRequestList, Failure>),
    /// `Switch` and `Offline` answer the new availability.
    Availability(Result<Availability, Failure>),
    /// `Logout`.
    Done(Result<(), Failure>),
}

/// What the shell's own socket reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SocketNews {
    /// The server said `ready`.
    Up,
    Event(ServerEvent),
    /// The socket is gone (or never came up).
    Down(SocketEnd),
}

/// The tray menu's items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrayItem {
    Toggle,
    Open,
    Logout,
    Quit,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// The app started (`hidden`: by the autostart entry, into the tray).
    Started {
        hidden: bool,
    },
    /// The adapter holds a (new) session: connect. Never switches availability on.
    SessionStarted,
    /// Forget the session here, the server is not told (`session_clear`).
    SessionCleared {
        ticket: Option<Ticket>,
    },
    Socket {
        generation: u64,
        news: SocketNews,
    },
    Answer {
        ask: AskId,
        answer: Answer,
    },
    Tray(TrayItem),
    /// Window close, quit, lock, sleep, logout (from the dashboard; the tray's goes through
    /// [`TrayItem::Logout`]).
    Leave {
        leaving: Leaving,
        ticket: Option<Ticket>,
    },
    /// The counselor answered a [`Effect::Confirm`] dialog.
    Confirmed {
        dialog: u64,
        yes: bool,
    },
    NotificationClicked(Uuid),
    /// The action of a shift reminder ("Jetzt verfügbar schalten"): switch on.
    NotificationSwitchOn,
    /// A second start of the app, a click on the tray icon.
    OpenWindow,
    WindowFocused(bool),
    /// The window is gone (destroyed by us or otherwise).
    WindowGone,
    /// Once a second or so: reminders, the tray's "waiting since".
    Tick,
    Prefs(AlertPrefs),
}

/// What the shell tells the webview (see `src-tauri/README.md`, "Events the shell emits").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Emission {
    AvailabilitySignal {
        reason: OfflineReason,
        delivered: bool,
    },
    Availability(Availability),
    SessionEnded(SessionEndReason),
    Connection(bool),
    ServerEvent(ServerEvent),
}

/// A yes/no question for a native dialog. German, as the dashboard asks it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Question {
    pub title: String,
    pub body: String,
    pub yes: String,
    pub no: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    Call {
        ask: AskId,
        call: Call,
    },
    /// Open the counselor socket after `after`; its news carry `generation`. Replaces any
    /// socket before it.
    Connect {
        generation: u64,
        fresh: bool,
        after: Duration,
    },
    Disconnect,
    /// Remove the session from the secret store (and memory); then `Done(ticket)`.
    ForgetSession {
        ticket: Option<Ticket>,
    },
    Tray(TrayView),
    Notify(decisions::Notice),
    /// The request no longer waits (or is no longer visible): take its notifications away.
    Withdraw(Uuid),
    Emit(Emission),
    /// Show the window, building it if it is gone; with a request to bring up.
    ShowWindow {
        open: Option<Uuid>,
    },
    /// Destroy the window and its webview; the shell stays in the tray.
    CloseWindow,
    /// Ask for the user's attention (X11: the urgency hint) or stop asking.
    Attention(bool),
    Confirm {
        dialog: u64,
        question: Question,
    },
    SavePrefs(AlertPrefs),
    Exit,
    Done(Ticket),
}

/// The time of an input: epoch milliseconds, the local UTC offset (for "HH:MM" in
/// notifications) and a random number in [0, 1) to spread reconnects.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct At {
    pub now: i64,
    pub utc_offset_minutes: i32,
    pub jitter: f64,
}

impl At {
    pub fn new(now: i64) -> Self {
        Self {
            now,
            utc_offset_minutes: 0,
            jitter: 0.5,
        }
    }
}

/// What the shell knows and shows, for `shell_status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Status {
    pub logged_in: bool,
    pub connected: bool,
    pub availability: Option<Availability>,
    pub waiting: u32,
    pub tray: TrayView,
    pub window_open: bool,
    pub attention: bool,
}

#[derive(Clone, Debug)]
enum After {
    /// Part of a resync after `ready`.
    Sync,
    /// The socket's token was refused: does the server still know it?
    Verify,
    Switch,
    Leaving {
        plan: Plan,
        leaving: Leaving,
        ticket: Option<Ticket>,
    },
}

#[derive(Clone, Debug)]
struct Pending {
    asked_at: u64,
    after: After,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    SwitchOff,
    Logout,
}

#[derive(Clone, Copy, Debug, Default)]
struct Window {
    open: bool,
    focused: bool,
    /// A close is being carried out (the offline call is under way).
    closing: bool,
}

/// The shell's state. See the module documentation.
#[derive(Clone, Debug)]
pub struct Machine {
    known: Knowledge,
    prefs: AlertPrefs,
    /// Number of the input being handled: the clock of facts and asks.
    inputs: u64,
    asks: BTreeMap<AskId, Pending>,
    next_ask: AskId,
    generation: u64,
    fresh: bool,
    attempt: u32,
    restart_since: Option<i64>,
    window: Window,
    availability_at: u64,
    coverage_at: BTreeMap<i64, u64>,
    requests_touched: BTreeMap<Uuid, u64>,
    last_toggle: Option<i64>,
    dialog: Option<(u64, Purpose)>,
    next_dialog: u64,
    shown: Option<TrayView>,
    attention: bool,
    quitting: bool,
}

impl Default for Machine {
    fn default() -> Self {
        Self::new(AlertPrefs::default())
    }
}

/// Effects of one step.
struct Out {
    effects: Vec<Effect>,
    force_tray: bool,
}

impl Out {
    fn push(&mut self, effect: Effect) {
        self.effects.push(effect);
    }
}

impl Machine {
    pub fn new(prefs: AlertPrefs) -> Self {
        Self {
            known: Knowledge::default(),
            prefs,
            inputs: 0,
            asks: BTreeMap::new(),
            next_ask: 1,
            generation: 0,
            fresh: true,
            attempt: 0,
            restart_since: None,
            window: Window::default(),
            availability_at: 0,
            coverage_at: BTreeMap::new(),
            requests_touched: BTreeMap::new(),
            last_toggle: None,
            dialog: None,
            next_dialog: 1,
            shown: None,
            attention: false,
            quitting: false,
        }
    }

    pub fn known(&self) -> &Knowledge {
        &self.known
    }

    pub fn prefs(&self) -> &AlertPrefs {
        &self.prefs
    }

    pub fn quitting(&self) -> bool {
        self.quitting
    }

    pub fn status(&self, now: i64) -> Status {
        Status {
            logged_in: self.known.logged_in,
            connected: self.known.connected,
            availability: self.known.availability.clone(),
            waiting: self.known.waiting_total(),
            tray: tray_view(&self.known, now),
            window_open: self.window.open,
            attention: self.attention,
        }
    }

    /// Handle one input; the effects to carry out, in order.
    pub fn step(&mut self, input: Input, at: At) -> Vec<Effect> {
        self.inputs += 1;
        let requests_before: BTreeSet<Uuid> = self.known.requests.keys().copied().collect();
        let mut out = Out {
            effects: Vec::new(),
            force_tray: false,
        };
        self.handle(input, at, &mut out);
        for gone in requests_before
            .iter()
            .filter(|id| !self.known.requests.contains_key(id))
        {
            out.push(Effect::Withdraw(*gone));
        }
        let view = tray_view(&self.known, at.now);
        if out.force_tray || self.shown.as_ref() != Some(&view) {
            self.shown = Some(view.clone());
            out.push(Effect::Tray(view));
        }
        let attention = self.window.open
            && !self.window.focused
            && self.known.available()
            && !self.known.requests.is_empty();
        if attention != self.attention {
            self.attention = attention;
            out.push(Effect::Attention(attention));
        }
        out.effects
    }

    fn handle(&mut self, input: Input, at: At, out: &mut Out) {
        match input {
            Input::Started { hidden } => {
                if !hidden {
                    self.open_window(None, out);
                }
            }
            Input::SessionStarted => {
                if self.known.connected {
                    out.push(Emission::Connection(false).into());
                }
                self.reset_session(out);
                self.known.logged_in = true;
                self.connect(Duration::ZERO, out);
            }
            Input::SessionCleared { ticket } => {
                self.end_session(out);
                out.push(Effect::ForgetSession { ticket });
            }
            Input::Socket { generation, news } => {
                if generation == self.generation && self.known.logged_in {
                    self.on_socket(news, at, out);
                }
            }
            Input::Answer { ask, answer } => {
                if let Some(pending) = self.asks.remove(&ask) {
                    self.on_answer(pending, answer, at, out);
                }
                if !self.asks.values().any(|p| matches!(p.after, After::Sync)) {
                    // No list is on its way any more: nothing to protect from it.
                    self.coverage_at.clear();
                    self.requests_touched.clear();
                }
            }
            Input::Tray(item) => self.on_tray(item, at, out),
            Input::Leave { leaving, ticket } => self.leave(leaving, ticket, at, out),
            Input::Confirmed { dialog, yes } => {
                let Some((open, purpose)) = self.dialog else {
                    return;
                };
                if open != dialog {
                    return;
                }
                self.dialog = None;
                out.force_tray = true;
                match (purpose, yes) {
                    (Purpose::SwitchOff, true) if self.known.switched_on() => {
                        self.ask(Call::Switch(false), After::Switch, out);
                    }
                    (Purpose::Logout, true) if self.known.logged_in => {
                        self.leave(Leaving::Logout, None, at, out);
                    }
                    _ => {}
                }
            }
            Input::NotificationClicked(request) => self.open_window(Some(request), out),
            Input::NotificationSwitchOn => {
                if !self.known.switched_on() && !self.known.absent() {
                    self.ask(Call::Switch(true), After::Switch, out);
                }
            }
            Input::OpenWindow => self.open_window(None, out),
            Input::WindowFocused(focused) => {
                if self.window.open {
                    self.window.focused = focused;
                }
            }
            Input::WindowGone => self.window = Window::default(),
            Input::Tick => {
                for alert in reminders_due(&mut self.known, at.now, self.prefs.reminder) {
                    self.notify(&alert, at, out);
                }
            }
            Input::Prefs(prefs) => {
                self.prefs = AlertPrefs {
                    reminder: decisions::clamp_reminder(prefs.reminder),
                    sound_name: decisions::sound_choice(&prefs.sound_name)
                        .unwrap_or(decisions::REQUEST_SOUND)
                        .to_owned(),
                    ..prefs
                };
                out.push(Effect::SavePrefs(self.prefs.clone()));
            }
        }
    }

    // ---------------------------------------------------------------- the session

    fn reset_session(&mut self, out: &mut Out) {
        self.known.forget_session();
        // Whoever waits for a leaving that can no longer finish hears that it is over.
        for pending in std::mem::take(&mut self.asks).into_values() {
            if let After::Leaving {
                ticket: Some(ticket),
                ..
            } = pending.after
            {
                out.push(Effect::Done(ticket));
            }
        }
        self.dialog = None;
        self.fresh = true;
        self.attempt = 0;
        self.restart_since = None;
        self.availability_at = 0;
        self.coverage_at.clear();
        self.requests_touched.clear();
    }

    fn connect(&mut self, after: Duration, out: &mut Out) {
        self.generation += 1;
        out.push(Effect::Connect {
            generation: self.generation,
            fresh: self.fresh,
            after,
        });
    }

    fn end_session(&mut self, out: &mut Out) {
        let was_connected = self.known.connected;
        self.generation += 1;
        out.push(Effect::Disconnect);
        self.reset_session(out);
        if was_connected {
            out.push(Emission::Connection(false).into());
        }
    }

    /// The server ended the session, or confirmed it no longer knows the token.
    fn session_over(&mut self, reason: SessionEndReason, at: At, out: &mut Out) {
        if !self.known.logged_in {
            return;
        }
        let leaving = match reason {
            SessionEndReason::Expired => Leaving::SessionExpired,
            // Told as what it is (not "expired"): logging in again will not help.
            SessionEndReason::Deactivated => Leaving::Deactivated,
            SessionEndReason::LoggedOut => Leaving::Logout,
        };
        let mut plan = plan(
            &self.known,
            match leaving {
                Leaving::Deactivated => Leaving::Deactivated,
                _ => Leaving::SessionExpired,
            },
        );
        if reason == SessionEndReason::LoggedOut {
            // Logged out elsewhere (or by us): nothing to say.
            plan.tell = None;
        }
        self.finish(plan, leaving, None, at, out);
    }

    // ---------------------------------------------------------------- the socket

    fn on_socket(&mut self, news: SocketNews, at: At, out: &mut Out) {
        match news {
            SocketNews::Up => {
                self.known.connected = true;
                self.fresh = false;
                self.attempt = 0;
                self.restart_since = None;
                out.push(Emission::Connection(true).into());
                out.push(Emission::ServerEvent(ServerEvent::Ready).into());
                self.ask(Call::Me, After::Sync, out);
                self.ask(Call::Coverage, After::Sync, out);
            }
            SocketNews::Event(event) => self.on_event(event, at, out),
            SocketNews::Down(end) => {
                if self.known.connected {
                    self.known.connected = false;
                    out.push(Emission::Connection(false).into());
                }
                match end {
                    SocketEnd::Restarting => {
                        // The server restarts: at once, no backoff.
                        self.restart_since.get_or_insert(at.now);
                        self.connect(Duration::ZERO, out);
                    }
                    // Only the server's word on the token (GET /api/me) ends a session.
                    SocketEnd::Refused => self.ask(Call::Me, After::Verify, out),
                    SocketEnd::Lost => {
                        let delay = self.retry_delay(at);
                        self.connect(delay, out);
                    }
                }
            }
        }
    }

    fn retry_delay(&mut self, at: At) -> Duration {
        let window = i64::try_from(RESTART_WINDOW.as_millis()).unwrap_or(i64::MAX);
        if self
            .restart_since
            .is_some_and(|since| at.now.saturating_sub(since) < window)
        {
            return RESTART_RETRY;
        }
        self.restart_since = None;
        let delay = decisions::reconnect_delay(self.attempt, at.jitter);
        self.attempt = self.attempt.saturating_add(1);
        delay
    }

    fn on_event(&mut self, event: ServerEvent, at: At, out: &mut Out) {
        match &event {
            ServerEvent::AvailabilityChanged { .. } => self.availability_at = self.inputs,
            ServerEvent::CoverageChanged { coverage } => {
                self.coverage_at.insert(coverage.topic_id, self.inputs);
            }
            ServerEvent::RequestCreated { request, .. } => {
                self.requests_touched.insert(request.id, self.inputs);
            }
            ServerEvent::RequestTaken { request_id, .. }
            | ServerEvent::RequestWithdrawn { request_id, .. } => {
                self.requests_touched.insert(*request_id, self.inputs);
            }
            _ => {}
        }
        out.push(Emission::ServerEvent(event.clone()).into());
        for reaction in decisions::on_server_event(&mut self.known, &event, at.now) {
            match reaction {
                Reaction::Resync => {
                    self.ask(Call::Me, After::Sync, out);
                    self.ask(Call::Coverage, After::Sync, out);
                }
                Reaction::FetchRequests => self.ask(Call::Requests, After::Sync, out),
                Reaction::Notify(alert) => self.notify(&alert, at, out),
                Reaction::Tray => {}
                Reaction::EmitAvailability => self.emit_availability(out),
                Reaction::SessionOver(reason) => self.session_over(reason, at, out),
            }
        }
    }

    // ---------------------------------------------------------------- calls and answers

    fn ask(&mut self, call: Call, after: After, out: &mut Out) {
        let ask = self.next_ask;
        self.next_ask += 1;
        self.asks.insert(
            ask,
            Pending {
                asked_at: self.inputs,
                after,
            },
        );
        out.push(Effect::Call { ask, call });
    }

    /// Take an availability from an answer, unless a newer fact arrived after it was asked.
    fn answered_availability(&mut self, availability: Availability, asked_at: u64) -> bool {
        if self.availability_at > asked_at {
            return false;
        }
        let was_available = self.known.available();
        self.known.set_availability(availability);
        self.availability_at = self.inputs;
        !was_available && self.known.available()
    }

    fn on_answer(&mut self, pending: Pending, answer: Answer, at: At, out: &mut Out) {
        let asked_at = pending.asked_at;
        match (pending.after, answer) {
            (_, Answer::Me(Err(Failure::Unauthorized)))
            | (
                After::Sync | After::Switch,
                Answer::Coverage(Err(Failure::Unauthorized))
                | Answer::Requests(Err(Failure::Unauthorized))
                | Answer::Availability(Err(Failure::Unauthorized)),
            ) => {
                // The server itself says it no longer knows the token.
                self.session_over(SessionEndReason::Expired, at, out);
            }
            (after, Answer::Me(result)) => {
                if let Ok(me) = result {
                    self.known.my_topics = me.topics.iter().map(|t| t.id).collect();
                    let now_available = self.answered_availability(me.availability, asked_at);
                    self.emit_availability(out);
                    if now_available || (matches!(after, After::Sync) && self.known.available()) {
                        self.ask(Call::Requests, After::Sync, out);
                    }
                }
                if matches!(after, After::Verify) {
                    // The token is good (or the server could not say): the socket's refusal
                    // was a problem of the server. Keep the login, try again.
                    let delay = self.retry_delay(at);
                    self.connect(delay, out);
                }
            }
            (_, Answer::Coverage(Ok(list))) => {
                let mut next = BTreeMap::new();
                for coverage in &list.topics {
                    let newer = self
                        .coverage_at
                        .get(&coverage.topic_id)
                        .is_some_and(|at| *at > asked_at);
                    let waiting = match (newer, self.known.waiting.get(&coverage.topic_id)) {
                        (true, Some(known)) => *known,
                        _ => coverage.waiting,
                    };
                    next.insert(coverage.topic_id, waiting);
                }
                self.known.waiting = next;
            }
            // Requests are visible only while available.
            (_, Answer::Requests(Ok(list))) if self.known.available() => {
                self.merge_requests(&list.requests, asked_at, at.now);
            }
            (After::Switch, Answer::Availability(result)) => {
                out.force_tray = true;
                if let Ok(availability) = result {
                    if self.answered_availability(availability, asked_at) {
                        self.ask(Call::Requests, After::Sync, out);
                    }
                    self.emit_availability(out);
                }
            }
            (
                After::Leaving {
                    plan,
                    leaving,
                    ticket,
                },
                Answer::Availability(result),
            ) => {
                let delivered = result.is_ok();
                let expired = result == Err(Failure::Unauthorized);
                if let (Ok(availability), Some(reason)) = (result, plan.offline) {
                    self.answered_availability(availability, asked_at);
                    out.push(
                        Emission::AvailabilitySignal {
                            reason,
                            delivered: true,
                        }
                        .into(),
                    );
                } else if let Some(reason) = plan.offline {
                    out.push(Emission::AvailabilitySignal { reason, delivered }.into());
                }
                self.emit_availability(out);
                if plan.logout {
                    self.ask(
                        Call::Logout,
                        After::Leaving {
                            plan: Plan {
                                offline: None,
                                ..plan
                            },
                            leaving,
                            ticket,
                        },
                        out,
                    );
                } else {
                    self.finish(plan, leaving, ticket, at, out);
                    if expired && !self.quitting {
                        self.session_over(SessionEndReason::Expired, at, out);
                    }
                }
            }
            (
                After::Leaving {
                    plan,
                    leaving,
                    ticket,
                },
                Answer::Done(_),
            ) => self.finish(plan, leaving, ticket, at, out),
            // Failures of lists and switches: the next event or resync puts things right.
            _ => {}
        }
    }

    /// Replace the known requests by a list, except where an event arrived after the list
    /// was asked for (a request created since stays, one taken or withdrawn since stays gone).
    fn merge_requests(&mut self, list: &[LiveChatRequest], asked_at: u64, now: i64) {
        let before = self.known.requests.clone();
        self.known.set_requests(list, now);
        for (id, touched) in &self.requests_touched {
            if *touched > asked_at {
                match before.get(id) {
                    Some(tracked) => {
                        self.known.requests.insert(*id, tracked.clone());
                    }
                    None => {
                        self.known.requests.remove(id);
                    }
                }
            }
        }
    }

    fn emit_availability(&self, out: &mut Out) {
        if let Some(availability) = &self.known.availability {
            out.push(Emission::Availability(availability.clone()).into());
        }
    }

    fn notify(&self, alert: &Alert, at: At, out: &mut Out) {
        let offset = i64::from(at.utc_offset_minutes) * 60_000;
        out.push(Effect::Notify(notice(
            alert,
            |ms| clock(ms + offset),
            &self.prefs,
        )));
    }

    // ---------------------------------------------------------------- the tray and the window

    fn on_tray(&mut self, item: TrayItem, at: At, out: &mut Out) {
        match item {
            TrayItem::Toggle => {
                let since = self
                    .last_toggle
                    .map(|last| Duration::from_millis(u64::try_from(at.now - last).unwrap_or(0)));
                // The check item ticks itself natively: always put it where it belongs.
                out.force_tray = true;
                match toggle_click(&self.known, since) {
                    ToggleClick::Ignore => {}
                    ToggleClick::Switch(on) => {
                        self.last_toggle = Some(at.now);
                        if !on && !self.waiting_last_for().is_empty() {
                            self.confirm(Purpose::SwitchOff, out);
                        } else {
                            self.ask(Call::Switch(on), After::Switch, out);
                        }
                    }
                }
            }
            TrayItem::Open => self.open_window(None, out),
            TrayItem::Logout => {
                if self.known.available() && !self.waiting_last_for().is_empty() {
                    self.confirm(Purpose::Logout, out);
                } else {
                    self.leave(Leaving::Logout, None, at, out);
                }
            }
            TrayItem::Quit => self.leave(Leaving::Quit, None, at, out),
        }
    }

    /// The topics where this counselor is the last available one and askers wait (the
    /// server's `last_for`).
    fn waiting_last_for(&self) -> Vec<LastCover> {
        self.known
            .availability
            .as_ref()
            .filter(|a| a.available)
            .map(|a| {
                a.last_for
                    .iter()
                    .filter(|c| c.waiting > 0)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    fn confirm(&mut self, purpose: Purpose, out: &mut Out) {
        let dialog = self.next_dialog;
        self.next_dialog += 1;
        self.dialog = Some((dialog, purpose));
        out.push(Effect::Confirm {
            dialog,
            question: last_one_question(purpose == Purpose::Logout, &self.waiting_last_for()),
        });
    }

    fn open_window(&mut self, open: Option<Uuid>, out: &mut Out) {
        if !self.window.open {
            self.window = Window {
                open: true,
                focused: true,
                closing: false,
            };
        }
        out.push(Effect::ShowWindow { open });
    }

    // ---------------------------------------------------------------- leaving

    fn leave(&mut self, leaving: Leaving, ticket: Option<Ticket>, at: At, out: &mut Out) {
        let done = |out: &mut Out| {
            if let Some(ticket) = ticket {
                out.push(Effect::Done(ticket));
            }
        };
        if self.quitting {
            return done(out);
        }
        if leaving == Leaving::WindowClose {
            if !self.window.open || self.window.closing {
                return done(out);
            }
            self.window.closing = true;
        }
        let plan = plan(&self.known, leaving);
        if let Some(reason) = plan.offline {
            self.ask(
                Call::Offline(reason),
                After::Leaving {
                    plan,
                    leaving,
                    ticket,
                },
                out,
            );
        } else if plan.logout {
            self.ask(
                Call::Logout,
                After::Leaving {
                    plan,
                    leaving,
                    ticket,
                },
                out,
            );
        } else {
            self.finish(plan, leaving, ticket, at, out);
        }
    }

    fn finish(
        &mut self,
        plan: Plan,
        leaving: Leaving,
        ticket: Option<Ticket>,
        at: At,
        out: &mut Out,
    ) {
        if let Some(alert) = &plan.tell {
            self.notify(alert, at, out);
        }
        match plan.then {
            Then::CloseWindow => {
                if self.window.open {
                    self.window = Window::default();
                    out.push(Effect::CloseWindow);
                }
            }
            Then::Exit => {
                self.quitting = true;
                out.push(Effect::Exit);
            }
            Then::ShowLogin => {
                let was = self.known.logged_in;
                self.end_session(out);
                out.push(Effect::ForgetSession { ticket: None });
                if was {
                    let reason = match leaving {
                        Leaving::SessionExpired => SessionEndReason::Expired,
                        Leaving::Deactivated => SessionEndReason::Deactivated,
                        _ => SessionEndReason::LoggedOut,
                    };
                    out.push(Emission::SessionEnded(reason).into());
                    self.open_window(None, out);
                }
            }
            Then::Stay => {}
        }
        if let Some(ticket) = ticket {
            out.push(Effect::Done(ticket));
        }
    }
}

impl From<Emission> for Effect {
    fn from(emission: Emission) -> Self {
        Effect::Emit(emission)
    }
}

/// "HH:MM" of a (local) epoch time.
fn clock(ms: i64) -> String {
    let minutes = ms.div_euclid(60_000).rem_euclid(24 * 60);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The question before switching off (or logging out) as the last available counselor of
/// topics in which askers wait: the dashboard's words.
pub fn last_one_question(logout: bool, topics: &[LastCover]) -> Question {
    let lines: Vec<String> = topics
        .iter()
        .map(|t| match t.waiting {
            1 => format!("{}: 1 Person wartet", t.topic_name),
            n => format!("{}: {n} Personen warten", t.topic_name),
        })
        .collect();
    Question {
        title: if logout {
            "Wirklich abmelden?"
        } else {
            "Wirklich ausschalten?"
        }
        .to_owned(),
        body: format!(
            "Sie sind die letzte verfügbare Person für:\n{}\n\nDie Wartenden erfahren dann \
             sofort, dass niemand mehr da ist, und werden nach einer kurzen Frist verabschiedet.",
            lines.join("\n")
        ),
        yes: if logout {
            "Trotzdem abmelden"
        } else {
            "Trotzdem ausschalten"
        }
        .to_owned(),
        no: "Verfügbar bleiben".to_owned(),
    }
}

#[cfg(test)]
mod tests;
