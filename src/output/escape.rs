//! Untrusted text made safe for a terminal.
//!
//! Session contents and keys come from the web: a value holding `ESC [` sequences could
//! rewrite the screen, and bidi controls could make `admin` read as something else.
//! Table output passes every such string through [`for_terminal`]; JSON output is exact
//! (JSON escaping already covers control characters, and JSON consumers want the data).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Characters that must not reach a terminal raw.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061C}' | '\u{200E}' | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200B}'..='\u{200D}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

/// `text` with control, bidi and invisible formatting characters written as `\u{…}`
/// (tab, newline and the like as `\t`, `\n`), borrowed unchanged when it has none.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:04X}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Like [`for_terminal`] but keeps newlines, for multi-line blocks such as pretty JSON.
pub fn block_for_terminal(text: &str) -> String {
    text.split('\n')
        .map(for_terminal)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_bidi_are_neutralised() {
        assert_eq!(for_terminal("plain ü 東京"), "plain ü 東京");
        assert_eq!(for_terminal("\u{1b}[2Jboom"), "\\u{001B}[2Jboom");
        assert_eq!(for_terminal("user\u{202E}nimda"), "user\\u{202E}nimda");
        assert_eq!(for_terminal("a\nb\tc"), "a\\nb\\tc");
        assert_eq!(for_terminal("\u{9b}31m"), "\\u{009B}31m");
    }

    #[test]
    fn blocks_keep_their_lines() {
        assert_eq!(
            block_for_terminal("{\n  \"x\": \"\u{1b}\"\n}"),
            "{\n  \"x\": \"\\u{001B}\"\n}"
        );
    }
}
