//! Texts people write, as parsed types: a value of [`MessageText`] or [`AbsenceText`] is
//! always within its limits and never "empty in disguise" ("parse, don't validate").
//!
//! A text counts as empty when nothing of it would be visible: whitespace, control
//! characters, format characters (zero-width space, BOM, bidi overrides, joiners) and the
//! blank "filler" letters. Control characters other than line breaks and tabs are removed
//! (they have no business in a chat and PostgreSQL cannot store NUL); everything else is kept
//! as written.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
