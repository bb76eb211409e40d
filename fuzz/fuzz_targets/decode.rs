//! Any byte string given to the decoder, as session data and as a cookie, with and
//! without keys: it must return (never panic, never allocate without bound).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sessctl::codec::{Codec, DEFAULT_SALT};

fn codecs() -> &'static [Codec; 2] {
    static CODECS: OnceLock<[Codec; 2]> = OnceLock::new();
    CODECS.get_or_init(|| {
        [
            Codec::new(DEFAULT_SALT, Vec::new()),
            Codec::new(
                DEFAULT_SALT,
                vec![
                    "sessctl-sample-secret-key-not-for-production".to_owned(),
                    "previous-secret-key-for-fallback-tests".to_owned(),
                ],
            ),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for codec in codecs() {
        let decoded = codec.decode(text);
        let _ = decoded.user_id();
        let _ = decoded.session_expiry();
        let _ = codec.decode_cookie(text);
    }
});
