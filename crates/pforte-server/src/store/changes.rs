//! What the desk's events mean for the stored rows, as typed changes: one pure mapping, above
//! every backend, so SQLite and PostgreSQL execute the same changes.

use pforte_domain::{CounselorId, EndReason, Event, RequestId, Timestamp, TopicId};
use pforte_wire::Sender;

use super::{party_sender, KeyRecord, NewChat};

/// A kind of counselor activity counted in "Meine Statistik".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activity {
    Accepted,
    Ended,
}

impl Activity {
    pub fn as_str(self) -> &'static str {
        match self {
            Activity::Accepted => "accepted",
            Activity::Ended => "ended",
        }
    }
}

/// One change to the stored rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    SwitchedOn {
        counselor: CounselorId,
        on: bool,
    },
    Absent {
        counselor: CounselorId,
        absent: bool,
    },
    /// A period of availability began ("Meine Statistik": time available).
    AvailabilityStarted {
        counselor: CounselorId,
        at: Timestamp,
    },
    AvailabilityEnded {
        counselor: CounselorId,
        at: Timestamp,
    },
    ChatOpened {
        request: RequestId,
        topic: TopicId,
        token_hash: String,
        pseudonym: String,
        asker_key: String,
        entered_at: Timestamp,
    },
    RequestEnded {
        request: RequestId,
        reason: EndReason,
        at: Timestamp,
    },
    RequestAccepted {
        request: RequestId,
        counselor: CounselorId,
        at: Timestamp,
    },
    /// A chat's content key wrapped for its readers (given with the accept).
    KeyCopies {
        chat: RequestId,
        counselor: CounselorId,
        keys: Vec<KeyRecord>,
    },
    ConversationEnded {
        conversation: RequestId,
        by: Sender,
        at: Timestamp,
    },
    Counted {
        counselor: CounselorId,
        activity: Activity,
        at: Timestamp,
    },
    /// "Meine Chatzeiten": the covered slots per topic and the automatic switch-off.
    Shifts {
        counselor: CounselorId,
        covered: std::collections::BTreeMap<TopicId, pforte_domain::shifts::CoveredSlots>,
        auto_switch_off: bool,
    },
    /// An operator removed the topic: its row and its ended chats go.
    TopicDeleted {
        topic: TopicId,
    },
}

/// What is missing to store an event (a new request's token hash).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a new request needs its token hash and pseudonym to be stored")]
pub struct MissingNewChat;

/// The changes the events of one decision at `at` mean, in order.
pub fn changes(
    events: &[Event],
    new_chat: Option<&NewChat>,
    at: Timestamp,
) -> Result<Vec<Change>, MissingNewChat> {
    let mut changes = Vec::new();
    for event in events {
        match event {
            Event::AvailabilitySwitched { counselor, on, .. } => {
                changes.push(Change::SwitchedOn {
                    counselor: *counselor,
                    on: *on,
                });
            }
            Event::AbsenceChanged { counselor, absent } => changes.push(Change::Absent {
                counselor: *counselor,
                absent: *absent,
            }),
            Event::CounselorAvailabilityChanged {
                counselor,
                available,
            } => changes.push(if *available {
                Change::AvailabilityStarted {
                    counselor: *counselor,
                    at,
                }
            } else {
                Change::AvailabilityEnded {
                    counselor: *counselor,
                    at,
                }
            }),
            Event::RequestCreated {
                request,
                topic,
                entered_at,
            } => {
                let new_chat = new_chat.ok_or(MissingNewChat)?;
                changes.push(Change::ChatOpened {
                    request: *request,
                    topic: *topic,
                    token_hash: new_chat.token_hash.clone(),
                    pseudonym: new_chat.pseudonym.clone(),
                    asker_key: new_chat.asker_key.clone(),
                    entered_at: *entered_at,
                });
            }
            Event::RequestEnded {
                request, reason, ..
            } => changes.push(Change::RequestEnded {
                request: *request,
                reason: *reason,
                at,
            }),
            Event::RequestAccepted {
                request, counselor, ..
            } => {
                changes.push(Change::RequestAccepted {
                    request: *request,
                    counselor: *counselor,
                    at,
                });
                changes.push(Change::Counted {
                    counselor: *counselor,
                    activity: Activity::Accepted,
                    at,
                });
            }
            Event::ConversationEnded {
                conversation,
                counselor,
                by,
                ..
            } => {
                changes.push(Change::ConversationEnded {
                    conversation: *conversation,
                    by: party_sender(*by),
                    at,
                });
                changes.push(Change::Counted {
                    counselor: *counselor,
                    activity: Activity::Ended,
                    at,
                });
            }
            Event::ShiftsChanged {
                counselor,
                covered,
                auto_switch_off,
            } => changes.push(Change::Shifts {
                counselor: *counselor,
                covered: covered.clone(),
                auto_switch_off: *auto_switch_off,
            }),
            Event::TopicRemoved { topic } => changes.push(Change::TopicDeleted { topic: *topic }),
            // Operators change hours and seats in their own transaction (the rows and the
            // log entry together); the desk's events of them change no rows.
            Event::ScheduleChanged { .. }
            | Event::SeatsChanged { .. }
            | Event::ShiftReminder { .. }
            | Event::ShiftsDecided { .. }
            | Event::TopicChanged { .. }
            | Event::CounselorChanged { .. }
            | Event::SwitchedOffByOperator { .. }
            | Event::CounselorPresenceChanged { .. }
            | Event::CoverageChanged { .. }
            | Event::GateOpened { .. }
            | Event::GateClosed { .. }
            | Event::QueueChanged { .. }
            | Event::AskerPresenceChanged { .. }
            | Event::GraceEnded { .. }
            | Event::InstanceGone { .. } => {}
        }
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pforte_domain::{Party, SwitchReason};
    use uuid::Uuid;

    const AT: Timestamp = Timestamp::from_millis(1_000);

    #[test]
    fn an_accepted_request_becomes_a_conversation_and_counts_for_the_counselor() {
        let request = RequestId(Uuid::nil());
        let changes = changes(
            &[Event::RequestAccepted {
                request,
                topic: TopicId(1),
                counselor: CounselorId(7),
            }],
            None,
            AT,
        )
        .unwrap();
        assert_eq!(
            changes,
            vec![
                Change::RequestAccepted {
                    request,
                    counselor: CounselorId(7),
                    at: AT
                },
                Change::Counted {
                    counselor: CounselorId(7),
                    activity: Activity::Accepted,
                    at: AT
                },
            ]
        );
    }

    #[test]
    fn a_new_request_without_its_token_hash_cannot_be_stored() {
        let created = Event::RequestCreated {
            request: RequestId(Uuid::nil()),
            topic: TopicId(1),
            entered_at: AT,
        };
        assert_eq!(changes(&[created], None, AT), Err(MissingNewChat));
    }

    #[test]
    fn what_only_the_live_desk_knows_changes_no_row() {
        let changes = changes(
            &[
                Event::GateOpened { topic: TopicId(1) },
                Event::CoverageChanged {
                    topic: TopicId(1),
                    available_counselors: 1,
                },
                Event::CounselorPresenceChanged {
                    counselor: CounselorId(1),
                    online: true,
                },
            ],
            None,
            AT,
        )
        .unwrap();
        assert!(changes.is_empty());
    }

    #[test]
    fn switching_and_ending_map_to_their_rows() {
        let changes = changes(
            &[
                Event::AvailabilitySwitched {
                    counselor: CounselorId(1),
                    on: false,
                    reason: SwitchReason::Logout,
                },
                Event::ConversationEnded {
                    conversation: RequestId(Uuid::nil()),
                    topic: TopicId(1),
                    counselor: CounselorId(1),
                    by: Party::Asker,
                },
            ],
            None,
            AT,
        )
        .unwrap();
        assert_eq!(changes.len(), 3);
        assert!(matches!(
            changes[1],
            Change::ConversationEnded {
                by: Sender::Asker,
                ..
            }
        ));
    }
}
