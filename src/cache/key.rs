//! The key a session has in a cache, as Django's cache layer builds it, and the exact
//! rule that tells this site's sessions from every other entry of the same cache.
//!
//! Django stores `KEY_FUNCTION(key, KEY_PREFIX, VERSION)`, by default
//! `"%s:%s:%s" % (KEY_PREFIX, VERSION, key)`, where `key` is
//! `"django.contrib.sessions.cache" + session_key` (or `…cached_db`). Invariants:
//! - an entry is a session of this site only if its key is exactly that string with a
//!   32-character `[a-z0-9]` session key (Django never writes another one): look-alikes,
//!   other prefixes and versions, and `cached_db` keys under a `cache` rule (the two
//!   prefixes share their start) are not;
//! - prefix and version are plain text, so every character of them is matched literally:
//!   a Redis pattern escapes `\ * ? [ ]`.

use anyhow::Result;

use crate::exit::{coded, ExitCode};

/// Length of every session key Django generates.
pub const SESSION_KEY_LEN: usize = 32;

/// Which session engine's keys: they differ in the prefix Django puts before the
/// session key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionEngine {
    /// `django.contrib.sessions.backends.cache`.
    Cache,
    /// `django.contrib.sessions.backends.cached_db`.
    CachedDb,
}

impl SessionEngine {
    /// `cache_key_prefix` of the engine's `SessionStore`.
    pub fn key_prefix(self) -> &'static str {
        match self {
            SessionEngine::Cache => "django.contrib.sessions.cache",
            SessionEngine::CachedDb => "django.contrib.sessions.cached_db",
        }
    }
}

/// The default `KEY_FUNCTION` as a template.
pub const DEFAULT_TEMPLATE: &str = "{prefix}:{version}:{key}";

/// How one site's session keys look in its cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRule {
    engine: SessionEngine,
    /// Everything before the session key: template text, prefix, version, engine prefix.
    head: String,
    /// Everything after it (empty with Django's default key function).
    tail: String,
}

impl KeyRule {
    /// The rule for `KEY_PREFIX` = `prefix`, `VERSION` = `version` and a key function
    /// given as a template with `{prefix}`, `{version}` and `{key}` (once), e.g.
    /// [`DEFAULT_TEMPLATE`].
    pub fn new(
        engine: SessionEngine,
        prefix: &str,
        version: &str,
        template: &str,
    ) -> Result<KeyRule> {
        let parts: Vec<&str> = template.split("{key}").collect();
        let [before, after] = parts[..] else {
            return Err(coded(
                ExitCode::Usage,
                format!(
                    "--cache-key-template `{}` must hold {{key}} exactly once (Django's default is {DEFAULT_TEMPLATE})",
                    template.escape_debug()
                ),
            ));
        };
        let fill = |text: &str| fill_template(text, prefix, version);
        Ok(KeyRule {
            engine,
            head: fill(before) + engine.key_prefix(),
            tail: fill(after),
        })
    }

    pub fn engine(&self) -> SessionEngine {
        self.engine
    }

    /// What every session key of this rule starts with (a backend's prefilter; the
    /// exact test is [`session_key`](KeyRule::session_key)).
    pub fn head(&self) -> &str {
        &self.head
    }

    /// The full cache key of a session.
    pub fn full_key(&self, session_key: &str) -> String {
        let mut key = String::with_capacity(self.head.len() + session_key.len() + self.tail.len());
        key.push_str(&self.head);
        key.push_str(session_key);
        key.push_str(&self.tail);
        key
    }

    /// The session key inside `full_key`, when `full_key` is exactly a session key of
    /// this rule.
    pub fn session_key<'k>(&self, full_key: &'k str) -> Option<&'k str> {
        let inner = full_key
            .strip_prefix(self.head.as_str())?
            .strip_suffix(self.tail.as_str())?;
        is_session_key(inner).then_some(inner)
    }

    /// A Redis `MATCH` pattern that matches exactly the keys [`session_key`] accepts.
    ///
    /// [`session_key`]: KeyRule::session_key
    pub fn redis_pattern(&self) -> String {
        let mut pattern = redis_glob_escape(&self.head);
        for _ in 0..SESSION_KEY_LEN {
            pattern.push_str("[a-z0-9]");
        }
        pattern.push_str(&redis_glob_escape(&self.tail));
        pattern
    }

    /// How the rule reads, for messages: the full key with `<session key>` in it.
    pub fn describe(&self) -> String {
        format!("{}<session key>{}", self.head, self.tail)
    }
}

/// `text` with `{prefix}` and `{version}` replaced in one pass, so that a prefix that
/// itself holds a placeholder stays literal text.
fn fill_template(text: &str, prefix: &str, version: &str) -> String {
    let mut out = String::with_capacity(text.len() + prefix.len() + version.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        if let Some(tail) = after.strip_prefix("{prefix}") {
            out.push_str(prefix);
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("{version}") {
            out.push_str(version);
            rest = tail;
        } else {
            out.push('{');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Whether `key` is a session key Django could have written: 32 × `[a-z0-9]`.
pub fn is_session_key(key: &str) -> bool {
    key.len() == SESSION_KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// `text` as a literal inside a Redis glob pattern: a backslash before each of
/// `\ * ? [ ]` (checked on Redis 7; django-redis's own escaping forgets `\`).
pub fn redis_glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '?' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "8dru07xr1rqlesfi5f6hlggyc631hzx8";

    fn rule(engine: SessionEngine, prefix: &str, version: &str) -> KeyRule {
        KeyRule::new(engine, prefix, version, DEFAULT_TEMPLATE).unwrap()
    }

    #[test]
    fn django_default_key_layout() {
        let cache = rule(SessionEngine::Cache, "", "1");
        assert_eq!(
            cache.full_key(KEY),
            format!(":1:django.contrib.sessions.cache{KEY}")
        );
        let cached_db = rule(SessionEngine::CachedDb, "site1", "3");
        assert_eq!(
            cached_db.full_key(KEY),
            format!("site1:3:django.contrib.sessions.cached_db{KEY}")
        );
    }

    #[test]
    fn only_exact_session_keys_match() {
        let cache = rule(SessionEngine::Cache, "site1", "3");
        let ok = format!("site1:3:django.contrib.sessions.cache{KEY}");
        assert_eq!(cache.session_key(&ok), Some(KEY));
        for other in [
            format!("site1:3:django.contrib.sessions.cached_db{KEY}"),
            "site1:3:django.contrib.sessions.cacheabc".to_owned(),
            format!("site1:2:django.contrib.sessions.cache{KEY}"),
            format!("site1-other:3:django.contrib.sessions.cache{KEY}"),
            format!(
                "site1:3:django.contrib.sessions.cache{}",
                KEY.to_uppercase()
            ),
            format!("site1:3:django.contrib.sessions.cache{KEY}x"),
            format!("xsite1:3:django.contrib.sessions.cache{KEY}"),
            "site1:3:hits".to_owned(),
        ] {
            assert_eq!(cache.session_key(&other), None, "{other}");
        }
    }

    #[test]
    fn glob_characters_are_escaped() {
        assert_eq!(redis_glob_escape(r"s*t[e]?\b"), r"s\*t\[e\]\?\\b");
        let shop = rule(SessionEngine::Cache, "shop:[1]", "1");
        let pattern = shop.redis_pattern();
        assert!(pattern.starts_with(r"shop:\[1\]:1:django.contrib.sessions.cache[a-z0-9]"));
        assert_eq!(pattern.matches("[a-z0-9]").count(), SESSION_KEY_LEN);
    }

    #[test]
    fn templates_replace_the_key_function() {
        let custom =
            KeyRule::new(SessionEngine::Cache, "p", "7", "{prefix}|v{version}|{key}").unwrap();
        assert_eq!(
            custom.full_key(KEY),
            format!("p|v7|django.contrib.sessions.cache{KEY}")
        );
        let suffixed = KeyRule::new(SessionEngine::Cache, "p", "7", "{key}@{prefix}").unwrap();
        let full = suffixed.full_key(KEY);
        assert_eq!(full, format!("django.contrib.sessions.cache{KEY}@p"));
        assert_eq!(suffixed.session_key(&full), Some(KEY));
        assert!(suffixed.redis_pattern().ends_with("[a-z0-9]@p"));
        for bad in ["{prefix}:{version}", "{key}{key}"] {
            assert!(
                KeyRule::new(SessionEngine::Cache, "p", "1", bad).is_err(),
                "{bad}"
            );
        }
        // A prefix that holds a placeholder stays literal.
        let odd = rule(SessionEngine::Cache, "{key}{version}", "1");
        assert_eq!(
            odd.full_key(KEY),
            format!("{{key}}{{version}}:1:django.contrib.sessions.cache{KEY}")
        );
    }
}
