use super::*;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

const SUCHT: TopicId = TopicId(1);
const SCHWANGER: TopicId = TopicId(2);
const NO_CHAT: TopicId = TopicId(3);
const ANNA: CounselorId = CounselorId(10);
const BERND: CounselorId = CounselorId(11);

fn t(secs: i64) -> Timestamp {
    Timestamp::from_millis(secs * 1000)
}

/// A connection held by instance 1.
fn conn(n: u64) -> ConnectionId {
    ConnectionId::new(InstanceId(1), n)
}

/// The connection of an asker's page.
fn page(request: u128) -> ConnectionId {
    ConnectionId::new(InstanceId(1), 1_000 + request as u64)
}

fn rid(n: u128) -> RequestId {
    RequestId(Uuid::from_u128(n))
}

fn desk() -> Desk {
    desk_with(DeskConfig::default())
}

fn desk_with(config: DeskConfig) -> Desk {
    let mut desk = Desk::new(config);
    for (topic, live_chat) in [(SUCHT, true), (SCHWANGER, true), (NO_CHAT, false)] {
        desk.apply(Command::UpsertTopic { topic, live_chat }, t(0))
            .unwrap();
    }
    desk.apply(
        Command::UpsertCounselor {
            counselor: ANNA,
            topics: [SUCHT, SCHWANGER].into(),
        },
        t(0),
    )
    .unwrap();
    desk.apply(
        Command::UpsertCounselor {
            counselor: BERND,
            topics: [SUCHT].into(),
        },
        t(0),
    )
    .unwrap();
    desk
}

fn switch(desk: &mut Desk, counselor: CounselorId, on: bool, at: Timestamp) -> Vec<Event> {
    desk.apply(
        Command::SwitchAvailability {
            counselor,
            on,
            reason: SwitchReason::Toggle,
        },
        at,
    )
    .unwrap()
}

fn connect(desk: &mut Desk, counselor: CounselorId, connection: u64) -> Vec<Event> {
    desk.apply(
        Command::Connect {
            counselor,
            connection: conn(connection),
            fresh: false,
        },
        t(0),
    )
    .unwrap()
}

fn enter(desk: &mut Desk, request: u128, topic: TopicId, at: Timestamp) -> Vec<Event> {
    desk.apply(
        Command::Enter {
            request: rid(request),
            topic,
            pseudonym: format!("Wolke {request}"),
            asker_key: String::new(),
        },
        at,
    )
    .unwrap()
}

fn asker_online(desk: &mut Desk, request: u128, online: bool, at: Timestamp) {
    let command = if online {
        Command::AskerConnected {
            request: rid(request),
            connection: page(request),
        }
    } else {
        Command::AskerDisconnected {
            request: rid(request),
            connection: page(request),
        }
    };
    desk.apply(command, at).unwrap();
}

fn available(desk: &mut Desk, counselor: CounselorId, connection: u64) {
    connect(desk, counselor, connection);
    switch(desk, counselor, true, t(0));
}

#[test]
fn the_gate_is_closed_while_nobody_is_available() {
    let mut desk = desk();
    assert!(!desk.gate_open(SUCHT));
    assert_eq!(
        desk.apply(
            Command::Enter {
                request: rid(1),
                topic: SUCHT,
                pseudonym: "Wolke 1".into(),
                asker_key: String::new(),
            },
            t(1)
        ),
        Err(DeskError::GateClosed)
    );
    assert!(desk.queue(SUCHT).is_empty());
}

#[test]
fn the_last_available_counselor_of_a_topic_is_told_so_with_the_number_of_waiting_askers() {
    let mut desk = desk();
    assert!(
        desk.sole_cover(ANNA).is_empty(),
        "not available: covers nothing"
    );
    available(&mut desk, ANNA, 1);
    assert_eq!(desk.sole_cover(ANNA), vec![(SUCHT, 0), (SCHWANGER, 0)]);
    enter(&mut desk, 1, SUCHT, t(1));
    enter(&mut desk, 2, SUCHT, t(2));
    assert_eq!(desk.sole_cover(ANNA), vec![(SUCHT, 2), (SCHWANGER, 0)]);
    // A colleague of Suchtberatung switches on: Anna is no longer the last one there.
    available(&mut desk, BERND, 2);
    assert_eq!(desk.sole_cover(ANNA), vec![(SCHWANGER, 0)]);
    assert!(desk.sole_cover(BERND).is_empty());
    switch(&mut desk, ANNA, false, t(3));
    assert!(desk.sole_cover(ANNA).is_empty());
    assert_eq!(desk.sole_cover(BERND), vec![(SUCHT, 2)]);
}

#[test]
fn switching_on_without_a_live_connection_does_not_open_the_gate() {
    let mut desk = desk();
    switch(&mut desk, ANNA, true, t(1));
    assert!(desk.is_switched_on(ANNA));
    assert!(!desk.is_available(ANNA));
    assert!(!desk.gate_open(SUCHT));
}

#[test]
fn a_connected_counselor_who_switches_on_opens_the_gates_of_their_topics() {
    let mut desk = desk();
    connect(&mut desk, ANNA, 1);
    let events = switch(&mut desk, ANNA, true, t(1));
    assert!(events.contains(&Event::GateOpened { topic: SUCHT }));
    assert!(events.contains(&Event::GateOpened { topic: SCHWANGER }));
    assert!(!events.contains(&Event::GateOpened { topic: NO_CHAT }));
    assert!(events.contains(&Event::CoverageChanged {
        topic: SUCHT,
        available_counselors: 1
    }));
    assert!(desk.gate_open(SUCHT) && desk.gate_open(SCHWANGER) && !desk.gate_open(NO_CHAT));
}

#[test]
fn a_topic_without_live_chat_refuses_entry_even_with_counselors_around() {
    let mut desk = desk();
    available(&mut desk, ANNA, 1);
    assert_eq!(
        desk.apply(
            Command::Enter {
                request: rid(1),
                topic: NO_CHAT,
                pseudonym: "Wolke 1".into(),
                asker_key: String::new(),
            },
            t(1)
        ),
        Err(DeskError::LiveChatDisabled)
    );
}

#[test]
fn absence_switches_availability_off_and_blocks_switching_on() {
    let mut desk = desk();
    available(&mut desk, ANNA, 1);
    let events = desk
        .apply(
            Command::SetAbsence {
                counselor: ANNA,
                absent: true,
            },
            t(1),
        )
        .unwrap();
    assert!(events.contains(&Event::AvailabilitySwitched {
        counselor: ANNA,
        on: false,
        reason: SwitchReason::Absence
    }));
    assert!(!desk.is_available(ANNA));
    assert_eq!(
        desk.apply(
            Command::SwitchAvailability {
                counselor: ANNA,
                on: true,
                reason: SwitchReason::Toggle
            },
            t(2)
        ),
        Err(DeskError::Absent)
    );
}

#[test]
fn asker_positions_follow_the_order_of_entry() {
    let mut desk = desk();
    available(&mut desk, BERND, 1);
    for n in 1..=3 {
        enter(&mut desk, n, SUCHT, t(n as i64));
    }
    assert_eq!(desk.position(rid(3)), Some(3));
    desk.apply(Command::Leave { request: rid(1) }, t(5))
        .unwrap();
    assert_eq!(desk.position(rid(2)), Some(1));
    assert_eq!(desk.position(rid(3)), Some(2));
}

#[test]
fn only_available_counselors_of_the_topic_see_its_requests() {
    let mut desk = desk();
    available(&mut desk, ANNA, 1);
    enter(&mut desk, 1, SCHWANGER, t(1));
    assert_eq!(desk.live_chat_requests(ANNA).unwrap().len(), 1);
    assert_eq!(desk.live_chat_requests(BERND), Err(DeskError::NotAvailable));
    available(&mut desk, BERND, 2);
    assert!(desk.live_chat_requests(BERND).unwrap().is_empty());
    assert_eq!(
        desk.apply(
            Command::Accept {
                request: rid(1),
                counselor: BERND
            },
            t(2)
        ),
        Err(DeskError::NotYourTopic)
    );
}

#[test]
fn the_second_accept_of_a_request_is_told_it_was_taken() {
    let mut desk = desk();
    available(&mut desk, ANNA, 1);
    available(&mut desk, BERND, 2);
    enter(&mut desk, 1, SUCHT, t(1));
    let events = desk
        .apply(
            Command::Accept {
                request: rid(1),
                counselor: BERND,
            },
            t(2),
        )
        .unwrap();
    assert!(events.contains(&Event::RequestAccepted {
        request: rid(1),
        topic: SUCHT,
        counselor: BERND
    }));
    assert_eq!(
        desk.apply(
            Command::Accept {
                request: rid(1),
                counselor: ANNA
            },
            t(2)
        ),
        Err(DeskError::AlreadyTaken)
    );
}

#[test]
fn closing_the_gate_on_waiting_askers_grants_a_grace_period_then_ends_their_requests() {
    let mut desk = desk();
    available(&mut desk, BERND, 1);
    enter(&mut desk, 1, SUCHT, t(1));
    asker_online(&mut desk, 1, true, t(1));
    let events = switch(&mut desk, BERND, false, t(10));
    assert!(events.contains(&Event::GateClosed {
        topic: SUCHT,
        grace_until: Some(t(70))
    }));
    assert!(desk.apply(Command::Tick, t(69)).unwrap().is_empty());
    let events = desk.apply(Command::Tick, t(70)).unwrap();
    assert!(events.contains(&Event::RequestEnded {
        request: rid(1),
        topic: SUCHT,
        reason: EndReason::NobodyAvailable
    }));
    assert!(desk.queue(SUCHT).is_empty());
}

#[test]
fn a_counselor_coming_back_within_the_grace_period_keeps_the_askers() {
    let mut desk = desk();
    available(&mut desk, BERND, 1);
    enter(&mut desk, 1, SUCHT, t(1));
    asker_online(&mut desk, 1, true, t(1));
    desk.apply(
        Command::Disconnect {
            counselor: BERND,
            connection: conn(1),
        },
        t(10),
    )
    .unwrap();
    assert!(!desk.gate_open(SUCHT));
    let events = desk
        .apply(
            Command::Connect {
                counselor: BERND,
                connection: conn(2),
                fresh: false,
            },
            t(20),
        )
        .unwrap();
    assert!(events.contains(&Event::GateOpened { topic: SUCHT }));
    assert!(desk
        .apply(Command::Tick, t(200))
        .unwrap()
        .iter()
        .all(|e| !matches!(
            e,
            Event::RequestEnded {
                reason: EndReason::NobodyAvailable,
                ..
            }
        )));
    assert_eq!(desk.position(rid(1)), Some(1));
}

#[test]
fn a_lost_connection_that_does_not_come_back_switches_availability_off() {
    let mut desk = desk();
    available(&mut desk, ANNA, 1);
    desk.apply(
        Command::Disconnect {
            counselor: ANNA,
            connection: conn(1),
        },
        t(10),
    )
    .unwrap();
    assert!(desk.is_switched_on(ANNA));
    let events = desk.apply(Command::Tick, t(40)).unwrap();
    assert!(events.contains(&Event::AvailabilitySwitched {
        counselor: ANNA,
        on: false,
        reason: SwitchReason::ConnectionLost
    }));
    connect(&mut desk, ANNA, 2);
    assert!(!desk.is_available(ANNA), "a later start never restores it");
}

#[test]
fn a_fresh_start_within_the_resume_window_does_not_restore_availability() {
    let mut desk = desk();
    available(&mut desk, ANNA, 1);
    desk.apply(
        Command::Disconnect {
            counselor: ANNA,
            connection: conn(1),
        },
        t(10),
    )
    .unwrap();
    let events = desk
        .apply(
            Command::Connect {
                counselor: ANNA,
                connection: conn(2),
                fresh: true,
            },
            t(15),
        )
        .unwrap();
    assert!(events.contains(&Event::AvailabilitySwitched {
        counselor: ANNA,
        on: false,
        reason: SwitchReason::ConnectionLost
    }));
    assert!(!desk.is_available(ANNA) && !desk.is_switched_on(ANNA));
}

#[test]
fn a_fresh_device_leaves_the_availability_of_another_connected_device_alone() {
    let mut desk = desk();
    available(&mut desk, ANNA, 1);
    desk.apply(
        Command::Connect {
            counselor: ANNA,
            connection: conn(2),
            fresh: true,
        },
        t(5),
    )
    .unwrap();
    assert!(desk.is_available(ANNA));
}

#[test]
fn a_waiting_asker_whose_page_is_gone_leaves_after_the_reconnect_window() {
    let mut desk = desk();
    available(&mut desk, BERND, 1);
    enter(&mut desk, 1, SUCHT, t(1));
    asker_online(&mut desk, 1, true, t(2));
    asker_online(&mut desk, 1, false, t(3));
    asker_online(&mut desk, 1, true, t(4));
    assert!(desk.apply(Command::Tick, t(60)).unwrap().is_empty());
    asker_online(&mut desk, 1, false, t(61));
    let events = desk.apply(Command::Tick, t(91)).unwrap();
    assert!(events.contains(&Event::RequestEnded {
        request: rid(1),
        topic: SUCHT,
        reason: EndReason::AskerGone
    }));
}

#[test]
fn a_request_ends_after_the_longest_wait() {
    let mut desk = desk();
    available(&mut desk, BERND, 1);
    enter(&mut desk, 1, SUCHT, t(0));
    asker_online(&mut desk, 1, true, t(0));
    let events = desk.apply(Command::Tick, t(30 * 60)).unwrap();
    assert!(events.contains(&Event::RequestEnded {
        request: rid(1),
        topic: SUCHT,
        reason: EndReason::WaitedTooLong
    }));
}

#[test]
fn a_running_conversation_survives_its_counselor_going_offline() {
    let mut desk = desk();
    available(&mut desk, BERND, 1);
    enter(&mut desk, 1, SUCHT, t(0));
    desk.apply(
        Command::Accept {
            request: rid(1),
            counselor: BERND,
        },
        t(1),
    )
    .unwrap();
    switch(&mut desk, BERND, false, t(2));
    desk.apply(
        Command::Disconnect {
            counselor: BERND,
            connection: conn(1),
        },
        t(3),
    )
    .unwrap();
    desk.apply(Command::Tick, t(10_000)).unwrap();
    assert!(desk.conversation(rid(1)).is_some());
    assert_eq!(
        desk.apply(
            Command::EndConversation {
                conversation: rid(1),
                by: Party::Counselor(ANNA)
            },
            t(10_001)
        ),
        Err(DeskError::NotParticipant)
    );
    desk.apply(
        Command::EndConversation {
            conversation: rid(1),
            by: Party::Asker,
        },
        t(10_001),
    )
    .unwrap();
    assert!(desk.conversation(rid(1)).is_none());
}

#[test]
fn a_restored_switched_on_counselor_is_available_again_only_if_they_reconnect_in_time() {
    let mut desk = desk();
    desk.restore_counselor(ANNA, [SUCHT].into(), true, false, t(100));
    assert!(!desk.is_available(ANNA));
    connect(&mut desk, ANNA, 1);
    assert!(desk.is_available(ANNA));

    let mut desk = self::desk();
    desk.restore_counselor(ANNA, [SUCHT].into(), true, false, t(100));
    desk.apply(Command::Tick, t(131)).unwrap();
    connect(&mut desk, ANNA, 1);
    assert!(!desk.is_available(ANNA));
}

// ---- property tests: any sequence of commands keeps the rules ----

#[derive(Clone, Debug)]
enum Step {
    Switch(usize, bool),
    Absence(usize, bool),
    Connect(usize, u64, bool),
    Disconnect(usize, u64),
    Enter(u128, usize),
    AskerOnline(u128, bool),
    Leave(u128),
    Accept(u128, usize),
    End(u128, Option<usize>),
    LiveChat(usize, bool),
    Wait(u64),
    Lost(u32),
    Stopping(u32, u64),
}

const TOPICS: [TopicId; 3] = [TopicId(1), TopicId(2), TopicId(3)];
const COUNSELORS: [CounselorId; 4] = [
    CounselorId(1),
    CounselorId(2),
    CounselorId(3),
    CounselorId(4),
];

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..4usize, any::<bool>()).prop_map(|(c, on)| Step::Switch(c, on)),
        (0..4usize, any::<bool>()).prop_map(|(c, a)| Step::Absence(c, a)),
        (0..4usize, 0..3u64, any::<bool>()).prop_map(|(c, n, f)| Step::Connect(c, n, f)),
        (0..4usize, 0..3u64).prop_map(|(c, n)| Step::Disconnect(c, n)),
        (0..12u128, 0..3usize).prop_map(|(r, t)| Step::Enter(r, t)),
        (0..12u128, any::<bool>()).prop_map(|(r, o)| Step::AskerOnline(r, o)),
        (0..12u128).prop_map(Step::Leave),
        (0..12u128, 0..4usize).prop_map(|(r, c)| Step::Accept(r, c)),
        (0..12u128, proptest::option::of(0..4usize)).prop_map(|(r, c)| Step::End(r, c)),
        (0..3usize, any::<bool>()).prop_map(|(t, on)| Step::LiveChat(t, on)),
        (0..90_000u64).prop_map(Step::Wait),
        (1..3u32).prop_map(Step::Lost),
        (1..3u32, 0..30_000u64).prop_map(|(i, ms)| Step::Stopping(i, ms)),
    ]
}

fn topic_sets() -> impl Strategy<Value = Vec<BTreeSet<usize>>> {
    proptest::collection::vec(proptest::collection::btree_set(0..3usize, 0..=3), 4)
}

/// What an observer who only hears the events believes.
#[derive(Default)]
struct Listener {
    gates: HashMap<TopicId, bool>,
    available: HashSet<CounselorId>,
    accepted: HashMap<RequestId, CounselorId>,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_sequence_of_commands_keeps_the_rules(
        topics in topic_sets(),
        steps in proptest::collection::vec(step(), 1..120),
    ) {
        let mut desk = Desk::new(DeskConfig::default());
        let mut now = Timestamp::from_millis(0);
        for topic in TOPICS {
            desk.apply(Command::UpsertTopic { topic, live_chat: true }, now).unwrap();
        }
        for (i, counselor) in COUNSELORS.into_iter().enumerate() {
            let topics = topics[i].iter().map(|t| TOPICS[*t]).collect();
            desk.apply(Command::UpsertCounselor { counselor, topics }, now).unwrap();
        }
        let mut heard = Listener::default();
        let mut ended_requests: HashSet<RequestId> = HashSet::new();

        for step in steps {
            let gates_before: HashMap<TopicId, bool> =
                TOPICS.iter().map(|t| (*t, desk.gate_open(*t))).collect();
            let available_before: HashSet<CounselorId> =
                COUNSELORS.iter().copied().filter(|c| desk.is_available(*c)).collect();
            let conversations_before = COUNSELORS
                .iter()
                .map(|c| desk.conversations_of(*c).count())
                .sum::<usize>();
            let snapshot = desk.clone();

            let command = match step.clone() {
                Step::Switch(c, on) => Command::SwitchAvailability {
                    counselor: COUNSELORS[c], on, reason: SwitchReason::Toggle },
                Step::Absence(c, absent) => Command::SetAbsence { counselor: COUNSELORS[c], absent },
                Step::Connect(c, n, fresh) => Command::Connect {
                    counselor: COUNSELORS[c], connection: ConnectionId::new(InstanceId(n as u32 % 2 + 1), c as u64 * 10 + n), fresh },
                Step::Disconnect(c, n) => Command::Disconnect {
                    counselor: COUNSELORS[c], connection: ConnectionId::new(InstanceId(n as u32 % 2 + 1), c as u64 * 10 + n) },
                Step::Enter(r, t) => Command::Enter { request: rid(r), topic: TOPICS[t], pseudonym: "Wolke 1".into(), asker_key: String::new(), },
                Step::AskerOnline(r, true) => Command::AskerConnected { request: rid(r), connection: page(r) },
                Step::AskerOnline(r, false) => Command::AskerDisconnected { request: rid(r), connection: page(r) },
                Step::Leave(r) => Command::Leave { request: rid(r) },
                Step::Accept(r, c) => Command::Accept { request: rid(r), counselor: COUNSELORS[c] },
                Step::End(r, by) => Command::EndConversation {
                    conversation: rid(r),
                    by: by.map_or(Party::Asker, |c| Party::Counselor(COUNSELORS[c])) },
                Step::LiveChat(t, on) => Command::UpsertTopic { topic: TOPICS[t], live_chat: on },
                Step::Wait(ms) => {
                    now = Timestamp::from_millis(now.as_millis() + ms as i64);
                    Command::Tick
                }
                Step::Lost(i) => Command::InstanceLost { instance: InstanceId(i) },
                Step::Stopping(i, ms) => Command::InstanceStopping {
                    instance: InstanceId(i),
                    until: Timestamp::from_millis(now.as_millis() + ms as i64),
                },
            };
            let result = desk.apply(command.clone(), now);
            if let Ok(events) = &result {
                if events.is_empty() && matches!(command, Command::Tick | Command::InstanceLost { .. }) {
                    // Nothing to write to a log: nothing changed.
                    prop_assert_eq!(&desk, &snapshot.clone().with_config(desk.config().clone()));
                }
            }

            match &result {
                Err(_) => {
                    // A refused command changes nothing.
                    prop_assert_eq!(format!("{:?}", desk), format!("{:?}", snapshot));
                }
                Ok(events) => {
                    for event in events {
                        match event {
                            Event::GateOpened { topic } => { heard.gates.insert(*topic, true); }
                            Event::GateClosed { topic, .. } => { heard.gates.insert(*topic, false); }
                            Event::CounselorAvailabilityChanged { counselor, available } => {
                                if *available { heard.available.insert(*counselor); }
                                else { heard.available.remove(counselor); }
                            }
                            Event::RequestCreated { request, topic, .. } => {
                                // Rule 4: nothing is created behind a closed gate.
                                prop_assert!(gates_before[topic]);
                                prop_assert!(!ended_requests.contains(request) || !heard.accepted.contains_key(request));
                            }
                            Event::RequestAccepted { request, topic, counselor } => {
                                // Rule 6: one request, one counselor.
                                prop_assert!(!heard.accepted.contains_key(request));
                                heard.accepted.insert(*request, *counselor);
                                // Rule 4: only an available counselor of the topic accepts.
                                prop_assert!(available_before.contains(counselor));
                                prop_assert!(snapshot.topics_of(*counselor).any(|t| t == *topic));
                            }
                            Event::RequestEnded { request, .. } => { ended_requests.insert(*request); }
                            Event::ConversationEnded { .. } => {
                                // Rule 7: only ending a conversation ends it.
                                let is_end = matches!(command, Command::EndConversation { .. });
                                prop_assert!(is_end);
                            }
                            _ => {}
                        }
                    }
                    if !matches!(command, Command::EndConversation { .. }) {
                        let conversations_after = COUNSELORS
                            .iter()
                            .map(|c| desk.conversations_of(*c).count())
                            .sum::<usize>();
                        prop_assert!(conversations_after >= conversations_before);
                    }
                }
            }

            // Rule 1 and 2, recomputed from first principles, and as heard through events.
            for topic in TOPICS {
                let truth = desk.topics.get(&topic).is_some_and(|t| t.live_chat)
                    && COUNSELORS.iter().any(|c| {
                        let s = &desk.counselors[c];
                        s.switched_on && !s.absent && !s.connections.is_empty() && s.topics.contains(&topic)
                    });
                prop_assert_eq!(desk.gate_open(topic), truth);
                prop_assert_eq!(heard.gates.get(&topic).copied().unwrap_or(false), truth);
                // Rule 5: askers behind a closed gate are inside their grace period.
                if !truth && !desk.queue(topic).is_empty() {
                    let until = desk.grace_until(topic);
                    prop_assert!(until.is_some_and(|u| now < u), "askers wait behind a closed gate without grace");
                }
            }
            for counselor in COUNSELORS {
                prop_assert_eq!(heard.available.contains(&counselor), desk.is_available(counselor));
                // Rule 4: the list is refused exactly when the counselor is unavailable.
                prop_assert_eq!(desk.live_chat_requests(counselor).is_ok(), desk.is_available(counselor));
                if desk.is_absent(counselor) {
                    prop_assert!(!desk.is_switched_on(counselor));
                }
                // "You are the last one": exactly the live-chat topics whose gate closes
                // when this counselor leaves, each with its queue.
                let sole: Vec<TopicId> = desk.sole_cover(counselor).iter().map(|(t, _)| *t).collect();
                let truth: Vec<TopicId> = TOPICS
                    .iter()
                    .copied()
                    .filter(|topic| {
                        desk.is_available(counselor)
                            && desk.gate_open(*topic)
                            && desk.counselors[&counselor].topics.contains(topic)
                            && desk.coverage(*topic) == 1
                    })
                    .collect();
                let mut sole_sorted = sole.clone();
                sole_sorted.sort();
                let mut truth_sorted = truth;
                truth_sorted.sort();
                prop_assert_eq!(sole_sorted, truth_sorted);
                for (topic, waiting) in desk.sole_cover(counselor) {
                    prop_assert_eq!(waiting, desk.queue(topic).len());
                }
            }
        }
    }
}

#[test]
fn a_full_waiting_room_refuses_the_next_asker_and_changes_nothing() {
    let mut desk = desk_with(DeskConfig {
        max_waiting_per_topic: 2,
        ..DeskConfig::default()
    });
    available(&mut desk, BERND, 1);
    enter(&mut desk, 1, SUCHT, t(1));
    enter(&mut desk, 2, SUCHT, t(2));
    let refused = desk.apply(
        Command::Enter {
            request: rid(3),
            topic: SUCHT,
            pseudonym: "Wolke 1".into(),
            asker_key: String::new(),
        },
        t(3),
    );
    assert_eq!(refused, Err(DeskError::QueueFull));
    assert_eq!(desk.queue(SUCHT).len(), 2);
    assert!(desk.waiting_request(rid(3)).is_none());
    // Another topic's waiting room is not affected.
    available(&mut desk, ANNA, 2);
    enter(&mut desk, 4, SCHWANGER, t(4));
}

#[test]
fn an_instance_lost_takes_every_connection_it_held_as_if_each_was_lost() {
    let mut desk = desk();
    let on_two = ConnectionId::new(InstanceId(2), 1);
    available(&mut desk, BERND, 1);
    enter(&mut desk, 1, SUCHT, t(1));
    desk.apply(
        Command::AskerConnected {
            request: rid(1),
            connection: on_two,
        },
        t(1),
    )
    .unwrap();
    // Anna is connected through instance 2 only.
    desk.apply(
        Command::Connect {
            counselor: ANNA,
            connection: ConnectionId::new(InstanceId(2), 2),
            fresh: false,
        },
        t(1),
    )
    .unwrap();
    switch(&mut desk, ANNA, true, t(1));
    assert!(desk.is_available(ANNA));

    let events = desk
        .apply(
            Command::InstanceLost {
                instance: InstanceId(2),
            },
            t(5),
        )
        .unwrap();
    assert!(!desk.is_available(ANNA), "her only connection was there");
    assert!(
        desk.is_switched_on(ANNA),
        "within the resume window the switch stays"
    );
    assert!(desk.is_available(BERND), "instance 1 is untouched");
    assert!(events.contains(&Event::AskerPresenceChanged {
        request: rid(1),
        online: false
    }));
    assert!(!desk.waiting_request(rid(1)).unwrap().asker_online());
}

#[test]
fn a_counselor_back_through_another_instance_during_the_handover_changes_nothing() {
    let mut desk = desk();
    let old = ConnectionId::new(InstanceId(1), 1);
    let new = ConnectionId::new(InstanceId(2), 1);
    desk.apply(
        Command::Connect {
            counselor: BERND,
            connection: old,
            fresh: false,
        },
        t(0),
    )
    .unwrap();
    switch(&mut desk, BERND, true, t(0));
    enter(&mut desk, 1, SUCHT, t(1));

    let stopping = desk
        .apply(
            Command::InstanceStopping {
                instance: InstanceId(1),
                until: t(20),
            },
            t(10),
        )
        .unwrap();
    assert!(stopping.is_empty(), "nobody hears of a handover");
    assert!(desk.gate_open(SUCHT));
    assert_eq!(desk.next_deadline(), Some(t(20)));
    let back = desk
        .apply(
            Command::Connect {
                counselor: BERND,
                connection: new,
                fresh: false,
            },
            t(11),
        )
        .unwrap();
    assert!(back.is_empty(), "{back:?}");
    let handed_over = desk.apply(Command::Tick, t(20)).unwrap();
    assert!(
        !handed_over.iter().any(|e| matches!(
            e,
            Event::GateClosed { .. } | Event::CounselorAvailabilityChanged { .. }
        )),
        "{handed_over:?}"
    );
    assert!(desk.gate_open(SUCHT));
    assert_eq!(desk.position(rid(1)), Some(1), "nobody lost their place");
}

#[test]
fn a_handover_nobody_comes_back_to_closes_the_gate_when_it_ends() {
    let mut desk = desk();
    available(&mut desk, BERND, 1);
    enter(&mut desk, 1, SUCHT, t(1));
    desk.apply(
        Command::InstanceStopping {
            instance: InstanceId(1),
            until: t(20),
        },
        t(10),
    )
    .unwrap();
    assert!(desk.apply(Command::Tick, t(19)).unwrap().is_empty());
    let events = desk.apply(Command::Tick, t(20)).unwrap();
    assert!(events.contains(&Event::GateClosed {
        topic: SUCHT,
        grace_until: Some(t(80))
    }));
}

#[test]
fn the_next_deadline_is_the_earliest_thing_a_tick_would_do() {
    let mut desk = desk();
    assert_eq!(desk.next_deadline(), None);
    available(&mut desk, BERND, 1);
    enter(&mut desk, 1, SUCHT, t(100));
    // The asker's page has not connected: the reconnect window (30 s) runs.
    assert_eq!(desk.next_deadline(), Some(t(130)));
    asker_online(&mut desk, 1, true, t(101));
    // Now only the longest wait (30 min) is pending.
    assert_eq!(desk.next_deadline(), Some(t(100 + 1800)));
    assert!(desk.apply(Command::Tick, t(1899)).unwrap().is_empty());
    let ended = desk.apply(Command::Tick, t(1900)).unwrap();
    assert!(ended.iter().any(|e| matches!(
        e,
        Event::RequestEnded {
            reason: EndReason::WaitedTooLong,
            ..
        }
    )));
}

#[test]
fn only_the_askers_behind_a_place_that_moved_hear_of_it() {
    let mut desk = desk();
    available(&mut desk, BERND, 1);
    for n in 1..=4 {
        enter(&mut desk, n, SUCHT, t(n as i64));
    }
    let entered = enter(&mut desk, 5, SUCHT, t(5));
    assert!(entered.contains(&Event::QueueChanged {
        topic: SUCHT,
        from: 5
    }));
    let left = desk
        .apply(Command::Leave { request: rid(3) }, t(6))
        .unwrap();
    assert!(left.contains(&Event::QueueChanged {
        topic: SUCHT,
        from: 3
    }));
    let places: Vec<(usize, RequestId)> = desk
        .queue_from(SUCHT, 3)
        .map(|(place, request)| (place, request.id))
        .collect();
    assert_eq!(places, vec![(3, rid(4)), (4, rid(5))]);
    assert_eq!(desk.position(rid(5)), Some(4));
}

#[test]
fn a_snapshot_of_the_desk_restores_the_same_desk() {
    let mut desk = desk();
    available(&mut desk, BERND, 1);
    enter(&mut desk, 1, SUCHT, t(1));
    enter(&mut desk, 2, SUCHT, t(2));
    desk.apply(
        Command::Accept {
            request: rid(1),
            counselor: BERND,
        },
        t(3),
    )
    .unwrap();
    let json = serde_json::to_string(&desk).unwrap();
    let restored: Desk = serde_json::from_str(&json).unwrap();
    let restored = restored.with_config(desk.config().clone());
    assert_eq!(restored, desk);
}

/// The log design of several instances: each replica decides on its own copy of the desk
/// after catching up with the log, appends what it decided, and every replica applies the
/// log in order. Whatever the interleaving, all replicas end in the same desk.
#[derive(Clone, Debug)]
struct Proposal {
    replica: usize,
    step: Step,
}

fn command_of(step: &Step, replica: usize, now: &mut Timestamp) -> Command {
    let instance = InstanceId(u32::try_from(replica).unwrap() % 2 + 1);
    match step.clone() {
        Step::Switch(c, on) => Command::SwitchAvailability {
            counselor: COUNSELORS[c],
            on,
            reason: SwitchReason::Toggle,
        },
        Step::Absence(c, absent) => Command::SetAbsence {
            counselor: COUNSELORS[c],
            absent,
        },
        Step::Connect(c, n, fresh) => Command::Connect {
            counselor: COUNSELORS[c],
            connection: ConnectionId::new(instance, c as u64 * 10 + n),
            fresh,
        },
        Step::Disconnect(c, n) => Command::Disconnect {
            counselor: COUNSELORS[c],
            connection: ConnectionId::new(instance, c as u64 * 10 + n),
        },
        Step::Enter(r, t) => Command::Enter {
            request: rid(r),
            topic: TOPICS[t],
            pseudonym: format!("Wolke {r}"),
            asker_key: String::new(),
        },
        Step::AskerOnline(r, true) => Command::AskerConnected {
            request: rid(r),
            connection: ConnectionId::new(instance, 1_000 + r as u64),
        },
        Step::AskerOnline(r, false) => Command::AskerDisconnected {
            request: rid(r),
            connection: ConnectionId::new(instance, 1_000 + r as u64),
        },
        Step::Leave(r) => Command::Leave { request: rid(r) },
        Step::Accept(r, c) => Command::Accept {
            request: rid(r),
            counselor: COUNSELORS[c],
        },
        Step::End(r, by) => Command::EndConversation {
            conversation: rid(r),
            by: by.map_or(Party::Asker, |c| Party::Counselor(COUNSELORS[c])),
        },
        Step::LiveChat(t, on) => Command::UpsertTopic {
            topic: TOPICS[t],
            live_chat: on,
        },
        Step::Wait(ms) => {
            *now = Timestamp::from_millis(now.as_millis() + ms as i64);
            Command::Tick
        }
        Step::Lost(i) => Command::InstanceLost {
            instance: InstanceId(i),
        },
        Step::Stopping(i, ms) => Command::InstanceStopping {
            instance: InstanceId(i),
            until: Timestamp::from_millis(now.as_millis() + ms as i64),
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn replicas_that_apply_one_ordered_log_end_in_the_same_desk(
        topics in topic_sets(),
        proposals in proptest::collection::vec(
            (0..3usize, step()).prop_map(|(replica, step)| Proposal { replica, step }),
            1..150,
        ),
    ) {
        let mut base = Desk::new(DeskConfig::default());
        let start = Timestamp::from_millis(0);
        for topic in TOPICS {
            base.apply(Command::UpsertTopic { topic, live_chat: true }, start).unwrap();
        }
        for (i, counselor) in COUNSELORS.into_iter().enumerate() {
            let topics = topics[i].iter().map(|t| TOPICS[*t]).collect();
            base.apply(Command::UpsertCounselor { counselor, topics }, start).unwrap();
        }
        // The log: commands with their times, in the order they were appended.
        let mut log: Vec<(Command, Timestamp)> = Vec::new();
        let mut replicas: Vec<(Desk, usize)> = vec![(base.clone(), 0); 3];
        let mut now = start;
        for proposal in proposals {
            let command = command_of(&proposal.step, proposal.replica, &mut now);
            let (desk, applied) = &mut replicas[proposal.replica];
            // Catch up with the log before deciding.
            for (entry, at) in &log[*applied..] {
                let _ = desk.apply(entry.clone(), *at);
            }
            *applied = log.len();
            let mut copy = desk.clone();
            if copy.apply(command.clone(), now).is_ok() {
                log.push((command, now));
                *desk = copy;
                *applied = log.len();
            }
        }
        let mut reference = base;
        for (entry, at) in &log {
            let _ = reference.apply(entry.clone(), *at);
        }
        for (desk, applied) in &mut replicas {
            for (entry, at) in &log[*applied..] {
                let _ = desk.apply(entry.clone(), *at);
            }
            prop_assert_eq!(&*desk, &reference);
        }
        // And the rules hold on the common desk (rule 1 and 2 from first principles).
        for topic in TOPICS {
            let truth = reference.topics.get(&topic).is_some_and(|t| t.live_chat)
                && COUNSELORS.iter().any(|c| reference.counselors[c].available()
                    && reference.counselors[c].topics.contains(&topic));
            prop_assert_eq!(reference.gate_open(topic), truth);
        }
    }
}

#[test]
fn places_in_a_long_queue_are_right_from_either_end() {
    let mut desk = desk_with(DeskConfig {
        max_waiting_per_topic: 100,
        ..DeskConfig::default()
    });
    available(&mut desk, BERND, 1);
    for n in 1..=9 {
        enter(&mut desk, n, SUCHT, t(n as i64));
    }
    for n in 1..=9u128 {
        assert_eq!(desk.position(rid(n)), Some(n as usize), "request {n}");
    }
    for from in 1..=10 {
        let places: Vec<usize> = desk.queue_from(SUCHT, from).map(|(p, _)| p).collect();
        assert_eq!(places, (from..=9).collect::<Vec<_>>(), "from {from}");
        let ids: Vec<RequestId> = desk.queue_from(SUCHT, from).map(|(_, r)| r.id).collect();
        assert_eq!(ids, (from..=9).map(|n| rid(n as u128)).collect::<Vec<_>>());
    }
    desk.apply(Command::Leave { request: rid(4) }, t(20))
        .unwrap();
    assert_eq!(desk.position(rid(9)), Some(8));
    assert_eq!(desk.position(rid(3)), Some(3));
    assert_eq!(desk.position(rid(5)), Some(4));
}

fn reason(text: &str) -> crate::text::OperatorReason {
    crate::text::OperatorReason::parse(text).unwrap()
}

#[test]
fn an_operator_switching_a_counselor_off_closes_their_gates_and_tells_them_why() {
    let mut desk = desk();
    available(&mut desk, ANNA, 1);
    assert!(desk.gate_open(SCHWANGER));
    let events = desk
        .apply(
            Command::SwitchOffByOperator {
                counselor: ANNA,
                reason: reason("Schicht vorbei"),
            },
            t(5),
        )
        .unwrap();
    assert!(events.contains(&Event::AvailabilitySwitched {
        counselor: ANNA,
        on: false,
        reason: SwitchReason::Operator,
    }));
    assert!(events.contains(&Event::SwitchedOffByOperator {
        counselor: ANNA,
        reason: "Schicht vorbei".into(),
    }));
    assert!(events.contains(&Event::GateClosed {
        topic: SCHWANGER,
        grace_until: None
    }));
    assert!(!desk.is_switched_on(ANNA));
    assert!(!desk.gate_open(SCHWANGER));
}

#[test]
fn an_operator_switching_off_a_counselor_who_is_off_still_tells_them_why() {
    let mut desk = desk();
    let events = desk
        .apply(
            Command::SwitchOffByOperator {
                counselor: BERND,
                reason: reason("Bitte abmelden"),
            },
            t(1),
        )
        .unwrap();
    assert_eq!(
        events,
        vec![Event::SwitchedOffByOperator {
            counselor: BERND,
            reason: "Bitte abmelden".into()
        }]
    );
    assert_eq!(
        desk.apply(
            Command::SwitchOffByOperator {
                counselor: CounselorId(99),
                reason: reason("x"),
            },
            t(1),
        ),
        Err(DeskError::UnknownCounselor)
    );
}

#[test]
fn a_topic_with_a_waiting_request_or_a_running_chat_cannot_be_removed() {
    let mut desk = desk();
    available(&mut desk, BERND, 1);
    enter(&mut desk, 1, SUCHT, t(1));
    assert_eq!(desk.oldest_waiting(SUCHT).map(|r| r.id), Some(rid(1)));
    assert_eq!(
        desk.apply(Command::RemoveTopic { topic: SUCHT }, t(2)),
        Err(DeskError::TopicInUse)
    );
    desk.apply(
        Command::Accept {
            request: rid(1),
            counselor: BERND,
        },
        t(3),
    )
    .unwrap();
    assert_eq!(desk.conversations_in(SUCHT), 1);
    assert_eq!(desk.oldest_waiting(SUCHT), None);
    assert_eq!(
        desk.apply(Command::RemoveTopic { topic: SUCHT }, t(4)),
        Err(DeskError::TopicInUse)
    );
    desk.apply(
        Command::EndConversation {
            conversation: rid(1),
            by: Party::Asker,
        },
        t(5),
    )
    .unwrap();
    let events = desk
        .apply(Command::RemoveTopic { topic: SUCHT }, t(6))
        .unwrap();
    assert_eq!(
        events.first(),
        Some(&Event::GateClosed {
            topic: SUCHT,
            grace_until: None
        })
    );
    assert!(events.contains(&Event::TopicRemoved { topic: SUCHT }));
    assert!(events.contains(&Event::CounselorChanged { counselor: ANNA }));
    assert!(!desk.gate_open(SUCHT));
    assert_eq!(desk.topics_of(BERND).count(), 0);
    assert_eq!(
        desk.apply(
            Command::Enter {
                request: rid(2),
                topic: SUCHT,
                pseudonym: "Wolke".into(),
                asker_key: String::new()
            },
            t(7)
        ),
        Err(DeskError::UnknownTopic)
    );
    assert_eq!(
        desk.apply(Command::RemoveTopic { topic: SUCHT }, t(8)),
        Err(DeskError::UnknownTopic)
    );
}
