"""Build one cache set with the Django this interpreter imports (and django-redis).

Every session is written by Django's own SessionStore of the `cache` and `cached_db`
engines, through Django's RedisCache and django-redis (plain, zlib, LZ4, JSON, msgpack),
into a real Redis server: one database per backend.  Then every entry is read back from
the server (exact bytes and PTTL) into manifest.json, with what Django's
`SessionStore(key).load()` returns for it, and the cached_db rows go to sessions.sqlite3.

The same sessions go through Django's DatabaseCache, into the table `django_cache` that
`createcachetable` makes in sessions.sqlite3, and through FileBasedCache, into the
set's directory `filecache/`.  These two keep an entry after it expires, until a read
of it or a cull deletes it, so they also hold entries written with the clock set back
that are already expired at the reference time.  Their entries ship in the set as
Django wrote them: each is read at the reference time through Django (which deletes an
expired entry, and cached_db rewrites a corrupt one) and then put back byte for byte.

Beside the sessions each database holds what a real cache holds too: sessions of
another KEY_PREFIX and of another VERSION, entries that are not sessions (one with an
`_auth_user_id`), a look-alike key, a corrupt value, and a cached_db session whose row
was deleted behind Django's back.  The prefix may hold glob characters.

Redis TTLs run on the server's clock, so the set ships values and TTLs, and tests load
them into a server of their own (tests/server_cache_redis.rs).  The expiries of the
other two come from Django's frozen clock, so their rows and files are reproducible.
"""

import base64
import datetime as dt
import hashlib
import io
import json
import os
import pickle
import shutil
import sqlite3
import urllib.parse
import zlib

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

# id, BACKEND, where the entries live: Django's caches that keep them inside the set.
LOCAL_BACKENDS = [
    ("database_cache", "django.core.cache.backends.db.DatabaseCache", "table"),
    ("file_cache", "django.core.cache.backends.filebased.FileBasedCache", "directory"),
]
CACHE_TABLE = "django_cache"  # in sessions.sqlite3, beside django_session
CACHE_DIR = "filecache"
CACHE_SUFFIX = ".djcache"
# Both cull at MAX_ENTRIES (Django's default, 300), FileBasedCache at random: a backend
# stays well below it, and the build stops if it would not.
MAX_ENTRIES = 300
NEVER = "9999-12-31 23:59:59"  # DatabaseCache's expires for timeout None (datetime.max)

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
# DatabaseCache and FileBasedCache only, written with the clock set back by `ago`: id,
# payload, set_expiry, user, ago.  All but the last are expired at the reference time;
# the last expires exactly at it, which Django does not count as expired yet.
AGED_SESSIONS = [
    ("expired_anonymous", "anonymous", None, None, dt.timedelta(days=21)),
    ("expired_logged_in", {"theme": "dark"}, None, 42, dt.timedelta(days=21)),
    ("expired_expiry_int_300", {"foo": "bar"}, 300, None, dt.timedelta(hours=1)),
    ("expired_one_second_ago", {"foo": "bar"}, 300, None, dt.timedelta(seconds=301)),
    ("expires_at_reference", {"foo": "bar"}, 300, None, dt.timedelta(seconds=300)),
]
# id, key, value, timeout, ago (None: written at the reference time; else local only)
NOT_SESSIONS = [
    ("not_session_profile", "profile:42", {"_auth_user_id": "42"}, 3600, None),
    ("not_session_counter", "hits", 5, None, None),
    ("not_session_text", "greeting", "h\u00e9llo", 600, None),
    ("not_session_lookalike", "django.contrib.sessions.cacheabc", {"_auth_user_id": "42"},
     3600, None),
    ("not_session_expired", "report:daily", {"rows": 3}, 3600, dt.timedelta(hours=2)),
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
    shutil.rmtree(os.path.join(out, CACHE_DIR), ignore_errors=True)
    sqlite_path = os.path.join(out, "sessions.sqlite3")
    base = opts.redis_url.rstrip("/")
    prefix, version = opts.key_prefix, opts.cache_version
    other_prefix, other_version = prefix + "-other", version + 1
    caches = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    configured = [(bid, backend, "%s/%d" % (base, opts.redis_db + i), options)
                  for i, (bid, backend, options, _) in enumerate(BACKENDS)]
    configured += [(bid, backend, CACHE_TABLE if where == "table"
                    else os.path.join(out, CACHE_DIR), {})
                   for bid, backend, where in LOCAL_BACKENDS]
    for bid, backend, location, options in configured:
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

    user_logged_in.receivers = []
    clock = djangoenv.Clock(dt.datetime.fromisoformat(opts.reference_time))
    keys = djangoenv.Keys(opts.seed)
    with djangoenv.frozen(clock, keys):  # django_migrations.applied: the reference time
        call_command("migrate", "sessions", verbosity=0)
        call_command("createcachetable", verbosity=0)
    local = Local(sqlite_path, os.path.join(out, CACHE_DIR))
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
    lookups = []  # (item, cache alias, key given to the cache) of the local backends

    def add(item, alias, key, written_at=None):
        items.append(item)
        if item["backend"] in local.ids:
            item["written_at"] = manifest.iso(written_at or clock.instant)
            lookups.append((item, alias, key))

    backends = ([(bid, _serializer(options)) for bid, _, options, _ in BACKENDS]
                + [(bid, "pickle") for bid, _, _ in LOCAL_BACKENDS])
    with djangoenv.frozen(clock, keys):
        for bid, ser in backends:
            settings.SESSION_CACHE_ALIAS = bid
            aged = AGED_SESSIONS if bid in local.ids else []
            for engine, Store in (("cache", CacheStore), ("cached_db", CachedDbStore)):
                for item_id, payload, expiry, uid, engines, sers in SESSIONS:
                    if engines not in ("both", engine) or (sers and ser not in sers):
                        continue
                    keys.under("%s/%s/%s" % (bid, engine, item_id))
                    s = make(Store, payload, expiry, uid)
                    add(dict(id=item_id, backend=bid, engine=engine, kind="session",
                             session_key=s.session_key,
                             user_id=None if uid is None else str(uid)),
                        bid, Store.cache_key_prefix + s.session_key)
                for item_id, payload, expiry, uid, ago in aged:
                    keys.under("%s/%s/%s" % (bid, engine, item_id))
                    with clock.at(clock.instant - ago):
                        s = make(Store, payload, expiry, uid)
                        written_at = clock.instant
                    add(dict(id=item_id, backend=bid, engine=engine, kind="session",
                             session_key=s.session_key,
                             user_id=None if uid is None else str(uid)),
                        bid, Store.cache_key_prefix + s.session_key, written_at)
                if engine == "cached_db":
                    keys.under("%s/cached_db/stale_cache_only" % bid)
                    s = make(Store, "anonymous", None, 42)
                    Session.objects.filter(session_key=s.session_key).delete()
                    add(dict(id="stale_cache_only", backend=bid, engine=engine,
                             kind="session", session_key=s.session_key, user_id="42",
                             notes="row deleted behind Django's back: the cache "
                                   "entry still logs user 42 in"),
                        bid, Store.cache_key_prefix + s.session_key)
                # a corrupt value at a session key
                keys.under("%s/%s/corrupt" % (bid, engine))
                s = make(Store, "anonymous", None, None)
                full = django_caches[bid].make_key(Store.cache_key_prefix + s.session_key)
                if bid in local.ids:
                    local.corrupt(bid, full)
                else:
                    servers[bid].set(full, GARBAGE, keepttl=True)
                add(dict(id="corrupt", backend=bid, engine=engine, kind="session",
                         session_key=s.session_key, user_id=None, corrupt=True),
                    bid, Store.cache_key_prefix + s.session_key)
            # what else lives in the same cache
            for item_id, key, value, timeout, ago in NOT_SESSIONS:
                if ago is None:
                    django_caches[bid].set(key, value, timeout)
                elif bid in local.ids:
                    with clock.at(clock.instant - ago):
                        django_caches[bid].set(key, value, timeout)
                        written_at = clock.instant
                else:
                    continue  # Redis drops an entry when it expires
                add(dict(id=item_id, backend=bid, engine=None, kind="not_session",
                         backend_key=django_caches[bid].make_key(key)),
                    bid, key, None if ago is None else written_at)
            for item_id, alias in (("other_prefix_session", bid + "__other_prefix"),
                                   ("other_version_session", bid + "__other_version")):
                settings.SESSION_CACHE_ALIAS = alias
                keys.under("%s/%s" % (bid, item_id))
                s = make(CacheStore, {"theme": "light"}, None, 42)
                add(dict(id=item_id, backend=bid, engine=None, kind="not_session",
                         session_key=s.session_key,
                         backend_key=django_caches[alias].make_key(
                             CacheStore.cache_key_prefix + s.session_key)),
                    alias, CacheStore.cache_key_prefix + s.session_key)
            settings.SESSION_CACHE_ALIAS = bid

    # read everything back from the server, and ask Django what load() gives
    with djangoenv.frozen(clock, keys):
        for it in items:
            bid = it["backend"]
            if bid in local.ids:
                continue
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

    # the same for DatabaseCache and FileBasedCache, at the reference time: Django's read
    # deletes an expired entry and cached_db rewrites a corrupt one, so each entry is
    # put back as it was written.
    counts = local.counts()
    if max(counts.values()) >= MAX_ENTRIES:
        raise SystemExit("too many entries for MAX_ENTRIES %d: %s" % (MAX_ENTRIES, counts))
    reference = clock.instant
    local_backend = {bid: backend for bid, backend, _ in LOCAL_BACKENDS}
    with djangoenv.frozen(clock, keys):
        for it, alias, key in lookups:
            bid = it["backend"]
            cache = django_caches[alias]
            if it["kind"] == "session":
                Store = CacheStore if it["engine"] == "cache" else CachedDbStore
                it["backend_key"] = cache.make_key(key)
            stored = local.entry(bid, it["backend_key"])
            it["present"] = stored is not None
            if stored is None:
                raise SystemExit("%s %s: Django did not store %s"
                                 % (bid, it["id"], it["backend_key"]))
            if bid == "file_cache":
                name = os.path.basename(cache._key_to_file(key))
                if name != stored["file"]:
                    raise SystemExit("%s %s: Django names the file %s, not %s"
                                     % (bid, it["id"], name, stored["file"]))
            it.update(local.describe(stored, reference))
            if it["kind"] == "session":
                settings.SESSION_CACHE_ALIAS = alias
                it["django_load"] = manifest.jsonable(Store(it["session_key"]).load())
                if it["engine"] == "cached_db":
                    row = Session.objects.filter(session_key=it["session_key"]).first()
                    it["db_row"] = None if row is None else {
                        "session_data": row.session_data,
                        "expire_date": manifest.iso(row.expire_date)}
            else:
                it["django_get"] = manifest.jsonable(cache.get(key))
            seen = it["django_load"] if it["kind"] == "session" else it["django_get"]
            if not (it["expired"] or it.get("corrupt")) and \
                    manifest.jsonable(local.decode(stored)) != seen:
                raise SystemExit("%s %s: the stored value does not read as Django's"
                                 % (bid, it["id"]))
            after = local.entry(bid, it["backend_key"])
            it["django_read_effect"] = (None if after == stored else
                                        "deleted" if after is None else "rewritten")
            if it["expired"] != (it["django_read_effect"] == "deleted"):
                raise SystemExit("%s %s: expired is %s, but Django's read: %s"
                                 % (bid, it["id"], it["expired"], it["django_read_effect"]))
            if after != stored:
                local.restore(stored)
            if local.entry(bid, it["backend_key"]) != stored:
                raise SystemExit("%s %s: the entry was not put back" % (bid, it["id"]))
        settings.SESSION_CACHE_ALIAS = "default"
    if local.counts() != counts:
        raise SystemExit("entries changed while read: %s, now %s" % (counts, local.counts()))

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
        "backends": dict(
            {bid: {"BACKEND": backend, "OPTIONS": options,
                   "redis_db_offset": i, "sessctl": told}
             for i, (bid, backend, options, told) in enumerate(BACKENDS)},
            database_cache={"BACKEND": local_backend["database_cache"],
                            "LOCATION": CACHE_TABLE, "OPTIONS": {},
                            "database": "sessions.sqlite3", "table": CACHE_TABLE,
                            "max_entries": MAX_ENTRIES, "entries": counts["database_cache"],
                            "sessctl": {}},
            file_cache={"BACKEND": local_backend["file_cache"],
                        "LOCATION": CACHE_DIR, "OPTIONS": {},
                        "directory": CACHE_DIR, "suffix": CACHE_SUFFIX,
                        "max_entries": MAX_ENTRIES, "entries": counts["file_cache"],
                        "sessctl": {},
                        "notes": "LOCATION is relative to the set; Django was given "
                                 "the absolute path of that directory"}),
        "conventions": {
            "backend_key": "the key as stored in Redis and in django_cache.cache_key "
                           "(KEY_PREFIX:VERSION:...); file_cache hashes it into the file name",
            "value_b64": "the exact stored bytes, base64 (file_cache: the whole file, the "
                         "pickled expiry then the zlib-compressed pickle of the value)",
            "pttl": "Redis: PTTL right after Django stored it (-1: no expiry)",
            "db_value": "database_cache: the value column exactly as stored (text: base64 "
                        "of the pickle of the value)",
            "db_expires": "database_cache: the expires column exactly as stored (text, UTC; "
                          "%s: timeout None)" % NEVER,
            "file": "file_cache: the file name in %s/: md5 hex of backend_key + %s"
                    % (CACHE_DIR, CACHE_SUFFIX),
            "file_expiry": "file_cache: the expiry pickled at the head of the file, seconds "
                           "since the epoch (null: timeout None)",
            "expires": "database_cache, file_cache: when the entry expires, ISO UTC "
                       "(null: never)",
            "expired": "database_cache, file_cache: expires is before reference_time, "
                       "Django treats the entry as missing",
            "written_at": "database_cache, file_cache: Django's clock when it wrote the entry",
            "django_load": "what SessionStore(session_key).load() returned (database_cache, "
                           "file_cache: at reference_time)",
            "django_get": "database_cache, file_cache, not_session: what cache.get() of the "
                          "alias that wrote the entry returned at reference_time",
            "django_read_effect": "database_cache, file_cache: what that read did to the "
                                  "entry: null, deleted (expired), rewritten (cached_db "
                                  "refilled it from the row); the set ships it as written",
            "db_row": "cached_db: the django_session row (null: none)",
        },
        "items": items,
    }
    manifest.write(os.path.join(out, "manifest.json"), doc)
    for r in servers.values():
        if not opts.keep:
            r.flushdb()
        r.close()
    local.close()
    return "Django %s: wrote %d cache items to %s" % (django.get_version(), len(items), out)


class Local:
    """The entries of DatabaseCache (table django_cache) and FileBasedCache (directory),
    read and written as stored, beside Django."""

    ids = {bid for bid, _, _ in LOCAL_BACKENDS}

    def __init__(self, sqlite_path, directory):
        self.db = sqlite3.connect(sqlite_path, isolation_level=None)
        self.dir = directory

    def close(self):
        self.db.close()

    def counts(self):
        n = self.db.execute("SELECT count(*) FROM %s" % CACHE_TABLE).fetchone()[0]
        files = os.listdir(self.dir) if os.path.isdir(self.dir) else []
        return {"database_cache": n, "file_cache": len(files)}

    def entry(self, bid, backend_key):
        """The stored entry, or None."""
        if bid == "database_cache":
            row = self.db.execute(
                "SELECT rowid, value, expires, typeof(value), typeof(expires) FROM %s "
                "WHERE cache_key = ?" % CACHE_TABLE, (backend_key,)).fetchone()
            if row is None:
                return None
            if row[3:] != ("text", "text"):
                raise SystemExit("%s: value and expires are not text: %s" % (backend_key, row))
            return {"backend": bid, "backend_key": backend_key, "rowid": row[0],
                    "db_value": row[1], "db_expires": row[2]}
        name = hashlib.md5(backend_key.encode()).hexdigest() + CACHE_SUFFIX
        try:
            with open(os.path.join(self.dir, name), "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            return None
        return {"backend": bid, "backend_key": backend_key, "file": name, "raw": raw}

    def describe(self, stored, reference):
        """The manifest fields of a stored entry."""
        if stored["backend"] == "database_cache":
            text = stored["db_expires"]
            expires = (None if text == NEVER else
                       dt.datetime.fromisoformat(text).replace(tzinfo=UTC))
            return {"db_value": stored["db_value"], "db_expires": text,
                    "expires": manifest.iso(expires),
                    "expired": expires is not None and expires < reference}
        head = io.BytesIO(stored["raw"])
        expiry = pickle.load(head)
        return {"file": stored["file"], "value_b64": base64.b64encode(stored["raw"]).decode(),
                "file_expiry": expiry,
                "expires": None if expiry is None else
                manifest.iso(dt.datetime.fromtimestamp(expiry, UTC)),
                "expired": expiry is not None and expiry < reference.timestamp()}

    def decode(self, stored):
        """The value read without Django (the self-check): base64 of a pickle in the
        table; in a file, zlib of a pickle after the pickled expiry."""
        if stored["backend"] == "database_cache":
            return pickle.loads(base64.b64decode(stored["db_value"], validate=True))
        head = io.BytesIO(stored["raw"])
        pickle.load(head)
        return pickle.loads(zlib.decompress(head.read()))

    def restore(self, stored):
        if stored["backend"] == "database_cache":
            self.db.execute(
                "INSERT OR REPLACE INTO %s (rowid, cache_key, value, expires) "
                "VALUES (?, ?, ?, ?)" % CACHE_TABLE,
                (stored["rowid"], stored["backend_key"], stored["db_value"],
                 stored["db_expires"]))
        else:
            with open(os.path.join(self.dir, stored["file"]), "wb") as f:
                f.write(stored["raw"])

    def corrupt(self, bid, backend_key):
        """Replace the value of an entry by a truncated pickle, keeping its expiry."""
        stored = self.entry(bid, backend_key)
        if bid == "database_cache":
            stored["db_value"] = base64.b64encode(GARBAGE).decode()
        else:
            head = io.BytesIO(stored["raw"])
            pickle.load(head)
            stored["raw"] = stored["raw"][:head.tell()] + GARBAGE
        self.restore(stored)


def _deep(value):
    import copy
    return copy.deepcopy(value)


def _version(name):
    import importlib.metadata
    return importlib.metadata.version(name)
