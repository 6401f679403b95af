//! The TypeScript declarations of the wire types, for the UI (`ui/src/wire/types.ts`).
//!
//! `cargo run -p pforte-wire --bin pforte-generate-typescript` rewrites the file; a test fails
//! while the committed file differs from what the Rust types say.

/// Where the generated file lives, relative to the repository root.
pub const OUTPUT_PATH: &str = "ui/src/wire/types.ts";

macro_rules! declarations {
    ($($ty:ty),* $(,)?) => {
        vec![$(<$ty as ts_rs::TS>::decl()),*]
    };
}

/// The whole generated file.
pub fn render() -> String {
    use crate::*;
    let declarations = declarations![
        ApiError,
        ErrorCode,
        PublicTopic,
        TimeWindow,
        NextOpening,
        WaitEstimate,
        PublicTopicList,
        TopicRef,
        EnterWaitingRoom,
        EnteredWaitingRoom,
        AskerStatus,
        AskerState,
        RequestEndReason,
        Sender,
        Sealed,
        SendMessage,
        Message,
        MessageList,
        Login,
        LoggedIn,
        Me,
        Availability,
        UnavailableReason,
        LastCover,
        TopicSeats,
        SwitchAvailability,
        OfflineReason,
        GoOffline,
        SwitchReason,
        Weekday,
        ShiftSlot,
        TopicShifts,
        MyShifts,
        SlotRef,
        SetTopicShifts,
        SetMyShifts,
        PlanEntry,
        WeekPlan,
        ShiftNotice,
        SetAbsence,
        LiveChatRequest,
        LiveChatRequestList,
        Device,
        DeviceList,
        AddDevice,
        DeviceKey,
        KeyGrant,
        AcceptRequest,
        NewKey,
        KeyReader,
        ChatKey,
        ChatKeys,
        Conversation,
        ConversationList,
        TopicCoverage,
        CoverageList,
        Statistics,
        Health,
        ClientMessage,
        SessionEndReason,
        AdminTopic,
        AdminTopicList,
        CreateTopic,
        ChangeTopic,
        SetHours,
        SeatLimit,
        AdminCounselor,
        AdminCounselorList,
        CreateCounselor,
        OneTimePassword,
        ChangeCounselor,
        SwitchOff,
        ChangePassword,
        AuditEntry,
        AuditPage,
        TopicOverview,
        Overview,
        ServerEvent,
    ];
    let mut out = String::from(
        "// Generated from the Rust wire types (crates/pforte-wire). Do not edit.\n\
         // Regenerate: cargo run -p pforte-wire --bin pforte-generate-typescript\n\n",
    );
    for declaration in declarations {
        out.push_str("export ");
        out.push_str(declaration.trim());
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_committed_typescript_types_match_the_rust_wire_types() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(OUTPUT_PATH);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == render(),
            "{OUTPUT_PATH} is stale: run `cargo run -p pforte-wire --bin pforte-generate-typescript`"
        );
    }

    #[test]
    fn integers_cross_the_wire_as_numbers_not_bigints() {
        assert!(!render().contains("bigint"));
    }
}
