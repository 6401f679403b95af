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
        domain::SwitchReason::ShiftEnded => wire::SwitchReason::ShiftEnded,
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

pub fn shift_notice(notice: domain::ShiftNotice) -> wire::ShiftNotice {
    match notice {
        domain::ShiftNotice::Started => wire::ShiftNotice::Started,
        domain::ShiftNotice::EndedSwitchOff => wire::ShiftNotice::Ended,
        domain::ShiftNotice::EndedSwitchedOff => wire::ShiftNotice::SwitchedOff,
    }
}

pub fn estimate(estimate: domain::estimate::WaitEstimate) -> wire::WaitEstimate {
    let (min_minutes, max_minutes) = match estimate {
        domain::estimate::WaitEstimate::Between {
            min_minutes,
            max_minutes,
        } => (min_minutes, Some(max_minutes)),
        domain::estimate::WaitEstimate::MoreThan { minutes } => (minutes, None),
    };
    wire::WaitEstimate {
        min_minutes,
        max_minutes,
        text_de: estimate.german(),
        text_en: estimate.english(),
    }
}

pub fn weekday(day: domain::schedule::Weekday) -> wire::Weekday {
    use domain::schedule::Weekday as D;
    match day {
        D::Monday => wire::Weekday::Monday,
        D::Tuesday => wire::Weekday::Tuesday,
        D::Wednesday => wire::Weekday::Wednesday,
        D::Thursday => wire::Weekday::Thursday,
        D::Friday => wire::Weekday::Friday,
        D::Saturday => wire::Weekday::Saturday,
        D::Sunday => wire::Weekday::Sunday,
    }
}

pub fn weekday_from(day: wire::Weekday) -> domain::schedule::Weekday {
    use domain::schedule::Weekday as D;
    match day {
        wire::Weekday::Monday => D::Monday,
        wire::Weekday::Tuesday => D::Tuesday,
        wire::Weekday::Wednesday => D::Wednesday,
        wire::Weekday::Thursday => D::Thursday,
        wire::Weekday::Friday => D::Friday,
        wire::Weekday::Saturday => D::Saturday,
        wire::Weekday::Sunday => D::Sunday,
    }
}
