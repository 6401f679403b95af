use super::*;
use pforte_wire::{RequestEndReason, SwitchReason, TopicCoverage, TopicRef};

const SUCHT: i64 = 1;
const T0: i64 = 1_800_000_000_000;

fn at(ms: i64) -> At {
    At::new(T0 + ms)
}

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

fn me(availability: Availability) -> Me {
    Me {
        id: 7,
        name: "bernd".to_owned(),
        display_name: "Bernd".to_owned(),
        topics: vec![TopicRef {
            id: SUCHT,
            slug: "suchtberatung".to_owned(),
            name: "Suchtberatung".to_owned(),
            live_chat: true,
        }],
        availability,
        operator: false,
        must_change_password: false,
    }
}

fn request(id: u128, entered_at: i64) -> LiveChatRequest {
    LiveChatRequest {
        id: Uuid::from_u128(id),
        topic_id: SUCHT,
        topic_name: "Suchtberatung".to_owned(),
        pseudonym: "Blauer Kranich".to_owned(),
        entered_at,
        asker_online: true,
        asker_key: String::new(),
    }
}

fn calls(effects: &[Effect]) -> Vec<(AskId, Call)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Call { ask, call } => Some((*ask, call.clone())),
            _ => None,
        })
        .collect()
}

fn ask_of(effects: &[Effect], wanted: &Call) -> AskId {
    calls(effects)
        .into_iter()
        .find(|(_, call)| call == wanted)
        .unwrap_or_else(|| panic!("no call {wanted:?} in {effects:?}"))
        .0
}

fn connect_of(effects: &[Effect]) -> Option<(u64, bool, Duration)> {
    effects.iter().find_map(|e| match e {
        Effect::Connect {
            generation,
            fresh,
            after,
        } => Some((*generation, *fresh, *after)),
        _ => None,
    })
}

/// A machine with the window open, a session, its socket up and the resync answered.
struct Shell {
    machine: Machine,
    generation: u64,
    now: i64,
}

impl Shell {
    fn step(&mut self, input: Input) -> Vec<Effect> {
        self.now += 10;
        self.machine.step(input, at(self.now))
    }

    fn socket(&mut self, news: SocketNews) -> Vec<Effect> {
        let generation = self.generation;
        self.step(Input::Socket { generation, news })
    }

    fn event(&mut self, event: ServerEvent) -> Vec<Effect> {
        self.socket(SocketNews::Event(event))
    }

    fn answer(&mut self, ask: AskId, answer: Answer) -> Vec<Effect> {
        self.step(Input::Answer { ask, answer })
    }

    fn logged_in(switched_on: bool, available: bool) -> Shell {
        let mut shell = Shell {
            machine: Machine::default(),
            generation: 0,
            now: 0,
        };
        shell.step(Input::Started { hidden: false });
        let effects = shell.step(Input::SessionStarted);
        shell.generation = connect_of(&effects).expect("connects").0;
        let effects = shell.socket(SocketNews::Up);
        let me_ask = ask_of(&effects, &Call::Me);
        let coverage_ask = ask_of(&effects, &Call::Coverage);
        let effects = shell.answer(
            me_ask,
            Answer::Me(Ok(me(availability(switched_on, available)))),
        );
        if available {
            let list = ask_of(&effects, &Call::Requests);
            shell.answer(
                list,
                Answer::Requests(Ok(LiveChatRequestList {
                    requests: Vec::new(),
                    total: 0,
                })),
            );
        }
        shell.answer(
            coverage_ask,
            Answer::Coverage(Ok(CoverageList {
                topics: vec![TopicCoverage {
                    topic_id: SUCHT,
                    topic_name: "Suchtberatung".to_owned(),
                    available_counselors: u32::from(available),
                    waiting: 0,
                    free_seats: None,
                }],
            })),
        );
        shell
    }

    fn status(&self) -> Status {
        self.machine.status(T0 + self.now)
    }
}

fn switched(availability: Availability) -> ServerEvent {
    ServerEvent::AvailabilityChanged {
        availability,
        reason: Some(SwitchReason::Toggle),
    }
}

#[test]
fn a_late_answer_to_me_cannot_overwrite_a_newer_availability_event() {
    let mut shell = Shell::logged_in(false, false);
    // The socket comes back: the shell re-reads /api/me …
    let effects = shell.socket(SocketNews::Down(SocketEnd::Lost));
    shell.generation = connect_of(&effects).unwrap().0;
    let effects = shell.socket(SocketNews::Up);
    let me_ask = ask_of(&effects, &Call::Me);
    // … the counselor switches on elsewhere; the event arrives first …
    shell.event(switched(availability(true, true)));
    // … and then the answer, with the state from before the switch.
    let effects = shell.answer(me_ask, Answer::Me(Ok(me(availability(false, false)))));

    assert!(shell.status().tray.checked, "the newer event stands");
    assert_eq!(shell.status().availability, Some(availability(true, true)));
    assert!(
        !effects.contains(&Effect::Emit(Emission::Availability(availability(
            false, false
        ))))
    );
}

#[test]
fn an_answer_asked_after_the_last_event_is_taken() {
    let mut shell = Shell::logged_in(false, false);
    shell.event(switched(availability(true, true)));
    let effects = shell.socket(SocketNews::Down(SocketEnd::Lost));
    shell.generation = connect_of(&effects).unwrap().0;
    let effects = shell.socket(SocketNews::Up);
    let me_ask = ask_of(&effects, &Call::Me);
    shell.answer(me_ask, Answer::Me(Ok(me(availability(false, false)))));
    assert!(
        !shell.status().tray.checked,
        "switched off while the socket was away"
    );
}

#[test]
fn a_request_list_asked_before_events_keeps_what_the_events_said() {
    let mut shell = Shell::logged_in(false, false);
    let effects = shell.event(switched(availability(true, true)));
    let list_ask = ask_of(&effects, &Call::Requests);
    // While the list is on its way: request 2 is created, request 1 is taken.
    shell.event(ServerEvent::RequestCreated {
        request: request(2, T0),
        notify: true,
    });
    shell.event(ServerEvent::RequestTaken {
        request_id: Uuid::from_u128(1),
        topic_id: SUCHT,
        by_you: false,
    });
    // The list was read before both: it has request 1 and not request 2.
    shell.answer(
        list_ask,
        Answer::Requests(Ok(LiveChatRequestList {
            requests: vec![request(1, T0 - 1000)],
            total: 1,
        })),
    );
    let known: Vec<Uuid> = shell.machine.known().requests.keys().copied().collect();
    assert_eq!(known, vec![Uuid::from_u128(2)]);
}

#[test]
fn a_coverage_list_asked_before_a_coverage_event_keeps_the_events_count() {
    let mut shell = Shell::logged_in(true, true);
    let effects = shell.socket(SocketNews::Down(SocketEnd::Lost));
    shell.generation = connect_of(&effects).unwrap().0;
    let effects = shell.socket(SocketNews::Up);
    let coverage_ask = ask_of(&effects, &Call::Coverage);
    shell.event(ServerEvent::CoverageChanged {
        coverage: TopicCoverage {
            topic_id: SUCHT,
            topic_name: "Suchtberatung".to_owned(),
            available_counselors: 1,
            waiting: 3,
            free_seats: None,
        },
    });
    shell.answer(
        coverage_ask,
        Answer::Coverage(Ok(CoverageList {
            topics: vec![TopicCoverage {
                topic_id: SUCHT,
                topic_name: "Suchtberatung".to_owned(),
                available_counselors: 1,
                waiting: 1,
                free_seats: None,
            }],
        })),
    );
    assert_eq!(shell.status().waiting, 3);
}

#[test]
fn closing_the_window_tells_the_server_first_then_closes_it_and_the_tray_stays() {
    let mut shell = Shell::logged_in(true, true);
    let effects = shell.step(Input::Leave {
        leaving: Leaving::WindowClose,
        ticket: None,
    });
    let offline = ask_of(&effects, &Call::Offline(OfflineReason::WindowClosed));
    assert!(
        !effects.contains(&Effect::CloseWindow),
        "not before the server heard it"
    );
    let effects = shell.answer(
        offline,
        Answer::Availability(Ok(availability(false, false))),
    );
    assert!(effects.contains(&Effect::CloseWindow));
    assert!(
        effects.contains(&Effect::Emit(Emission::AvailabilitySignal {
            reason: OfflineReason::WindowClosed,
            delivered: true
        }))
    );
    assert!(
        !effects.contains(&Effect::Disconnect),
        "the shell keeps its connection"
    );
    let status = shell.status();
    assert!(status.logged_in && status.connected && !status.window_open);
    assert!(!status.tray.checked);
}

#[test]
fn a_window_close_whose_offline_call_fails_still_closes_and_says_it_was_not_delivered() {
    let mut shell = Shell::logged_in(true, true);
    let effects = shell.step(Input::Leave {
        leaving: Leaving::WindowClose,
        ticket: Some(9),
    });
    let offline = ask_of(&effects, &Call::Offline(OfflineReason::WindowClosed));
    let effects = shell.answer(offline, Answer::Availability(Err(Failure::Unreachable)));
    assert!(effects.contains(&Effect::CloseWindow));
    assert!(
        effects.contains(&Effect::Emit(Emission::AvailabilitySignal {
            reason: OfflineReason::WindowClosed,
            delivered: false
        }))
    );
    assert_eq!(effects.last(), Some(&Effect::Done(9)));
}

#[test]
fn a_second_close_while_the_first_is_under_way_asks_nothing_more() {
    let mut shell = Shell::logged_in(true, true);
    shell.step(Input::Leave {
        leaving: Leaving::WindowClose,
        ticket: None,
    });
    let again = shell.step(Input::Leave {
        leaving: Leaving::WindowClose,
        ticket: Some(4),
    });
    assert!(calls(&again).is_empty());
    assert!(again.contains(&Effect::Done(4)));
}

#[test]
fn after_the_window_was_closed_the_tray_builds_it_again() {
    let mut shell = Shell::logged_in(false, false);
    let effects = shell.step(Input::Leave {
        leaving: Leaving::WindowClose,
        ticket: None,
    });
    let offline = ask_of(&effects, &Call::Offline(OfflineReason::WindowClosed));
    shell.answer(
        offline,
        Answer::Availability(Ok(availability(false, false))),
    );
    let effects = shell.step(Input::Tray(TrayItem::Open));
    assert!(effects.contains(&Effect::ShowWindow { open: None }));
    assert!(shell.status().window_open);
}

#[test]
fn quitting_tells_the_server_then_exits_and_ignores_what_follows() {
    let mut shell = Shell::logged_in(true, true);
    let effects = shell.step(Input::Tray(TrayItem::Quit));
    let offline = ask_of(&effects, &Call::Offline(OfflineReason::AppQuit));
    let effects = shell.answer(
        offline,
        Answer::Availability(Ok(availability(false, false))),
    );
    assert!(effects.contains(&Effect::Exit));
    let later = shell.step(Input::Leave {
        leaving: Leaving::WindowClose,
        ticket: Some(1),
    });
    assert_eq!(later, vec![Effect::Done(1)]);
}

#[test]
fn the_first_connection_of_a_session_is_fresh_and_reconnects_are_not() {
    let mut machine = Machine::default();
    let effects = machine.step(Input::SessionStarted, at(0));
    let (generation, fresh, after) = connect_of(&effects).unwrap();
    assert!(fresh);
    assert_eq!(after, Duration::ZERO);
    let lost = machine.step(
        Input::Socket {
            generation,
            news: SocketNews::Down(SocketEnd::Lost),
        },
        at(10),
    );
    assert!(
        connect_of(&lost).unwrap().1,
        "still fresh: never reached ready"
    );
    let mut shell = Shell::logged_in(false, false);
    let effects = shell.socket(SocketNews::Down(SocketEnd::Lost));
    assert!(!connect_of(&effects).unwrap().1);
}

#[test]
fn a_restart_close_reconnects_at_once_then_every_quarter_second_then_backs_off() {
    let mut shell = Shell::logged_in(true, true);
    let effects = shell.socket(SocketNews::Down(SocketEnd::Restarting));
    let (generation, _, after) = connect_of(&effects).unwrap();
    assert_eq!(after, Duration::ZERO, "at once, no backoff");
    shell.generation = generation;
    // The server is not back yet: the attempts fail.
    for _ in 0..10 {
        let effects = shell.socket(SocketNews::Down(SocketEnd::Lost));
        let (generation, _, after) = connect_of(&effects).unwrap();
        assert_eq!(after, RESTART_RETRY);
        shell.generation = generation;
    }
    // Past the restart window the usual backoff takes over.
    shell.now += i64::try_from(RESTART_WINDOW.as_millis()).unwrap();
    let effects = shell.socket(SocketNews::Down(SocketEnd::Lost));
    let (generation, _, after) = connect_of(&effects).unwrap();
    assert_eq!(after, decisions::reconnect_delay(0, 0.5));
    shell.generation = generation;
    let effects = shell.socket(SocketNews::Down(SocketEnd::Lost));
    assert_eq!(
        connect_of(&effects).unwrap().2,
        decisions::reconnect_delay(1, 0.5)
    );
}

#[test]
fn a_restart_close_changes_nothing_about_availability_or_the_login() {
    let mut shell = Shell::logged_in(true, true);
    let effects = shell.socket(SocketNews::Down(SocketEnd::Restarting));
    assert!(calls(&effects).is_empty());
    assert!(!effects.iter().any(|e| matches!(
        e,
        Effect::ForgetSession { .. } | Effect::Emit(Emission::SessionEnded(_))
    )));
    assert!(shell.status().tray.checked);
}

#[test]
fn a_refused_socket_ends_the_session_only_when_the_server_confirms_the_token_is_unknown() {
    let mut shell = Shell::logged_in(true, true);
    let effects = shell.socket(SocketNews::Down(SocketEnd::Refused));
    assert!(connect_of(&effects).is_none(), "first ask the server");
    let verify = ask_of(&effects, &Call::Me);
    let effects = shell.answer(verify, Answer::Me(Err(Failure::Unauthorized)));
    assert!(effects.contains(&Effect::ForgetSession { ticket: None }));
    assert!(effects.contains(&Effect::Emit(Emission::SessionEnded(
        SessionEndReason::Expired
    ))));
    assert!(!shell.status().logged_in);
}

#[test]
fn a_refused_socket_while_the_server_has_a_problem_keeps_the_login_and_tries_again() {
    for failure in [Failure::Refused(500), Failure::Unreachable] {
        let mut shell = Shell::logged_in(true, true);
        let effects = shell.socket(SocketNews::Down(SocketEnd::Refused));
        let verify = ask_of(&effects, &Call::Me);
        let effects = shell.answer(verify, Answer::Me(Err(failure.clone())));
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, Effect::ForgetSession { .. })),
            "{failure:?} must not forget the login"
        );
        assert!(connect_of(&effects).is_some(), "{failure:?}: reconnects");
        assert!(shell.status().logged_in);
    }
}

#[test]
fn a_socket_lost_by_an_internal_error_keeps_the_login() {
    assert_eq!(decisions::socket_end(Some(1011)), SocketEnd::Lost);
    assert_eq!(decisions::socket_end(None), SocketEnd::Lost);
    assert_eq!(decisions::socket_end(Some(1012)), SocketEnd::Restarting);
    assert_eq!(decisions::socket_end(Some(4401)), SocketEnd::Refused);
    let mut shell = Shell::logged_in(true, true);
    let effects = shell.socket(SocketNews::Down(SocketEnd::Lost));
    assert!(calls(&effects).is_empty());
    assert!(connect_of(&effects).is_some());
    assert!(shell.status().logged_in);
}

#[test]
fn news_of_an_old_socket_is_ignored() {
    let mut shell = Shell::logged_in(false, false);
    let effects = shell.socket(SocketNews::Down(SocketEnd::Lost));
    let old = shell.generation;
    shell.generation = connect_of(&effects).unwrap().0;
    let stale = shell.step(Input::Socket {
        generation: old,
        news: SocketNews::Event(switched(availability(true, true))),
    });
    assert!(!stale
        .iter()
        .any(|e| matches!(e, Effect::Emit(Emission::Availability(_)))));
    assert!(!shell.status().tray.checked);
}

fn last_for(waiting: u32) -> Availability {
    Availability {
        last_for: vec![LastCover {
            topic_id: SUCHT,
            topic_name: "Suchtberatung".to_owned(),
            waiting,
        }],
        ..availability(true, true)
    }
}

fn dialog_of(effects: &[Effect]) -> Option<(u64, Question)> {
    effects.iter().find_map(|e| match e {
        Effect::Confirm { dialog, question } => Some((*dialog, question.clone())),
        _ => None,
    })
}

#[test]
fn switching_off_in_the_tray_as_the_last_one_while_askers_wait_asks_first_and_obeys_no() {
    let mut shell = Shell::logged_in(true, true);
    shell.event(switched(last_for(2)));
    shell.now += 1000;
    let effects = shell.step(Input::Tray(TrayItem::Toggle));
    let (dialog, question) = dialog_of(&effects).expect("a dialog");
    assert!(calls(&effects).is_empty(), "nothing switched yet");
    assert_eq!(question.title, "Wirklich ausschalten?");
    assert!(
        question.body.contains("Suchtberatung: 2 Personen warten"),
        "{question:?}"
    );
    assert_eq!(question.yes, "Trotzdem ausschalten");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Tray(v) if v.checked)),
        "the tick stays"
    );
    let effects = shell.step(Input::Confirmed { dialog, yes: false });
    assert!(calls(&effects).is_empty());
    assert!(shell.status().tray.checked);
}

#[test]
fn switching_off_in_the_tray_as_the_last_one_goes_ahead_when_confirmed() {
    let mut shell = Shell::logged_in(true, true);
    shell.event(switched(last_for(1)));
    shell.now += 1000;
    let effects = shell.step(Input::Tray(TrayItem::Toggle));
    let (dialog, _) = dialog_of(&effects).unwrap();
    let effects = shell.step(Input::Confirmed { dialog, yes: true });
    ask_of(&effects, &Call::Switch(false));
}

#[test]
fn switching_off_asks_nothing_when_nobody_waits_or_colleagues_are_there() {
    for availability in [last_for(0), availability(true, true)] {
        let mut shell = Shell::logged_in(true, true);
        shell.event(switched(availability));
        shell.now += 1000;
        let effects = shell.step(Input::Tray(TrayItem::Toggle));
        assert!(dialog_of(&effects).is_none());
        ask_of(&effects, &Call::Switch(false));
    }
}

#[test]
fn logging_out_from_the_tray_as_the_last_one_asks_first() {
    let mut shell = Shell::logged_in(true, true);
    shell.event(switched(last_for(3)));
    let effects = shell.step(Input::Tray(TrayItem::Logout));
    let (dialog, question) = dialog_of(&effects).unwrap();
    assert_eq!(question.yes, "Trotzdem abmelden");
    let effects = shell.step(Input::Confirmed { dialog, yes: true });
    ask_of(&effects, &Call::Logout);
}

#[test]
fn a_waiting_request_asks_for_attention_while_the_window_is_not_focused() {
    let mut shell = Shell::logged_in(true, true);
    shell.step(Input::WindowFocused(false));
    let effects = shell.event(ServerEvent::RequestCreated {
        request: request(5, T0),
        notify: true,
    });
    assert!(effects.contains(&Effect::Attention(true)));
    let effects = shell.step(Input::WindowFocused(true));
    assert!(effects.contains(&Effect::Attention(false)), "seen");
    shell.step(Input::WindowFocused(false));
    let effects = shell.event(ServerEvent::RequestTaken {
        request_id: Uuid::from_u128(5),
        topic_id: SUCHT,
        by_you: false,
    });
    assert!(effects.contains(&Effect::Attention(false)), "nothing waits");
}

#[test]
fn a_request_that_no_longer_waits_takes_its_notification_away() {
    let mut shell = Shell::logged_in(true, true);
    let effects = shell.event(ServerEvent::RequestCreated {
        request: request(5, T0),
        notify: true,
    });
    let Some(Effect::Notify(notice)) = effects.iter().find(|e| matches!(e, Effect::Notify(_)))
    else {
        panic!("a notification: {effects:?}");
    };
    assert!(notice.stays, "a waiting human: stays until acted on");
    assert_eq!(notice.sound.as_deref(), Some(decisions::REQUEST_SOUND));
    let effects = shell.event(ServerEvent::RequestWithdrawn {
        request_id: Uuid::from_u128(5),
        topic_id: SUCHT,
        reason: RequestEndReason::Withdrawn,
    });
    assert!(effects.contains(&Effect::Withdraw(Uuid::from_u128(5))));
}

#[test]
fn the_chosen_sound_and_manner_go_into_the_notification() {
    let mut shell = Shell::logged_in(true, true);
    shell.step(Input::Prefs(AlertPrefs {
        sound: true,
        sound_name: "bell".to_owned(),
        stay: false,
        reminder: Duration::from_secs(60),
    }));
    let effects = shell.event(ServerEvent::RequestCreated {
        request: request(5, T0),
        notify: true,
    });
    let Some(Effect::Notify(notice)) = effects.iter().find(|e| matches!(e, Effect::Notify(_)))
    else {
        panic!("a notification");
    };
    assert_eq!(notice.sound.as_deref(), Some("bell"));
    assert!(!notice.stays);
    let unknown = shell.step(Input::Prefs(AlertPrefs {
        sound_name: "/etc/passwd".to_owned(),
        ..AlertPrefs::default()
    }));
    assert!(unknown.contains(&Effect::SavePrefs(AlertPrefs::default())));
}

#[test]
fn a_notification_click_brings_the_window_up_on_its_request() {
    let mut shell = Shell::logged_in(true, true);
    let effects = shell.step(Input::Leave {
        leaving: Leaving::WindowClose,
        ticket: None,
    });
    let offline = ask_of(&effects, &Call::Offline(OfflineReason::WindowClosed));
    shell.answer(
        offline,
        Answer::Availability(Ok(availability(false, false))),
    );
    let effects = shell.step(Input::NotificationClicked(Uuid::from_u128(5)));
    assert!(effects.contains(&Effect::ShowWindow {
        open: Some(Uuid::from_u128(5))
    }));
}

#[test]
fn the_tray_says_how_long_the_oldest_request_has_waited() {
    let mut shell = Shell::logged_in(true, true);
    shell.event(ServerEvent::RequestCreated {
        request: request(5, T0 - 4 * 60_000),
        notify: true,
    });
    shell.event(ServerEvent::RequestCreated {
        request: request(6, T0),
        notify: true,
    });
    shell.event(ServerEvent::CoverageChanged {
        coverage: TopicCoverage {
            topic_id: SUCHT,
            topic_name: "Suchtberatung".to_owned(),
            available_counselors: 1,
            waiting: 2,
            free_seats: None,
        },
    });
    let effects = shell.step(Input::Tick);
    let line = shell.status().tray.status_line;
    assert_eq!(
        line,
        "Live-Chat verfügbar · 2 Anfragen warten, die älteste seit 4 Min."
    );
    assert!(effects.is_empty() || effects.iter().all(|e| !matches!(e, Effect::Tray(_))));
    shell.now += 60_000;
    let effects = shell.step(Input::Tick);
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::Tray(v) if v.status_line.ends_with("seit 5 Min."))));
}

#[test]
fn the_server_ending_the_session_shows_the_login_and_forgets_the_stored_one() {
    let mut shell = Shell::logged_in(true, true);
    let effects = shell.event(ServerEvent::SessionEnded {
        reason: SessionEndReason::Expired,
    });
    assert!(effects.contains(&Effect::Disconnect));
    assert!(effects.contains(&Effect::ForgetSession { ticket: None }));
    assert!(effects.contains(&Effect::Emit(Emission::SessionEnded(
        SessionEndReason::Expired
    ))));
    assert!(effects.contains(&Effect::ShowWindow { open: None }));
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::Notify(n) if n.title == "Sitzung abgelaufen")));
}

#[test]
fn a_deactivated_account_is_told_as_deactivated_not_as_an_expired_session() {
    let mut shell = Shell::logged_in(true, true);
    let effects = shell.event(ServerEvent::SessionEnded {
        reason: SessionEndReason::Deactivated,
    });
    assert!(effects.contains(&Effect::Disconnect));
    assert!(effects.contains(&Effect::ForgetSession { ticket: None }));
    assert!(effects.contains(&Effect::Emit(Emission::SessionEnded(
        SessionEndReason::Deactivated
    ))));
    let titles: Vec<&str> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify(n) => Some(n.title.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(titles, ["Zugang deaktiviert"]);
}

#[test]
fn a_logout_whose_session_the_server_ends_first_is_still_done() {
    let mut shell = Shell::logged_in(true, true);
    let effects = shell.step(Input::Leave {
        leaving: Leaving::Logout,
        ticket: Some(3),
    });
    ask_of(&effects, &Call::Logout);
    // The socket hears `session_ended` before the logout call answers.
    let effects = shell.event(ServerEvent::SessionEnded {
        reason: SessionEndReason::LoggedOut,
    });
    assert!(effects.contains(&Effect::Done(3)), "{effects:?}");
}

#[test]
fn a_hidden_start_builds_no_window() {
    let mut machine = Machine::default();
    let effects = machine.step(Input::Started { hidden: true }, at(0));
    assert!(!effects
        .iter()
        .any(|e| matches!(e, Effect::ShowWindow { .. })));
    assert!(effects.iter().any(|e| matches!(e, Effect::Tray(_))));
}

#[test]
fn notification_times_are_local() {
    let mut shell = Shell::logged_in(true, true);
    shell.now = 0;
    let entered = T0 - T0.rem_euclid(86_400_000) + (14 * 60 + 32) * 60_000; // 14:32 UTC
    let effects = shell.machine.step(
        Input::Socket {
            generation: shell.generation,
            news: SocketNews::Event(ServerEvent::RequestCreated {
                request: request(5, entered),
                notify: true,
            }),
        },
        At {
            now: T0,
            utc_offset_minutes: 60,
            jitter: 0.5,
        },
    );
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::Notify(n) if n.body == "Suchtberatung · 15:32")));
}

#[test]
fn the_shift_reminder_arrives_as_a_notification_and_its_action_switches_on() {
    let mut shell = Shell::logged_in(false, false);
    let effects = shell.event(ServerEvent::ShiftReminder {
        notice: pforte_wire::ShiftNotice::Started,
        topic_id: SUCHT,
        topic_name: "Suchtberatung".to_owned(),
        starts_at: 0,
        ends_at: 7_200_000,
    });
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Notify(n) if n.switches_on)),
        "{effects:?}"
    );

    let effects = shell.step(Input::NotificationSwitchOn);

    ask_of(&effects, &Call::Switch(true));
}

#[test]
fn the_switch_on_action_does_nothing_when_already_switched_on() {
    let mut shell = Shell::logged_in(true, true);
    let effects = shell.step(Input::NotificationSwitchOn);
    assert!(calls(&effects).is_empty(), "{effects:?}");
}
