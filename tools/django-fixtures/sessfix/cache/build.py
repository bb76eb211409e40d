"""Build one cache set with the Django this interpreter imports (and django-redis).

Every session is written by Django's own SessionStore of the `cache` and `cached_db`
engines, through Django's RedisCache and django-redis (plain, zlib, LZ4, JSON, msgpack),
into a real Redis server: one database per backend.  Then every entry is read back from
the server (exact bytes and PTTL) into manifest.json, with what Django's
`SessionStore(key).load()` returns for it, and the cached_db rows go to sessions.sqlite3.

Beside the sessions each database holds what a real cache holds too: sessions of
another KEY_PREFIX and of another VERSION, entries that are not sessions (one with an
`_auth_user_id`), a look-alike key, a corrupt value, and a cached_db session whose row
was deleted behind Django's back.  The prefix may hold glob characters.

Redis TTLs run on the server's clock, so the set ships values and TTLs, and tests load
them into a server of their own (tests/server_cache_redis.rs).
"""

import base64
import datetime as dt
import json
import os
import shutil
import sqlite3
import urllib.parse

from .. import djangoenv, manifest

UTC = dt.timezone.utc

# id, BACKEND, OPTIONS, what sessctl is told (--cache-serializer/--cache-compressor; auto
# when the bytes tell).
BACKENDS = [
    ("redis", "django.core.cache.backends.redis.RedisCache", {}, {}),
    ("django_redis", "django_redis.cache.RedisCache", {}, {}),
    ("django_redis_zlib", "django_redis.cache.RedisCache",
     {"COMPRESSOR": "django_redis.compressors.zlib.ZlibCompressor"}, {}),
    ("django_redis_lz4", "django_redis.cache.RedisCache",
     {"COMPRESSOR": "django_redis.compressors.lz4.Lz4Compressor"}, {}),
    ("django_redis_json", "django_redis.cache.RedisCache",
     {"SERIALIZER": "django_redis.serializers.json.JSONSerializer"}, {"serializer": "json"}),
    ("django_redis_msgpack", "django_redis.cache.RedisCache",
     {"SERIALIZER": "django_redis.serializers.msgpack.MSGPackSerializer"},
     {"serializer": "msgpack"}),
]

SHARED = ["same", "list", "object"]
PAYLOADS = {
    "anonymous": {"cart": ["sku-1", "sku-2"], "theme": "dark"},
    "unicode": {"name": "Zo\u00eb \u00c5ngstr\u00f6m", "city": "\u6771\u4eac",
                "emoji": "\U0001F680\u2728", "rtl": "\u05e9\u05dc\u05d5\u05dd",
                "quote\"key": "back\\slash\nnewline"},
    "scalars": {"int": 42, "neg": -7, "big": 9007199254740993, "float": 3.14159,
                "t": True, "f": False, "none": None, "empty": "", "list": [], "dict": {}},
    "large": {"blob": "lorem ipsum dolor sit amet " * 200,
              "rows": [{"id": i, "label": "row-%d" % i} for i in range(100)]},
    "large_string_64k": {"blob": "0123456789abcdef" * 4100},
    "pickle_types": {"when": dt.datetime(2024, 2, 29, 13, 37, tzinfo=UTC),
                     "day": dt.date(2024, 2, 29), "tuple": (1, "two"), "set": {3, 1, 2},
                     "bytes": b"\x00\xff"},
    "shared_refs": {"a": SHARED, "b": SHARED},
}
# id, payload, set_expiry, user, engines, only for serializers (None: all)
SESSIONS = [
    ("anonymous", "anonymous", None, None, "both", None),
    ("empty", None, None, None, "both", None),
    ("logged_in", {"theme": "dark"}, None, 42, "both", None),
    ("logged_in_second_device", {"device": "phone"}, None, 42, "both", None),
    ("logged_in_other_user", {}, None, 7, "both", None),
    ("expiry_int_300", {"foo": "bar"}, 300, None, "both", None),
    ("unicode", "unicode", None, None, "both", None),
    ("scalars", "scalars", None, None, "both", None),
    ("large", "large", None, None, "both", None),
    ("large_string_64k", "large_string_64k", None, None, "cache", None),
    ("pickle_types", "pickle_types", None, None, "cache", ("pickle",)),
    ("shared_refs", "shared_refs", None, None, "cache", ("pickle",)),
]
GARBAGE = b"\x80\x05\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94\x8c"  # a truncated pickle


def _serializer(options):
    ser = options.get("SERIALIZER", "")
    return "json" if "json" in ser else "msgpack" if "msgpack" in ser else "pickle"


def build(opts):
    import django
    import redis as redis_py
    from django.conf import settings

    out = os.path.abspath(opts.out)
    os.makedirs(out, exist_ok=True)
    for name in ("manifest.json", "sessions.sqlite3"):
        if os.path.exists(os.path.join(out, name)):
            os.remove(os.path.join(out, name))
    sqlite_path = os.path.join(out, "sessions.sqlite3")
    base = opts.redis_url.rstrip("/")
    prefix, version = opts.key_prefix, opts.cache_version
    other_prefix, other_version = prefix + "-other", version + 1
    caches = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    for i, (bid, backend, options, _) in enumerate(BACKENDS):
        location = "%s/%d" % (base, opts.redis_db + i)
        common = {"BACKEND": backend, "LOCATION": location, "OPTIONS": dict(options)}
        caches[bid] = dict(common, KEY_PREFIX=prefix, VERSION=version)
        caches[bid + "__other_prefix"] = dict(common, KEY_PREFIX=other_prefix, VERSION=version)
        caches[bid + "__other_version"] = dict(common, KEY_PREFIX=prefix, VERSION=other_version)
    djangoenv.configure({
        "SECRET_KEY": opts.secret_key,
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": sqlite_path}},
        "CACHES": caches,
        "SESSION_ENGINE": "django.contrib.sessions.backends.cache",
        "SESSION_COOKIE_AGE": opts.cookie_age,
    })
    from django.contrib.auth import login
    from django.contrib.auth.models import User
    from django.contrib.auth.signals import user_logged_in
    from django.contrib.sessions.backends.cache import SessionStore as CacheStore
    from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore
    from django.contrib.sessions.models import Session
    from django.core.cache import caches as django_caches
    from django.core.management import call_command
    from django.http import HttpRequest

    call_command("migrate", "sessions", verbosity=0)
    user_logged_in.receivers = []
    clock = djangoenv.Clock(dt.datetime.fromisoformat(opts.reference_time))
    keys = djangoenv.Keys(opts.seed)
    servers = {}
    for i, (bid, _, _, _) in enumerate(BACKENDS):
        r = redis_py.Redis.from_url("%s/%d" % (base, opts.redis_db + i))
        if r.dbsize() and not opts.truncate:
            raise SystemExit("%s/%d is not empty; pass --truncate to empty it"
                             % (base, opts.redis_db + i))
        r.flushdb()
        servers[bid] = r

    def make(Store, payload, expiry, uid):
        s = Store()
        if uid is not None:
            req = HttpRequest()
            req.session = s
            req.META["CSRF_COOKIE"] = "x" * 32
            s["cart"] = ["sku-1"]
            user = User(id=uid, username="user%d" % uid,
                        password="pbkdf2_sha256$600000$fixedsalt%d$ZmFrZWhhc2g=" % uid)
            login(req, user, backend="django.contrib.auth.backends.ModelBackend")
        if payload is None:
            s.create()
        else:
            data = PAYLOADS[payload] if isinstance(payload, str) else payload
            s.update(dict(data) if payload == "shared_refs" else _deep(data))
            if expiry is not None:
                s.set_expiry(expiry)
            s.save()
        return s

    items = []
    with djangoenv.frozen(clock, keys):
        for bid, backend, options, told in BACKENDS:
            ser = _serializer(options)
            settings.SESSION_CACHE_ALIAS = bid
            for engine, Store in (("cache", CacheStore), ("cached_db", CachedDbStore)):
                for item_id, payload, expiry, uid, engines, sers in SESSIONS:
                    if engines not in ("both", engine) or (sers and ser not in sers):
                        continue
                    keys.under("%s/%s/%s" % (bid, engine, item_id))
                    s = make(Store, payload, expiry, uid)
                    items.append(dict(id=item_id, backend=bid, engine=engine, kind="session",
                                      session_key=s.session_key,
                                      user_id=None if uid is None else str(uid)))
                if engine == "cached_db":
                    keys.under("%s/cached_db/stale_cache_only" % bid)
                    s = make(Store, "anonymous", None, 42)
                    Session.objects.filter(session_key=s.session_key).delete()
                    items.append(dict(id="stale_cache_only", backend=bid, engine=engine,
                                      kind="session", session_key=s.session_key, user_id="42",
                                      notes="row deleted behind Django's back: the cache "
                                            "entry still logs user 42 in"))
                # a corrupt value at a session key
                keys.under("%s/%s/corrupt" % (bid, engine))
                s = make(Store, "anonymous", None, None)
                full = django_caches[bid].make_key(Store.cache_key_prefix + s.session_key)
                servers[bid].set(full, GARBAGE, keepttl=True)
                items.append(dict(id="corrupt", backend=bid, engine=engine, kind="session",
                                  session_key=s.session_key, user_id=None, corrupt=True))
            # what else lives in the same cache
            for item_id, key, value, timeout in (
                    ("not_session_profile", "profile:42", {"_auth_user_id": "42"}, 3600),
                    ("not_session_counter", "hits", 5, None),
                    ("not_session_text", "greeting", "h\u00e9llo", 600),
                    ("not_session_lookalike", CacheStore.cache_key_prefix + "abc",
                     {"_auth_user_id": "42"}, 3600)):
                django_caches[bid].set(key, value, timeout)
                items.append(dict(id=item_id, backend=bid, engine=None, kind="not_session",
                                  backend_key=django_caches[bid].make_key(key)))
            for item_id, alias in (("other_prefix_session", bid + "__other_prefix"),
                                   ("other_version_session", bid + "__other_version")):
                settings.SESSION_CACHE_ALIAS = alias
                keys.under("%s/%s" % (bid, item_id))
                s = make(CacheStore, {"theme": "light"}, None, 42)
                items.append(dict(id=item_id, backend=bid, engine=None, kind="not_session",
                                  session_key=s.session_key,
                                  backend_key=django_caches[alias].make_key(
                                      CacheStore.cache_key_prefix + s.session_key)))
            settings.SESSION_CACHE_ALIAS = bid

    # read everything back from the server, and ask Django what load() gives
    with djangoenv.frozen(clock, keys):
        for it in items:
            bid = it["backend"]
            if it["kind"] == "session":
                Store = CacheStore if it["engine"] == "cache" else CachedDbStore
                it["backend_key"] = django_caches[bid].make_key(
                    Store.cache_key_prefix + it["session_key"])
            r = servers[bid]
            raw = r.get(it["backend_key"])
            it["present"] = raw is not None
            if raw is None:
                continue
            it["value_b64"] = base64.b64encode(raw).decode()
            it["pttl"] = r.pttl(it["backend_key"])
            if it["kind"] == "session":
                settings.SESSION_CACHE_ALIAS = bid
                loaded = Store(it["session_key"]).load()
                it["django_load"] = manifest.jsonable(loaded)
                if it["engine"] == "cached_db":
                    row = Session.objects.filter(session_key=it["session_key"]).first()
                    it["db_row"] = None if row is None else {
                        "session_data": row.session_data,
                        "expire_date": manifest.iso(row.expire_date)}
                # load() of a corrupt cache entry rewrote it from the row (cached_db):
                # put the stored value back as it was.
                if r.get(it["backend_key"]) != raw:
                    r.set(it["backend_key"], raw, px=it["pttl"])

    doc = {
        "kind": "cache",
        "django_version": django.get_version(),
        "packages": {name: _version(name) for name in
                     ("django-redis", "redis", "lz4", "msgpack")},
        "reference_time": opts.reference_time,
        "secret_key": opts.secret_key,
        "settings": {"KEY_PREFIX": prefix, "VERSION": version,
                     "SESSION_COOKIE_AGE": opts.cookie_age},
        "decoys": {"other_key_prefix": other_prefix, "other_version": other_version},
        "backends": {bid: {"BACKEND": backend, "OPTIONS": options,
                           "redis_db_offset": i, "sessctl": told}
                     for i, (bid, backend, options, told) in enumerate(BACKENDS)},
        "conventions": {
            "backend_key": "the key as stored in Redis (KEY_PREFIX:VERSION:...)",
            "value_b64": "the exact stored bytes, base64",
            "pttl": "PTTL right after Django stored it (-1: no expiry)",
            "django_load": "what SessionStore(session_key).load() returned",
            "db_row": "cached_db: the django_session row (null: none)",
        },
        "items": items,
    }
    manifest.write(os.path.join(out, "manifest.json"), doc)
    for r in servers.values():
        if not opts.keep:
            r.flushdb()
        r.close()
    return "Django %s: wrote %d cache items to %s" % (django.get_version(), len(items), out)


def _deep(value):
    import copy
    return copy.deepcopy(value)


def _version(name):
    import importlib.metadata
    return importlib.metadata.version(name)
