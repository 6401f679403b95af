//! Texts people write, as parsed types: a value of [`MessageText`] or [`AbsenceText`] is
//! always within its limits and never "empty in disguise" ("parse, don't validate").
//!
//! A text counts as empty when nothing of it would be visible: whitespace, control
//! characters, format characters (zero-width space, BOM, bidi overrides, joiners) and the
//! blank "filler" letters. Control characters other than line breaks and tabs are removed
//! (they have no business in a chat and PostgreSQL cannot store NUL); everything else is kept
//! as written.
//!
//! The operator's inputs live here too, so the CLI, the REST handlers and the console get
//! the same refusals with the same stable codes ([`InputError::code`]): [`Slug`], [`Name`],
//! [`Login`], [`Password`] and [`OperatorReason`] (why an operator switched a counselor off).

use serde::{Deserialize, Serialize};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Longest chat message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// Longest absence message, in characters.
pub const MAX_ABSENCE_CHARS: usize = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the text is empty")]
    Empty,
    #[error("the text may have at most {max} characters")]
    TooLong { max: usize },
}

/// Shortest and longest topic slug, in characters.
pub const SLUG_CHARS: std::ops::RangeInclusive<usize> = 2..=64;
/// Longest topic or counselor name, in characters (after trimming).
pub const MAX_NAME_CHARS: usize = 100;
/// Longest login name, in characters.
pub const MAX_LOGIN_CHARS: usize = 64;
/// Shortest and longest password, in characters.
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=256;
/// Longest reason an operator gives for switching a counselor off.
pub const MAX_REASON_CHARS: usize = 300;

/// Which input a refusal is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Slug,
    Name,
    Login,
    Password,
    Reason,
    Seats,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Slug => "slug",
            Field::Name => "name",
            Field::Login => "login",
            Field::Password => "password",
            Field::Reason => "reason",
            Field::Seats => "seats",
        }
    }
}

/// What is wrong with one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("is empty")]
    Empty,
    #[error("needs at least {min} characters")]
    TooShort { min: usize },
    #[error("may have at most {max} characters")]
    TooLong { max: usize },
    #[error("has a character that is not allowed")]
    InvalidCharacter,
    #[error("must be a whole number from {min} to {max}")]
    OutOfRange { min: u32, max: u32 },
}

/// A refused operator input: the field and the problem. Its [`code`](Self::code) is stable
/// (`slug_invalid`, `name_empty`, `login_too_long`, …) and is what clients translate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the {} {}", field.as_str(), problem)]
pub struct InputError {
    pub field: Field,
    pub problem: Problem,
}

impl InputError {
    fn new(field: Field, problem: Problem) -> Self {
        Self { field, problem }
    }

    /// The stable code: `<field>_<empty|too_short|too_long|invalid>`.
    pub fn code(&self) -> &'static str {
        use Field::*;
        use Problem::*;
        match (self.field, self.problem) {
            (Slug, InvalidCharacter) => "slug_invalid",
            (Slug, Empty | TooShort { .. }) => "slug_too_short",
            (Slug, TooLong { .. }) => "slug_too_long",
            (Name, Empty | TooShort { .. }) => "name_empty",
            (Name, TooLong { .. }) => "name_too_long",
            (Name, InvalidCharacter) => "name_invalid",
            (Login, Empty | TooShort { .. }) => "login_empty",
            (Login, TooLong { .. }) => "login_too_long",
            (Login, InvalidCharacter) => "login_invalid",
            (Password, Empty | TooShort { .. }) => "password_too_short",
            (Password, TooLong { .. }) => "password_too_long",
            (Password, InvalidCharacter) => "password_invalid",
            (Reason, Empty | TooShort { .. }) => "reason_empty",
            (Reason, TooLong { .. }) => "reason_too_long",
            (Reason, InvalidCharacter) => "reason_invalid",
            (Seats, _) => "seats_invalid",
            (_, OutOfRange { .. }) => "invalid_field",
        }
    }
}

/// Whether a character shows nothing on its own.
fn invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c.general_category(),
            GeneralCategory::Control
                | GeneralCategory::Format
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
                | GeneralCategory::SpaceSeparator
                | GeneralCategory::Surrogate
        )
        // Letters and symbols that render blank.
        || matches!(c, '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{2800}' | '\u{180E}')
        // Variation selectors and combining marks alone decorate nothing.
        || matches!(c.general_category(), GeneralCategory::NonspacingMark | GeneralCategory::EnclosingMark)
}

/// Remove control characters except line feed and tab; a carriage return before a line feed
/// goes too, a lone one becomes a line feed.
fn without_controls(raw: &str) -> String {
    let mut text = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => text.push(c),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    text.push('\n');
                }
            }
            c if c.general_category() == GeneralCategory::Control => {}
            c => text.push(c),
        }
    }
    text
}

fn parse(raw: &str, max: usize) -> Result<String, TextError> {
    let text = without_controls(raw);
    if text.chars().all(invisible) {
        return Err(TextError::Empty);
    }
    if text.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(text)
}

/// The text of a chat message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageText(String);

impl MessageText {
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        parse(raw, MAX_MESSAGE_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// The message of a counselor's absence ("Meine Abwesenheit"), trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbsenceText(String);

impl AbsenceText {
    /// `None` for a text with nothing visible in it (no message), else the trimmed text.
    pub fn parse(raw: &str) -> Result<Option<Self>, TextError> {
        match parse(raw.trim(), MAX_ABSENCE_CHARS) {
            Ok(text) => Ok(Some(Self(text))),
            Err(TextError::Empty) => Ok(None),
            Err(other) => Err(other),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A visible, trimmed one-line text of at most `max` characters: control characters and
/// line breaks are refused (a name is shown in one line), nothing invisible-only passes.
fn one_line(raw: &str, field: Field, max: usize) -> Result<String, InputError> {
    let text = raw.trim();
    if text.chars().any(|c| c.is_control()) {
        return Err(InputError::new(field, Problem::InvalidCharacter));
    }
    if text.chars().all(invisible) {
        return Err(InputError::new(field, Problem::Empty));
    }
    if text.chars().count() > max {
        return Err(InputError::new(field, Problem::TooLong { max }));
    }
    Ok(text.to_owned())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

text_type!(
    /// The short name of a topic in addresses (`suchtberatung`): lowercase ASCII letters,
    /// digits and hyphens, 2–64 characters.
    Slug
);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        if !raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(InputError::new(Field::Slug, Problem::InvalidCharacter));
        }
        let len = raw.len();
        if len < *SLUG_CHARS.start() {
            return Err(InputError::new(
                Field::Slug,
                Problem::TooShort {
                    min: *SLUG_CHARS.start(),
                },
            ));
        }
        if len > *SLUG_CHARS.end() {
            return Err(InputError::new(
                Field::Slug,
                Problem::TooLong {
                    max: *SLUG_CHARS.end(),
                },
            ));
        }
        Ok(Self(raw.to_owned()))
    }
}

text_type!(
    /// The name of a topic or the display name of a counselor: 1–100 visible characters
    /// after trimming, one line.
    Name
);

impl Name {
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        one_line(raw, Field::Name, MAX_NAME_CHARS).map(Self)
    }
}

text_type!(
    /// A counselor's login name: 1–64 characters, trimmed, no spaces or invisible
    /// characters inside (what is typed at the login must be what was given out).
    Login
);

impl Login {
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(InputError::new(Field::Login, Problem::Empty));
        }
        if text.chars().count() > MAX_LOGIN_CHARS {
            return Err(InputError::new(
                Field::Login,
                Problem::TooLong {
                    max: MAX_LOGIN_CHARS,
                },
            ));
        }
        if text.chars().any(invisible) {
            return Err(InputError::new(Field::Login, Problem::InvalidCharacter));
        }
        Ok(Self(text.to_owned()))
    }
}

/// A new password: 8–256 characters, taken as typed (not trimmed). Never shown or logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

impl Password {
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let count = raw.chars().count();
        if count < *PASSWORD_CHARS.start() {
            return Err(InputError::new(
                Field::Password,
                Problem::TooShort {
                    min: *PASSWORD_CHARS.start(),
                },
            ));
        }
        if count > *PASSWORD_CHARS.end() {
            return Err(InputError::new(
                Field::Password,
                Problem::TooLong {
                    max: *PASSWORD_CHARS.end(),
                },
            ));
        }
        if raw.chars().any(|c| c.is_control()) {
            return Err(InputError::new(Field::Password, Problem::InvalidCharacter));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_type!(
    /// Why an operator switched a counselor's availability off, shown to the counselor
    /// ("Von der Administration ausgeschaltet: …"): 1–300 visible characters, one line.
    OperatorReason
);

impl OperatorReason {
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        one_line(raw, Field::Reason, MAX_REASON_CHARS).map(Self)
    }
}

/// The most seats (running chats) a limit may give: more than anyone can hold at once.
pub const MAX_SEATS: u32 = 1000;

/// A seat limit of a topic or a counselor: at most this many running live chats, 1 to
/// [`MAX_SEATS`]; `None` is unlimited. A limit of 0 would close the chat without closing
/// the gate, so it is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeatLimit(Option<u32>);

fn seats_out_of_range() -> InputError {
    InputError::new(
        Field::Seats,
        Problem::OutOfRange {
            min: 1,
            max: MAX_SEATS,
        },
    )
}

impl SeatLimit {
    pub fn parse(limit: Option<u32>) -> Result<Self, InputError> {
        match limit {
            Some(n) if !(1..=MAX_SEATS).contains(&n) => Err(seats_out_of_range()),
            other => Ok(Self(other)),
        }
    }

    /// As the command line takes it: a whole number, or `unlimited` (also `unbegrenzt`).
    pub fn parse_text(raw: &str) -> Result<Self, InputError> {
        let text = raw.trim();
        if text.eq_ignore_ascii_case("unlimited") || text.eq_ignore_ascii_case("unbegrenzt") {
            return Ok(Self(None));
        }
        let n = text.parse::<u32>().map_err(|_| seats_out_of_range())?;
        Self::parse(Some(n))
    }

    pub fn get(self) -> Option<u32> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seat_limit_is_one_to_a_thousand_or_unlimited() {
        assert_eq!(SeatLimit::parse(None).map(SeatLimit::get), Ok(None));
        assert_eq!(SeatLimit::parse(Some(1)).map(SeatLimit::get), Ok(Some(1)));
        assert_eq!(
            SeatLimit::parse(Some(1000)).map(SeatLimit::get),
            Ok(Some(1000))
        );
        for refused in [Some(0), Some(1001), Some(u32::MAX)] {
            assert_eq!(
                SeatLimit::parse(refused).map_err(|e| e.code()),
                Err("seats_invalid"),
                "{refused:?}"
            );
        }
        assert_eq!(
            SeatLimit::parse_text(" 3 ").map(SeatLimit::get),
            Ok(Some(3))
        );
        assert_eq!(
            SeatLimit::parse_text("Unlimited").map(SeatLimit::get),
            Ok(None)
        );
        for refused in ["", "0", "-1", "drei", "2.5", "1001"] {
            assert_eq!(
                SeatLimit::parse_text(refused).map_err(|e| e.code()),
                Err("seats_invalid"),
                "{refused:?}"
            );
        }
    }

    #[test]
    fn a_message_of_only_invisible_characters_is_empty() {
        for raw in [
            "",
            "   \n\t ",
            "\0",
            "\u{200B}",
            "\u{FEFF}",
            "\u{202E}\u{202D}",
            "\u{2066}\u{2069}",
            "\u{200C}\u{200D}\u{2060}",
            " \u{00A0}\u{3000}",
            "\u{3164}\u{115F}",
            "\u{2800}",
            "\u{0301}\u{FE0F}",
            "\r\n\r",
        ] {
            assert_eq!(MessageText::parse(raw), Err(TextError::Empty), "{raw:?}");
        }
    }

    #[test]
    fn a_visible_message_is_kept_as_written_without_its_control_characters() {
        assert_eq!(
            MessageText::parse("Hallo\0 du\r\nzweite Zeile\x07")
                .unwrap()
                .as_str(),
            "Hallo du\nzweite Zeile"
        );
        assert_eq!(MessageText::parse("  ja  ").unwrap().as_str(), "  ja  ");
        assert_eq!(MessageText::parse("👍").unwrap().as_str(), "👍");
        assert_eq!(
            MessageText::parse("\u{200B}x").unwrap().as_str(),
            "\u{200B}x"
        );
        assert_eq!(MessageText::parse("é").unwrap().as_str(), "é");
        // Private-use and unassigned characters show as a symbol or a box: visible.
        assert!(MessageText::parse("\u{E000}").is_ok());
        assert!(MessageText::parse("\u{DC901}").is_ok());
    }

    #[test]
    fn a_message_over_the_limit_is_refused_counting_characters_not_bytes() {
        assert!(MessageText::parse(&"ü".repeat(MAX_MESSAGE_CHARS)).is_ok());
        assert_eq!(
            MessageText::parse(&"ü".repeat(MAX_MESSAGE_CHARS + 1)),
            Err(TextError::TooLong {
                max: MAX_MESSAGE_CHARS
            })
        );
    }

    #[test]
    fn an_absence_message_is_trimmed_and_an_invisible_one_is_no_message() {
        assert_eq!(
            AbsenceText::parse("  Im Urlaub bis Montag \n")
                .unwrap()
                .unwrap()
                .as_str(),
            "Im Urlaub bis Montag"
        );
        assert_eq!(AbsenceText::parse("\u{200B} "), Ok(None));
        assert_eq!(
            AbsenceText::parse(&"x".repeat(MAX_ABSENCE_CHARS + 1)),
            Err(TextError::TooLong {
                max: MAX_ABSENCE_CHARS
            })
        );
    }

    #[test]
    fn a_slug_is_lowercase_ascii_digits_and_hyphens_of_2_to_64_characters() {
        for ok in ["go-on-start-up", "ab", "sucht2", &"a".repeat(64)] {
            assert_eq!(Slug::parse(ok).unwrap().as_str(), ok);
        }
        for (raw, code) in [
            ("ümlaut slug/?", "slug_invalid"),
            ("Sucht", "slug_invalid"),
            (" sucht", "slug_invalid"),
            ("a b", "slug_invalid"),
            ("", "slug_too_short"),
            ("a", "slug_too_short"),
            (&"a".repeat(65), "slug_too_long"),
        ] {
            assert_eq!(Slug::parse(raw).unwrap_err().code(), code, "{raw:?}");
        }
    }

    #[test]
    fn a_name_is_trimmed_and_has_1_to_100_visible_characters_in_one_line() {
        assert_eq!(
            Name::parse("  Anna Berger ").unwrap().as_str(),
            "Anna Berger"
        );
        assert!(Name::parse(&"ü".repeat(100)).is_ok());
        for (raw, code) in [
            ("", "name_empty"),
            ("   ", "name_empty"),
            ("\u{200B}", "name_empty"),
            (&"ü".repeat(101), "name_too_long"),
            ("Zeile\nzwei", "name_invalid"),
            ("a\0b", "name_invalid"),
        ] {
            assert_eq!(Name::parse(raw).unwrap_err().code(), code, "{raw:?}");
        }
    }

    #[test]
    fn a_login_has_1_to_64_characters_without_spaces_or_invisible_ones() {
        assert_eq!(Login::parse(" anna ").unwrap().as_str(), "anna");
        assert!(Login::parse("b.krüger@beratung").is_ok());
        for (raw, code) in [
            ("", "login_empty"),
            ("  ", "login_empty"),
            (&"x".repeat(5000), "login_too_long"),
            (&"x".repeat(65), "login_too_long"),
            ("an na", "login_invalid"),
            ("an\u{200B}na", "login_invalid"),
        ] {
            assert_eq!(Login::parse(raw).unwrap_err().code(), code, "{raw:?}");
        }
    }

    #[test]
    fn a_password_has_8_to_256_characters_and_is_never_printed() {
        assert!(Password::parse("  8 chars ").is_ok());
        assert_eq!(
            Password::parse("kurz").unwrap_err().code(),
            "password_too_short"
        );
        assert_eq!(
            Password::parse(&"x".repeat(257)).unwrap_err().code(),
            "password_too_long"
        );
        assert_eq!(
            format!("{:?}", Password::parse("geheim-geheim").unwrap()),
            "Password(…)"
        );
    }

    #[test]
    fn an_operator_reason_is_visible_one_line_and_at_most_300_characters() {
        assert_eq!(
            OperatorReason::parse(" Schicht vorbei ").unwrap().as_str(),
            "Schicht vorbei"
        );
        assert_eq!(
            OperatorReason::parse(" \u{3164}").unwrap_err().code(),
            "reason_empty"
        );
        assert_eq!(
            OperatorReason::parse(&"x".repeat(301)).unwrap_err().code(),
            "reason_too_long"
        );
    }
}
