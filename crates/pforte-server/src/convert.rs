//! Translations between the domain's enums and the wire's (kept apart so the domain crate
//! needs neither serde nor the wire).

use pforte_domain as domain;
use pforte_wire as wire;

pub fn end_reason(reason: domain::EndReason) -> wire::RequestEndReason {
    match reason {
        domain::EndReason::Withdrawn => wire::RequestEndReason::Withdrawn,
        domain::EndReason::AskerGone => wire::RequestEndReason::AskerGone,
        domain::EndReason::NobodyAvailable => wire::RequestEndReason::NobodyAvailable,
        domain::EndReason::WaitedTooLong => wire::RequestEndReason::WaitedTooLong,
        domain::EndReason::TopicClosed => wire::RequestEndReason::TopicClosed,
    }
}

pub fn switch_reason(reason: domain::SwitchReason) -> wire::SwitchReason {
    match reason {
        domain::SwitchReason::Toggle => wire::SwitchReason::Toggle,
        domain::SwitchReason::Logout => wire::SwitchReason::Logout,
        domain::SwitchReason::SessionExpired => wire::SwitchReason::SessionExpired,
        domain::SwitchReason::Absence => wire::SwitchReason::Absence,
        domain::SwitchReason::WindowClosed => wire::SwitchReason::WindowClosed,
        domain::SwitchReason::AppQuit => wire::SwitchReason::AppQuit,
        domain::SwitchReason::ScreenLocked => wire::SwitchReason::ScreenLocked,
        domain::SwitchReason::SystemSleep => wire::SwitchReason::SystemSleep,
        domain::SwitchReason::ConnectionLost => wire::SwitchReason::ConnectionLost,
        domain::SwitchReason::Operator => wire::SwitchReason::Operator,
    }
}

pub fn offline_reason(reason: wire::OfflineReason) -> domain::SwitchReason {
    match reason {
        wire::OfflineReason::WindowClosed => domain::SwitchReason::WindowClosed,
        wire::OfflineReason::AppQuit => domain::SwitchReason::AppQuit,
        wire::OfflineReason::ScreenLocked => domain::SwitchReason::ScreenLocked,
        wire::OfflineReason::SystemSleep => domain::SwitchReason::SystemSleep,
    }
}
