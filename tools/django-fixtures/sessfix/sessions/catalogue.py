"""What a sessions set holds: the session data, when each session was made and how its
expiry was set, the rows Django cannot decode, the odd entries of a file directory and
the signed cookies.  Data only; `build` turns it into sessions through Django.

Times are offsets from the reference time ("now" of the oracle), so every set, whatever
its reference time, holds the same cases: sessions on both sides of the expiry boundary
to the microsecond, every form of set_expiry(), and Django's zlib threshold on both
sides.  Item ids are what tests, the README and the demo rely on: keep them, and add
new cases as new ids.
"""

import dataclasses
import datetime as dt

D = dt.timedelta
UTC = dt.timezone.utc

PAYLOADS = {
    "empty": {},
    "simple": {"foo": "bar"},
    "unicode": {"name": "Zo\u00eb \u00c5ngstr\u00f6m", "city": "\u6771\u4eac",
                "emoji": "\U0001F680\u2728", "rtl": "\u05e9\u05dc\u05d5\u05dd",
                "quote\"key": "back\\slash\nnewline"},
    "nested": {"cart": {"items": [{"sku": "A-1", "qty": 2, "price": 9.99},
                                  {"sku": "B-2", "qty": 1, "tags": ["x", "y"]}],
                        "coupon": None},
               "history": [[1, 2], [3, [4, 5]]], "deep": {"a": {"b": {"c": {"d": [{}]}}}}},
    "scalars": {"int": 42, "neg": -7, "zero": 0, "big": 2**53 + 1, "float": 3.14159,
                "tiny": 1e-10, "t": True, "f": False, "none": None, "empty_str": "",
                "empty_list": [], "empty_dict": {}},
    "large_compressible": {"blob": "lorem ipsum dolor sit amet " * 400,
                           "rows": [{"id": i, "label": "row-%d" % i} for i in range(200)]},
    # Django compresses only when zlib saves more than one byte: the JSON of these is
    # 19 and 20 bytes, zlib makes 18 of both.
    "compress_threshold_no": {"k": "a" * 11},
    "compress_threshold_yes": {"k": "a" * 12},
    # added after contrib.auth.login() (which keeps what the session held before)
    "logged_in": {"theme": "dark"},
}

# What a logged-in session held before login().
BEFORE_LOGIN = {"cart": ["sku-1"]}

# Types only the pickle serializer can store.
PICKLE_PAYLOAD = {"when": dt.datetime(2024, 2, 29, 13, 37, 0, tzinfo=UTC),
                  "tuple": (1, "two"), "set": {3, 1, 2}, "bytes": b"\x00\xff"}


@dataclasses.dataclass(frozen=True)
class Session:
    """A session made through SessionStore (db and file backends alike)."""
    id: str
    payload: str            # key of PAYLOADS (or "pickle_only")
    made: D                 # made this long before the reference time
    expiry: object = None   # argument of set_expiry(): None, int, timedelta, or ("at", offset)
    notes: str = ""
    login_uid: int = None   # made by contrib.auth.login() of this user
    needs_object_expiry: bool = False  # set_expiry() stores a datetime object (3.2 JSON can't)


def sessions(cookie_age, pickle):
    age = D(seconds=cookie_age)
    hour = D(hours=1)
    items = [
        Session("empty", "empty", hour, notes="create() with no data"),
        Session("simple", "simple", hour),
        Session("unicode", "unicode", hour, notes="non-ASCII is \\u-escaped in the JSON"),
        Session("nested", "nested", hour),
        Session("scalars", "scalars", hour, notes="big = 2**53+1 (precision check)"),
        Session("large_compressible", "large_compressible", hour,
                notes="zlib wins -> payload starts with '.'"),
        Session("compress_threshold_no", "compress_threshold_no", hour,
                notes="zlib output is exactly len-1 bytes -> NOT compressed"),
        Session("compress_threshold_yes", "compress_threshold_yes", hour,
                notes="zlib output is len-2 bytes -> compressed ('.' prefix)"),
        Session("expired_by_age", "simple", D(days=15),
                notes="expire_date = made + SESSION_COOKIE_AGE = reference - 1 day"),
        Session("expiry_int_300_active", "simple", D(seconds=100), 300,
                notes="set_expiry(300): _session_expiry=300"),
        Session("expiry_int_300_stale", "simple", hour, 300,
                notes="db: expired; file: an int _session_expiry is the age, never expires"),
        Session("expiry_zero_browser_close", "simple", hour, 0,
                notes="set_expiry(0): expire at browser close; expire_date = now + COOKIE_AGE"),
        Session("expiry_negative", "simple", hour, -5, notes="set_expiry(-5)"),
        Session("boundary_equal", "simple", age,
                notes="expire_date == reference: not deleted (strict <) yet not loadable"),
        Session("boundary_minus_1us", "simple", age + D(microseconds=1),
                notes="expire_date = reference - 1us: deleted"),
        Session("boundary_plus_1us", "simple", age - D(microseconds=1),
                notes="expire_date = reference + 1us: kept and loadable "
                      "(file: the age floors to 0 -> expired)"),
        Session("expiry_timedelta_future", "simple", D(days=1), D(days=30),
                notes="set_expiry(timedelta(days=30))", needs_object_expiry=True),
        Session("expiry_datetime_past", "simple", D(days=2), ("at", -D(days=1)),
                notes="set_expiry(<datetime in the past>)", needs_object_expiry=True),
        Session("expiry_datetime_future", "nested", D(days=2), ("at", D(days=3)),
                notes="set_expiry(<datetime in the future>)", needs_object_expiry=True),
    ]
    if pickle:
        items.append(Session("pickle_only", "pickle_only", hour,
                             notes="types only PickleSerializer stores"))
    items += [
        Session("logged_in", "logged_in", D(hours=2), login_uid=42,
                notes="real contrib.auth.login(): _auth_user_id/_auth_user_backend/_auth_user_hash"),
        Session("logged_in_expired", "empty", D(days=20), login_uid=7,
                notes="logged-in but expired"),
    ]
    return items


# Rows written through the Session model with values Django's SessionStore reads as {}
# (or, for fallback_secret, decodes with SECRET_KEY_FALLBACKS): (id, value, expires in,
# notes).  The values are made in `build` because they depend on the set's keys.
BAD_ROWS = [
    ("tampered_signature", D(days=1), "last char changed"),
    ("wrong_secret", D(days=1), "signed with another key"),
    ("garbage", D(days=1), "no ':' at all"),
    ("garbage_expired", -D(days=1), "expired garbage"),
    ("fallback_secret", D(days=1), "signed with SECRET_KEY_FALLBACKS[0]; decodes"),
]


@dataclasses.dataclass(frozen=True)
class OddFile:
    """An entry of the file directory that is not a session Django wrote."""
    name: str               # after SESSION_COOKIE_NAME, unless foreign
    content: bytes          # None: a directory
    made: D
    clearsessions: str      # "kept" or "deleted": what Django's clearsessions must do
    notes: str
    foreign: bool = False   # the name does not start with SESSION_COOKIE_NAME


ODD_FILES = [
    OddFile("emptyplaceholder01", b"", D(days=30), "kept",
            "empty_placeholder: zero-byte file; load() skips it, never removed"),
    OddFile("corruptold0000001", b"garbage", D(days=30), "deleted",
            "corrupt_old: decodes to {} -> expiry from mtime -> removed"),
    OddFile("corruptnew0000001", b"garbage", D(hours=1), "kept",
            "corrupt_recent: decodes to {} but mtime recent -> kept"),
    OddFile("UPPERCASEKEY00001", b"garbage", D(days=30), "kept",
            "invalid_chars: InvalidSessionKey -> skipped"),
    OddFile("abc", b"garbage", D(days=30), "kept",
            "short_key: < 8 chars -> key rejected -> skipped"),
    OddFile("abcdefgh12345678_out_x1y2z3", b"garbage", D(days=30), "kept",
            "tempfile_leftover: '_' not allowed -> skipped"),
    OddFile("csrftoken" + "a" * 32, b"garbage", D(days=30), "kept",
            "other_prefix: does not start with SESSION_COOKIE_NAME -> ignored", foreign=True),
    OddFile("somedirectory0001", None, D(days=30), "kept",
            "directory: open() fails with OSError -> skipped"),
]


def cookies(cookie_age):
    """signed_cookies sessions: (id, payload key, made this long before the reference)."""
    age = D(seconds=cookie_age)
    hour = D(hours=1)
    return [("cookie_simple", "simple", hour),
            ("cookie_unicode", "unicode", hour),
            ("cookie_nested", "nested", hour),
            ("cookie_compressed", "large_compressible", hour),
            ("cookie_empty", "empty", hour),
            ("cookie_old", "simple", age + D(seconds=1)),
            ("cookie_age_boundary", "simple", age)]


# Users that log in: a fixed password hash keeps _auth_user_hash reproducible (and no
# PBKDF2 runs).
def password_hash(uid):
    return "pbkdf2_sha256$600000$fixedsalt%d$ZmFrZWhhc2g=" % uid
