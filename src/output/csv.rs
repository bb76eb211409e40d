//! `list --format csv`: RFC 4180 rows (comma-separated, CRLF line ends, fields quoted
//! when they hold a comma, a quote or a line break, quotes doubled), as Python's `csv`
//! module writes them. The columns are the JSON row's.

use std::borrow::Cow;
use std::io::{self, Write};

use super::ListRow;
use crate::zone::rfc3339;

pub fn list_header(users: bool, out: &mut dyn Write) -> io::Result<()> {
    let extra = if users { ",username,auth" } else { "" };
    write!(
        out,
        "session_key,expire_date,expired,size,user_id{extra}\r\n"
    )
}

pub fn list_row(row: &ListRow, users: bool, out: &mut dyn Write) -> io::Result<()> {
    write!(
        out,
        "{},{},{},{},{}",
        field(&row.session_key),
        row.expire_date.map(rfc3339).unwrap_or_default(),
        row.expired,
        row.size,
        row.user_id.as_deref().map(field).unwrap_or_default(),
    )?;
    if users {
        let auth = row.auth.as_ref();
        write!(
            out,
            ",{},{}",
            auth.and_then(|a| a.username.as_deref())
                .map(field)
                .unwrap_or_default(),
            auth.map_or("", |a| a.state.as_str()),
        )?;
    }
    write!(out, "\r\n")
}

/// One field, quoted when it must be. A leading `=`, `+`, `-` or `@` is prefixed with a
/// quote character so that a spreadsheet does not run a user id as a formula.
fn field(text: &str) -> Cow<'_, str> {
    let formula = text.starts_with(['=', '+', '-', '@']);
    if !formula && !text.contains([',', '"', '\n', '\r']) {
        return text.into();
    }
    let inner = if formula {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    format!("\"{}\"", inner.replace('"', "\"\"")).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_as_rfc_4180_says() {
        assert_eq!(field("42"), "42");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("=cmd()"), "\"'=cmd()\"");
    }
}
