//! Unit tests of the codec internals that need no fixture files: the safe unpickler
//! against CPython-made vectors, hostile pickles, and truncation of every vector.

mod pickle_vectors;

use super::{json, pickle};

fn render(data: &[u8]) -> Result<(String, Vec<String>), String> {
    pickle::loads(data).map(|(m, notes)| (json::dumps(&m), notes))
}

#[test]
fn cpython_vectors_render_like_jsonable() {
    for (expr, proto, data, want) in pickle_vectors::VECTORS {
        match render(data) {
            Ok((got, _)) => assert_eq!(&got, want, "{expr} protocol {proto}"),
            Err(e) => panic!("{expr} protocol {proto}: {e}"),
        }
    }
}

#[test]
fn every_truncation_fails_cleanly() {
    for (expr, proto, data, _) in pickle_vectors::VECTORS {
        if data.len() > 4000 {
            continue;
        }
        for cut in 0..data.len() {
            let r = render(&data[..cut]);
            // Cutting after the last SETITEMS but before STOP is the only way to lose
            // nothing but the STOP itself; every prefix must fail.
            assert!(r.is_err(), "{expr} protocol {proto} cut at {cut}: {r:?}");
        }
    }
}

#[test]
fn globals_are_reported_not_run() {
    let evil5: &[u8] = b"\x80\x05\x95,\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01x\x94\x8c\x05posix\x94\x8c\x06system\x94\x93\x94\x8c\x0aecho pwned\x94\x85\x94R\x94s.";
    assert_eq!(
        render(evil5).unwrap_err(),
        "pickle references posix.system; not executed"
    );
    let evil2: &[u8] = b"\x80\x02}q\x00X\x01\x00\x00\x00xq\x01cposix\x0asystem\x0aq\x02X\x0a\x00\x00\x00echo pwnedq\x03\x85q\x04Rq\x05s.";
    assert_eq!(
        render(evil2).unwrap_err(),
        "pickle references posix.system; not executed"
    );
    let os0: &[u8] = b"\x80\x02cos\nsystem\n(S'echo hi'\ntR.";
    assert_eq!(
        render(os0).unwrap_err(),
        "pickle references os.system; not executed"
    );
    let instance: &[u8] = b"\x80\x04\x95&\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01x\x94\x8c\x08__main__\x94\x8c\x03Foo\x94\x93\x94)\x81\x94}\x94h\x01K\x01sbs.";
    assert_eq!(
        render(instance).unwrap_err(),
        "pickle references __main__.Foo; not executed"
    );
    let decimal: &[u8] = b"\x80\x05\x95(\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01d\x94\x8c\x07decimal\x94\x8c\x07Decimal\x94\x93\x94\x8c\x031.5\x94\x85\x94R\x94s.";
    assert!(render(decimal).unwrap_err().contains("decimal.Decimal"));
    let zoneinfo: &[u8] = b"\x80\x05\x95\x85\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01d\x94\x8c\x08datetime\x94\x8c\x08datetime\x94\x93\x94C\x0a\x07\xe8\x01\x01\x00\x00\x00\x00\x00\x00\x94\x8c\x08builtins\x94\x8c\x07getattr\x94\x93\x94\x8c\x08zoneinfo\x94\x8c\x08ZoneInfo\x94\x93\x94\x8c\x09_unpickle\x94\x86\x94R\x94\x8c\x0cEurope/Paris\x94K\x01\x86\x94R\x94\x86\x94R\x94s.";
    assert!(render(zoneinfo).unwrap_err().contains("builtins.getattr"));
    // pytz EST attached without localize(): pytz pickles its LMT offset (-05:18), as Python shows.
    let est: &[u8] = b"\x80\x05\x95W\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01d\x94\x8c\x08datetime\x94\x8c\x08datetime\x94\x93\x94C\x0a\x07\xe8\x01\x01\x00\x00\x00\x00\x00\x00\x94\x8c\x04pytz\x94\x8c\x02_p\x94\x93\x94(\x8c\x03EST\x94Jx\xb5\xff\xffK\x00\x8c\x03LMT\x94t\x94R\x94\x86\x94R\x94s.";
    assert_eq!(
        render(est).unwrap().0,
        r#"{"d":"2024-01-01T00:00:00-05:18"}"#
    );
    let static_zone: &[u8] = b"\x80\x04cpytz\n_p\n\x8c\x03EST\x85R.";
    assert!(render(static_zone).unwrap_err().contains("tz database"));
}

#[test]
fn structural_limits() {
    // l = []; l.append(l)
    let selfref: &[u8] =
        b"\x80\x05\x95\x0d\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01v\x94]\x94h\x02as.";
    assert!(render(selfref).unwrap_err().contains("self-referencing"));
    let list_top: &[u8] = b"\x80\x05\x95\x09\x00\x00\x00\x00\x00\x00\x00]\x94(K\x01K\x02e.";
    assert!(render(list_top).unwrap_err().contains("not a dict"));
    // Declared lengths beyond the input are refused before allocating.
    for huge in [
        &b"\x80\x05\x8d\xff\xff\xff\xff\xff\xff\xff\x7f"[..],
        b"\x80\x05\x8e\xff\xff\xff\xff\xff\xff\xff\xff",
        b"\x80\x05B\xff\xff\xff\xff",
        b"\x80\x05\x95\xff\xff\xff\xff\xff\xff\xff\xff}.",
    ] {
        assert!(render(huge).unwrap_err().contains("truncated"));
    }
    // Shared references that multiply when rendered: a = [x]*8, b = [a]*8, ... 12 levels.
    let mut p = b"\x80\x04}\x94\x8c\x01k\x94\x8c\x04xxxx\x940".to_vec();
    for level in 0..12u8 {
        p.push(b'(');
        for _ in 0..8 {
            p.extend_from_slice(&[b'h', 2 + level]);
        }
        p.extend_from_slice(b"l\x940");
    }
    p.extend_from_slice(b"h\x0es.");
    let r = render(&p);
    assert!(
        r.as_ref().unwrap_err().contains("refusing"),
        "{:?}",
        r.map(|x| x.0.len())
    );
    // Unhashable keys fail like Python's dict.
    assert!(render(b"\x80\x04}]K\x01s.")
        .unwrap_err()
        .contains("unhashable"));
    // Stack discipline around MARK.
    assert!(render(b"\x80\x04K\x01(.").is_err());
    assert!(render(b"\x80\x04}(0.").is_ok());
    assert!(render(b"\x80\x06}.").unwrap_err().contains("protocol"));
}

#[test]
fn odd_values_and_notes() {
    let mut huge = b"\x80\x05}\x94\x8c\x01n\x94\x8b\xc5\x09\x00\x00".to_vec();
    huge.extend(std::iter::repeat_n(0u8, 2500));
    huge.extend_from_slice(b"\x01s.");
    let (s, notes) = render(&huge).unwrap();
    assert_eq!(s, r#"{"n":"<int of 20008 bits>"}"#);
    assert!(notes[0].contains("placeholder"));
    let mixed: &[u8] = b"\x80\x05\x95\x12\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01s\x94\x8f\x94(K\x01\x8c\x01a\x94\x90s.";
    let (s, notes) = render(mixed).unwrap();
    assert_eq!(s, r#"{"s":[1,"a"]}"#);
    assert!(notes[0].contains("pickle order"));
    let surrogate: &[u8] = b"\x80\x05\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01s\x94\x8c\x05a\xed\xa0\x80b\x94s.";
    let (s, notes) = render(surrogate).unwrap();
    assert_eq!(s, r#"{"s":"a\ufffdb"}"#);
    assert!(notes[0].contains("surrogate"));
    assert!(render(b"\x80\x05}\x94\x8c\x01s\x94\x8c\x02\xff\xfes.").is_err());
}

/// Nesting up to the limit renders (in a 2 MiB-stack thread, debug build included);
/// beyond it is an error, never a stack overflow.
#[test]
fn deep_nesting_fits_small_stacks() {
    let nested = |n: usize| {
        let mut p = b"\x80\x04}\x8c\x01k".to_vec();
        p.extend(std::iter::repeat_n(b']', n));
        p.extend(std::iter::repeat_n(b'a', n - 1));
        p.extend_from_slice(b"s.");
        p
    };
    let deep_json = |n: usize| format!("{{\"a\":{}1{}}}", "[".repeat(n), "]".repeat(n));
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            assert!(render(&nested(990)).is_ok());
            assert!(render(&nested(1500)).unwrap_err().contains("deeper"));
            // Dicts in dicts, and a dict that holds itself (a memo reference).
            let dicts = |n: usize| {
                let mut p = b"\x80\x04}".to_vec();
                p.extend(b"\x8c\x01k}".repeat(n));
                p.extend(b"s".repeat(n));
                p.push(b'.');
                p
            };
            assert!(render(&dicts(990)).is_ok());
            assert!(render(&dicts(1500)).unwrap_err().contains("deeper"));
            let itself = b"\x80\x04}\x94\x8c\x01k\x94h\x00s.";
            assert!(render(itself).unwrap_err().contains("self-referencing"));
            // Tuple keys recurse through repr().
            let mut p = b"\x80\x04}".to_vec();
            p.extend(std::iter::repeat_n(b')', 1));
            p.extend(std::iter::repeat_n(b'\x85', 990));
            p.extend_from_slice(b"K\x01s.");
            assert!(render(&p).is_ok());
            assert!(json::loads(deep_json(990).as_bytes()).is_ok());
            assert!(json::loads(deep_json(1500).as_bytes())
                .unwrap_err()
                .contains("deeper"));
            assert!(json::loads(deep_json(100_000).as_bytes()).is_err());
        })
        .unwrap()
        .join()
        .unwrap();
}

/// Random byte flips, insertions and deletions in every CPython vector: the
/// interpreter must return (Ok or Err), never panic or loop.
#[test]
fn mutated_vectors_never_panic() {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    for (_, _, data, _) in pickle_vectors::VECTORS {
        if data.len() > 2000 {
            continue;
        }
        for _ in 0..300 {
            let mut b = data.to_vec();
            for _ in 0..1 + next() % 3 {
                let at = (next() % b.len() as u64) as usize;
                match next() % 3 {
                    0 => b[at] = next() as u8,
                    1 => {
                        b.remove(at);
                    }
                    _ => b.insert(at, next() as u8),
                }
                if b.is_empty() {
                    break;
                }
            }
            let _ = render(&b);
            let _ = json::loads(&b);
        }
    }
}

/// A cache engine keeps the session dict itself: pickled, zlib-compressed when the
/// cache compresses, never signed.
#[test]
fn cached_payloads_decode_unsigned() {
    use super::{payload, CachedValue, Codec, Signature, DEFAULT_SALT};
    let codec = Codec::new(DEFAULT_SALT, vec!["any key".to_owned()]);
    let (_, _, pickled, want) = pickle_vectors::VECTORS
        .iter()
        .find(|(expr, proto, _, _)| expr.starts_with("{'shared'") && *proto == 5)
        .expect("the vector is there");
    let plain = codec.decode_cached(&CachedValue::plain(pickled.to_vec()), None);
    assert_eq!(plain.signature, Signature::Unsigned);
    assert_eq!(plain.format.as_str(), "pickle");
    assert_eq!(json::dumps(plain.data.as_ref().unwrap()), *want);

    let compressed = codec.decode_cached(&CachedValue::plain(payload::compress(pickled)), None);
    assert_eq!(compressed.format.as_str(), "pickle+zlib");
    assert_eq!(compressed.data, plain.data);

    let broken = codec.decode_cached(
        &CachedValue::plain(pickled[..pickled.len() / 2].to_vec()),
        None,
    );
    assert!(broken.data.is_none());
    assert!(
        broken.error.as_deref().unwrap().contains("empty session"),
        "{:?}",
        broken.error
    );
}

#[test]
fn memo_indices_out_of_order_keep_cpythons_meaning() {
    // PUT 5 before 1 and 2, MEMOIZE numbering by the count of distinct indices (so 'b'
    // gets 2), PUT 2 replacing 'b', MEMOIZE after that ('e' gets 4), then every GET.
    let data: &[u8] = b"\x80\x04}\x94(\x8c\x01aq\x050\x8c\x01b\x940\x8c\x01cq\x010\x8c\x01dq\x020\x8c\x01e\x940h\x05h\x02h\x04h\x01u.";
    assert_eq!(render(data).unwrap().0, r#"{"a":"d","e":"c"}"#);
    // An index that no put set (below the ones that were set) is an error, as in CPython.
    let unset: &[u8] = b"\x80\x04}\x94(\x8c\x01aq\x02h\x01h\x02u.";
    assert_eq!(
        render(unset).unwrap_err(),
        "pickle payload not loadable: memo value not found at index 1"
    );
}
