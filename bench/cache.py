#!/usr/bin/env python3
"""Redis and cached_db benchmark for sessctl: `list --user`, `stats` and `flush --user` on
the cache engine, and `clear-expired` on cached_db. It prints figures; it is not a test
and asserts no timing (it does fail loudly when a contender lists or deletes the wrong
sessions).

    python3 bench/cache.py --sessions 1000000

The harness needs Python 3 (standard library only), a Redis server (127.0.0.1:6379 by
default; it uses databases 12 and 13 only, and empties only those), redis-cli, and a
virtualenv it makes itself, bench/work/cache-venv, with Django and redis-py from PyPI:
Django's own cache SessionStore encodes the payloads, and redis-py is the Python loop a
Django developer writes today. See bench/README-cache.md for what every figure means.

The same file runs the small subprocess roles (payloads, the Python loop, the socket
floor, the MGET feeder), so that every contender runs in its own process, with its own
wall time, CPU time and peak RSS.
"""

import argparse
import base64
import datetime as dt
import json
import os
import random
import re
import shlex
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time

import measured

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Pinned: the payloads are Django's bytes, so the Django that wrote them is part of the data.
VENV_PACKAGES = ["Django==6.1.3", "asgiref==3.13.0", "sqlparse==0.6.1", "redis==8.1.0"]
# Redis databases this harness may use: 12 for the cache engine, 13 for cached_db (and, while
# the payloads are made, as Django's scratch cache). Nothing else is ever written or flushed.
CACHE_DB = 12
CACHED_DB_DB = 13
# CACHES["default"]: KEY_PREFIX and VERSION of the benchmarked site.
PREFIX = "site1"
VERSION = "2"
ENGINE_PREFIX = {"cache": "django.contrib.sessions.cache",
                 "cached_db": "django.contrib.sessions.cached_db"}
SECRET_KEY = "bench-only-secret-key-3e9d1c7b5a2f4e6d8c0b1a3f5e7d9c2b4a6f8e0d1c3b5a7"
VALID_KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
HOUR = 3600
DAY = 86400
COOKIE_AGE = 14 * DAY  # SESSION_COOKIE_AGE default
# No entry expires during a run, so that every check can be exact: remaining TTLs start here.
MIN_TTL = 6 * HOUR
UTC = dt.timezone.utc
# cached_db rows: creation times start here; the reference time ("now") is the median expiry.
EPOCH = dt.datetime(2025, 3, 1, tzinfo=UTC)
WINDOW = dt.timedelta(days=60)
DDL = [
    'CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, '
    '"session_data" text NOT NULL, "expire_date" datetime NOT NULL)',
    'CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date")',
]
FORMAT_VERSION = 1  # bump when the generated data changes, to invalidate cached files


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def head(engine, prefix=PREFIX, version=VERSION):
    """Everything before the session key in a full cache key (Django's default KEY_FUNCTION)."""
    return "%s:%s:%s" % (prefix, version, ENGINE_PREFIX[engine])


def exact_pattern(engine):
    """The SCAN pattern of exactly this site's session keys, as sessctl builds it."""
    return head(engine) + "[a-z0-9]" * 32


def django_text(t):
    text = t.strftime("%Y-%m-%d %H:%M:%S")
    return text + (".%06d" % t.microsecond if t.microsecond else "")


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S") + (".%06d" % t.microsecond if t.microsecond else "") + "Z"


# --------------------------------------------------------------------------------------
# A small RESP client (standard library), for loading, checks and the socket floor
# --------------------------------------------------------------------------------------

class RedisError(Exception):
    pass


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = b"%d" % a
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Redis:
    def __init__(self, host, port, db):
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rf = self.sock.makefile("rb", buffering=1 << 20)
        self.call("SELECT", db)

    def read(self):
        line = self.rf.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.rf.read(n + 2)[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        if kind == b"-":
            raise RedisError(rest.decode())
        raise RedisError("unexpected reply %r" % line[:80])

    def call(self, *args):
        self.sock.sendall(resp(*args))
        return self.read()

    def pipeline(self, commands, chunk=5000):
        """Sends the commands (each an already encoded RESP request) in chunks, returns
        every reply."""
        replies = []
        for i in range(0, len(commands), chunk):
            part = commands[i:i + chunk]
            self.sock.sendall(b"".join(part))
            replies.extend(self.read() for _ in part)
        return replies

    def info(self, section):
        text = self.call("INFO", section).decode()
        return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)

    def server_cpu(self):
        i = self.info("cpu")
        return float(i["used_cpu_user"]) + float(i["used_cpu_sys"])

    def close(self):
        self.rf.close()
        self.sock.close()


# --------------------------------------------------------------------------------------
# Roles run in subprocesses
# --------------------------------------------------------------------------------------

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike "
         "november oscar papa quebec romeo sierra tango uniform victor").split()


def session_data(rng, user, pickled):
    """A session dict as sites fill them: the auth keys of a logged-in user, language,
    CSRF token, messages, a cart, recently viewed items, form state; `pickled` adds what
    only a pickling cache can hold (a datetime)."""
    token = lambda n: "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                              for _ in range(n))
    data = {}
    if user is not None:
        data["_auth_user_id"] = str(user)
        data["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        data["_auth_user_hash"] = "%064x" % rng.getrandbits(256)
    if rng.random() < 0.3:
        data["django_language"] = rng.choice(["en", "fr", "de", "es", "pt-br"])
    if rng.random() < 0.2:
        data["_csrftoken"] = token(32)
    if rng.random() < 0.1:
        data["_messages"] = json.dumps([["__json_message", 0, 25, rng.choice(["Welcome back!", "Saved."])]])
    items = rng.choice([0, 0, 0, 1, 2, 3, 5, 8, 13])
    if items:
        data["cart"] = [{"sku": "P-%06d" % rng.randint(0, 999999), "qty": rng.randint(1, 5),
                         "price": "%d.%02d" % (rng.randint(1, 300), rng.randint(0, 99)),
                         "note": " ".join(rng.sample(WORDS, 2))} for _ in range(items)]
    if rng.random() < 0.5:
        data["recently_viewed"] = [rng.randint(1, 10 ** 6) for _ in range(rng.randint(1, 30))]
    for i in range(rng.choice([0, 0, 1, 2, 4])):
        data["form_%d" % i] = token(rng.randint(8, 60))
    if pickled and rng.random() < 0.3:
        data["last_seen"] = dt.datetime(2025, 5, 1, tzinfo=UTC) + dt.timedelta(seconds=rng.randrange(DAY * 30))
    return data


def expiry_kind(rng):
    """Most sessions live SESSION_COOKIE_AGE; some call set_expiry(seconds) (short
    anonymous carts, long "remember me"), which stores _session_expiry."""
    kind = rng.choices(["default", "short", "remember"], weights=[75, 15, 10])[0]
    return {"default": None, "short": rng.choice([8 * HOUR, 12 * HOUR, DAY]), "remember": 30 * DAY}[kind]


def role_payloads(out_path, host, port, scratch_db, users, variants, anonymous, rows, scratch_sqlite, seed):
    """Sessions written by Django's own SessionStore classes through
    django.core.cache.backends.redis.RedisCache into a scratch Redis database, read back
    as the raw bytes Django stored: `variants` per user for users 1..`users` and
    `anonymous` more for the cache engine; `rows` cached_db sessions (the row's
    session_data and the cache entry's bytes)."""
    import django
    from django.conf import settings

    users, variants, anonymous, rows = int(users), int(variants), int(anonymous), int(rows)
    location = "redis://%s:%s/%s" % (host, port, scratch_db)
    settings.configure(
        SECRET_KEY=SECRET_KEY,
        USE_TZ=True,
        INSTALLED_APPS=["django.contrib.sessions"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": scratch_sqlite}},
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                            "LOCATION": location, "KEY_PREFIX": PREFIX, "VERSION": int(VERSION)}},
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    )
    django.setup()
    import redis
    from django.contrib.sessions.backends.cache import SessionStore as CacheSession
    from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbSession
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("migrate", "sessions", verbosity=0)
    raw = redis.Redis.from_url(location)
    rng = random.Random(int(seed))

    def save(store_class, user):
        s = store_class()
        s.update(session_data(rng, user, store_class is CacheSession))
        expiry = expiry_kind(rng)
        if expiry:
            s.set_expiry(expiry)
        s.save()
        value = raw.get(cache.make_key(s.cache_key))
        assert value is not None, "Django's entry is not where the key rule says"
        return s, value

    cache_values = []
    for user in list(range(1, users + 1)) * variants + [None] * anonymous:
        s, value = save(CacheSession, user)
        cache_values.append({"value": base64.b64encode(value).decode(), "user": user,
                             "age": s.get_expiry_age()})
    cached_db = []
    from django.contrib.sessions.models import Session
    for i in range(rows):
        user = rng.randint(1, users) if rng.random() < 0.6 else None
        s, value = save(CachedDbSession, user)
        data = Session.objects.get(session_key=s.session_key).session_data
        cached_db.append({"data": data, "value": base64.b64encode(value).decode(), "user": user,
                          "age": s.get_expiry_age()})
    with open(out_path, "w") as f:
        json.dump({"django": django.get_version(), "redis_py": redis.__version__,
                   "cache": cache_values, "cached_db": cached_db}, f)


def role_python(op, host, port, db, user, naive=False):
    """What a Django developer writes today, with redis-py: SCAN the key pattern
    (COUNT 1000), MGET each page, pickle.loads every value, keep the exact session keys,
    filter, then print (list), add up (stats) or DEL (flush) per page. `naive`: the loop
    of most examples instead, scan_iter(match=...) (Redis's default COUNT of 10) and one
    GET (and PTTL, DEL) per key."""
    import pickle
    import redis

    r = redis.Redis(host=host, port=int(port), db=int(db))
    h = head("cache")
    exact = re.compile(re.escape(h.encode()) + rb"[a-z0-9]{32}")
    cursor = 0
    out = sys.stdout
    total = with_user = anonymous = nbytes = deleted = listed = 0
    ttl_min = ttl_max = None
    if naive:
        for k in r.scan_iter(match=h + "*"):
            if not exact.fullmatch(k):
                continue
            v = r.get(k)
            if v is None:
                continue
            try:
                data = pickle.loads(v)
            except Exception:
                continue
            uid = data.get("_auth_user_id") if isinstance(data, dict) else None
            if op == "stats":
                total += 1
                nbytes += len(v)
                with_user += uid is not None
                anonymous += uid is None
                t = r.pttl(k)
                ttl_min = t if ttl_min is None else min(ttl_min, t)
                ttl_max = t if ttl_max is None else max(ttl_max, t)
            elif uid == user and op == "list":
                out.write(json.dumps({"session_key": k[len(h):].decode(), "ttl_ms": r.pttl(k), "size": len(v),
                                      "user_id": user}) + "\n")
                listed += 1
            elif uid == user:
                deleted += r.delete(k)
        cursor = None
    while cursor is not None:
        cursor, keys = r.scan(cursor, match=h + "*", count=1000)
        # `cache*` also matches cached_db's keys: a careful loop checks the whole key.
        keys = [k for k in keys if exact.fullmatch(k)]
        if keys:
            if op == "stats":
                pipe = r.pipeline(transaction=False)
                for k in keys:
                    pipe.get(k)
                    pipe.pttl(k)
                got = pipe.execute()
                values, ttls = got[0::2], got[1::2]
            else:
                values, ttls = r.mget(keys), None
            mine = []
            for i, (k, v) in enumerate(zip(keys, values)):
                if v is None:
                    continue
                try:
                    data = pickle.loads(v)
                except Exception:
                    continue
                uid = data.get("_auth_user_id") if isinstance(data, dict) else None
                if op == "stats":
                    total += 1
                    nbytes += len(v)
                    if uid is None:
                        anonymous += 1
                    else:
                        with_user += 1
                    t = ttls[i]
                    ttl_min = t if ttl_min is None else min(ttl_min, t)
                    ttl_max = t if ttl_max is None else max(ttl_max, t)
                elif uid == user:
                    mine.append((k, len(v)))
            if mine and op == "list":
                pipe = r.pipeline(transaction=False)
                for k, _ in mine:
                    pipe.pttl(k)
                for (k, size), t in zip(mine, pipe.execute()):
                    out.write(json.dumps({"session_key": k[len(h):].decode(), "ttl_ms": t, "size": size,
                                          "user_id": user}) + "\n")
                    listed += 1
            elif mine and op == "flush":
                deleted += r.delete(*[k for k, _ in mine])
        if cursor == 0:
            cursor = None
    out.write(json.dumps({"total": total, "with_user": with_user, "anonymous": anonymous, "bytes": nbytes,
                          "ttl_min_ms": ttl_min, "ttl_max_ms": ttl_max, "deleted": deleted,
                          "listed": listed}) + "\n")


def role_floor_socket(host, port, db, pattern, count):
    """The floor over one raw socket: SCAN of the exact pattern, and for each page one
    MGET of its keys, sent together with the next SCAN (one round trip a page); the
    values are read off the socket and counted, never decoded."""
    r = Redis(host, int(port), int(db))
    rf = r.rf
    n = nbytes = 0
    r.sock.sendall(resp("SCAN", 0, "MATCH", pattern, "COUNT", int(count)))
    while True:
        cursor, keys = r.read()
        ask = [resp("MGET", *keys)] if keys else []
        if cursor != b"0":
            ask.append(resp("SCAN", cursor, "MATCH", pattern, "COUNT", int(count)))
        r.sock.sendall(b"".join(ask))
        if keys:
            line = rf.readline()
            for _ in range(int(line[1:-2])):
                size = int(rf.readline()[1:-2])
                if size >= 0:
                    rf.read(size + 2)
                    n += 1
                    nbytes += size
        if cursor == b"0":
            break
    print(json.dumps({"values": n, "bytes": nbytes}))


def role_feeder(batch):
    """Reads keys, one a line (redis-cli --scan), writes MGET requests of `batch` keys each
    (for redis-cli --pipe); prints nothing else."""
    batch = int(batch)
    out = sys.stdout.buffer
    keys = []
    for line in sys.stdin.buffer:
        keys.append(line.rstrip(b"\n"))
        if len(keys) == batch:
            out.write(resp(b"MGET", *keys))
            keys = []
    if keys:
        out.write(resp(b"MGET", *keys))


def role_pickle_cost(values_path, rounds):
    """CPython's own `pickle.loads` (the C unpickler) over the same values, CPU time."""
    import pickle

    values = read_values(values_path)
    started = time.process_time()
    for _ in range(int(rounds)):
        for v in values:
            pickle.loads(v)
    seconds = time.process_time() - started
    print(json.dumps({"values": len(values), "cpu_seconds": seconds,
                      "us_per_value": seconds / (len(values) * int(rounds)) * 1e6}))


def read_values(path):
    with open(path, "rb") as f:
        data = f.read()
    values, at = [], 0
    while at < len(data):
        n = int.from_bytes(data[at:at + 4], "little")
        values.append(data[at + 4:at + 4 + n])
        at += 4 + n
    return values


ROLES = {
    "payloads": lambda a: role_payloads(*a),
    "pickle-cost": lambda a: role_pickle_cost(*a),
    "python": lambda a: role_python(*a),
    "python-naive": lambda a: role_python(*a, naive=True),
    "floor-socket": lambda a: role_floor_socket(*a),
    "feeder": lambda a: role_feeder(*a),
}


# --------------------------------------------------------------------------------------
# The harness
# --------------------------------------------------------------------------------------

def run_measured(args, cmd, env=None):
    """`measured.run`, with the Redis server's CPU time over the same span (INFO cpu) as
    `server_cpu`."""
    monitor = Redis(args.host, args.port, CACHE_DB)
    cpu0 = monitor.server_cpu()
    run = measured.run(cmd, args.work, env)
    run.server_cpu = monitor.server_cpu() - cpu0
    monitor.close()
    return run


def ensure_venv(args):
    venv = os.path.join(args.work, "cache-venv")
    python = os.path.join(venv, "bin", "python")
    check = "import django, redis; assert django.get_version() == %r and redis.__version__ == %r" % (
        VENV_PACKAGES[0].split("==")[1], VENV_PACKAGES[3].split("==")[1])
    if os.path.exists(python) and subprocess.run([python, "-c", check], capture_output=True).returncode == 0:
        return python
    base = args.venv_python or find_python312()
    log("creating %s with %s from PyPI (Python %s)" % (venv, ", ".join(VENV_PACKAGES), base))
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.check_call([base, "-m", "venv", venv])
    subprocess.check_call([python, "-m", "pip", "install", "--quiet"] + VENV_PACKAGES)
    return python


def find_python312():
    """A Python Django 6.1 runs on (3.12 or newer): this one, one on PATH, or pyenv's."""
    if sys.version_info >= (3, 12):
        return sys.executable
    for name in ("python3.13", "python3.12"):
        path = shutil.which(name)
        if path and subprocess.run([path, "-c", "1"], capture_output=True).returncode == 0:
            return path
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    for minor in ("3.13", "3.12"):
        found = sorted(d for d in os.listdir(os.path.join(root, "versions")) if d.startswith(minor + ".")) \
            if os.path.isdir(os.path.join(root, "versions")) else []
        if found:
            return os.path.join(root, "versions", found[-1], "bin", "python3")
    raise SystemExit("Django 6.1 needs Python 3.12 or newer: give one with --venv-python")


def ensure_sessctl(args):
    if args.sessctl:
        return os.path.abspath(args.sessctl)
    log("cargo build --release")
    subprocess.check_call(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "sessctl")


def flush_db(args, db):
    r = Redis(args.host, args.port, db)
    r.call("FLUSHDB", "ASYNC")
    while r.call("DBSIZE"):
        time.sleep(0.05)
    r.close()


def get_payloads(args, python):
    path = os.path.join(args.work, "cache-payloads-%d-%d-%d-v%d.json"
                        % (args.users, args.variants, args.seed, FORMAT_VERSION))
    if not os.path.exists(path):
        log("writing %d sessions through Django's cache SessionStore and %d through cached_db's"
            % (args.users * args.variants + args.anonymous, args.row_payloads))
        scratch = os.path.join(args.work, "cache-scratch.sqlite3")
        if os.path.exists(scratch):
            os.remove(scratch)
        flush_db(args, CACHED_DB_DB)
        subprocess.check_call([python, os.path.abspath(__file__), "_role", "payloads", path + ".tmp",
                               args.host, str(args.port), str(CACHED_DB_DB), str(args.users),
                               str(args.variants), str(args.anonymous), str(args.row_payloads), scratch,
                               str(args.seed)])
        flush_db(args, CACHED_DB_DB)
        os.remove(scratch)
        os.rename(path + ".tmp", path)
    with open(path) as f:
        bundle = json.load(f)
    for kind in ("cache", "cached_db"):
        for p in bundle[kind]:
            p["value"] = base64.b64decode(p["value"])
    return bundle


def random_key(rng):
    return "".join(rng.choices(VALID_KEY_CHARS, k=32))


def remaining_ttl(rng, age):
    """Seconds an entry saved some time ago still has: anywhere in its age, floored at
    MIN_TTL so that nothing expires while the benchmark runs."""
    return max(MIN_TTL, int(rng.uniform(0, age)))


def decoys(rng, values, bench_values, n):
    """Entries of the same Redis database that are not this site's cache sessions: another
    KEY_PREFIX, another VERSION, cached_db's keys (which `…sessions.cache*` also matches),
    look-alike keys, and other cached data without expiry. Some hold the benchmarked
    user's sessions. Yields (key, value, ttl seconds or None)."""
    per = max(10, n // 100)
    for i in range(per * 2):
        yield head("cache", prefix="site2") + random_key(rng), rng.choice(values), DAY
    for i in range(per):
        yield head("cache", version="1") + random_key(rng), rng.choice(values), DAY
    for i in range(per):
        yield head("cached_db") + random_key(rng), rng.choice(values), DAY
    for v in bench_values:
        for k in (head("cache", prefix="site2") + random_key(rng), head("cached_db") + random_key(rng),
                  head("cache") + random_key(rng)[:31], head("cache") + random_key(rng) + "x",
                  head("cache") + random_key(rng).upper(), head("cache") + random_key(rng) + ":1"):
            yield k, v, DAY
    for i in range(per):
        yield "%s:%s:views.decorators.cache.cache_page.%032x" % (PREFIX, VERSION, rng.getrandbits(128)), \
            os.urandom(rng.randint(200, 4000)), None
    for i in range(100):
        yield "%s:%s:rl:%d.%d.%d.%d" % (PREFIX, VERSION, 10, rng.randrange(256), rng.randrange(256),
                                        rng.randrange(256)), b"%d" % rng.randint(1, 50), HOUR * 7


def load(args, db, entries):
    """SET … EX of every (key, value, ttl) in pipelines of 5,000 commands."""
    r = Redis(args.host, args.port, db)
    chunk = []
    n = 0
    for key, value, ttl in entries:
        chunk.append(resp("SET", key, value, "EX", ttl) if ttl else resp("SET", key, value))
        if len(chunk) == 5000:
            r.pipeline(chunk)
            n += len(chunk)
            chunk = []
    if chunk:
        r.pipeline(chunk)
        n += len(chunk)
    size = r.call("DBSIZE")
    r.close()
    if size != n:
        raise SystemExit("Redis db %d holds %d keys after loading %d (a key collision?)" % (db, size, n))
    return n


def cache_plan(args, n, bundle):
    """The cache engine's data set: n sessions under random keys, ~70% of them logged in
    (users 1..--users, uniformly), plus decoys. Returns (entries, meta)."""
    rng = random.Random(args.seed * 1_000_003 + n)
    by_user = {}
    anon = []
    for p in bundle["cache"]:
        (anon if p["user"] is None else by_user.setdefault(p["user"], [])).append(p)
    users = sorted(by_user)
    plan = []
    counts = {}
    for _ in range(n):
        if rng.random() < 0.7:
            u = rng.choice(users)
            p = rng.choice(by_user[u])
            counts[u] = counts.get(u, 0) + 1
        else:
            p = rng.choice(anon)
        plan.append((random_key(rng), p))
    bench_user = max(counts, key=lambda u: (counts[u], -u))
    bench_keys = [head("cache") + k for k, p in plan if p["user"] == bench_user]
    entries = [(head("cache") + k, p["value"], remaining_ttl(rng, p["age"])) for k, p in plan]
    decoy = list(decoys(rng, [p["value"] for p in bundle["cache"]], [p["value"] for p in by_user[bench_user]], n))
    meta = {
        "sessions": n,
        "decoys": len(decoy),
        "bench_user": str(bench_user),
        "bench_keys": bench_keys,
        "logged_in": sum(1 for _, p in plan if p["user"] is not None),
        "users": len(counts),
        "bytes": sum(len(p["value"]) for _, p in plan),
    }
    return entries + decoy, meta


def cached_db_base(args, n, bundle):
    """The cached_db data set: a SQLite file with n rows (Django's DDL, rows in creation
    order so expired and active rows interleave, half expired at the reference time), and
    the cache entries of every row plus decoys. The file is built once and cached."""
    stem = os.path.join(args.work, "cache-base-%d-%d-v%d" % (n, args.seed, FORMAT_VERSION))
    db_path, meta_path = stem + ".sqlite3", stem + ".json"
    rng = random.Random(args.seed * 7_000_003 + n)
    payloads = bundle["cached_db"]
    step = WINDOW / n
    plan = []
    for i in range(n):
        created = EPOCH + step * i + dt.timedelta(microseconds=rng.randrange(1, 1_000_000))
        p = rng.randrange(len(payloads))
        active_for = 0.0 if rng.random() < 0.5 else min(rng.expovariate(1 / (2 * DAY)), 20 * DAY)
        plan.append((random_key(rng), p, created + dt.timedelta(seconds=active_for + payloads[p]["age"])))
    expiries = sorted(e for _, _, e in plan)
    ref = expiries[n // 2]
    expired_keys = [k for k, _, e in plan if e < ref]
    # Every row has its entry (the most a purge can have to delete from the cache); the
    # TTLs of the cache are real time, the rows' expiry is judged at the reference time.
    entries = [(head("cached_db") + k, payloads[p]["value"],
                max(MIN_TTL, int((e - ref).total_seconds())) if e >= ref else MIN_TTL + rng.randrange(2 * DAY))
               for k, p, e in plan]
    decoy = []
    for i in range(max(10, n // 100)):
        decoy.append((head("cache") + random_key(rng), rng.choice(payloads)["value"], DAY))
        decoy.append((head("cached_db", prefix="site2") + random_key(rng), rng.choice(payloads)["value"], DAY))
        decoy.append(("%s:%s:views.decorators.cache.cache_page.%032x" % (PREFIX, VERSION, rng.getrandbits(128)),
                      os.urandom(rng.randint(200, 4000)), None))
    active = [(i + 1) for i, (_, _, e) in enumerate(plan) if not e < ref]
    meta = {"rows": n, "expired": len(expired_keys), "active": len(active), "active_rowid_sum": sum(active),
            "ref": rfc3339(ref), "ref_text": django_text(ref), "decoys": len(decoy),
            "data_bytes_avg": sum(len(payloads[p]["data"]) for _, p, _ in plan) / n}
    if not (os.path.exists(db_path) and os.path.exists(meta_path)):
        log("building %s (%d rows)" % (db_path, n))
        if os.path.exists(db_path):
            os.remove(db_path)
        con = sqlite3.connect(db_path + ".tmp", isolation_level=None)
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        for sql in DDL:
            con.execute(sql)
        con.execute("BEGIN")
        con.executemany('INSERT INTO "django_session" (session_key, session_data, expire_date) VALUES (?, ?, ?)',
                        ((k, payloads[p]["data"], django_text(e)) for k, p, e in plan))
        con.execute("COMMIT")
        con.close()
        os.rename(db_path + ".tmp", db_path)
        with open(meta_path, "w") as f:
            json.dump(meta, f)
    meta["file_bytes"] = os.path.getsize(db_path)
    return db_path, meta, entries + decoy, expired_keys


def fresh_copy(args, base, name):
    return measured.fresh_sqlite_copy(base, os.path.join(args.work, "cache-copy-%s.sqlite3" % name))


def exists_count(r, keys):
    """How many of `keys` exist (EXISTS of 1,000 keys at a time, pipelined)."""
    cmds = [resp("EXISTS", *keys[i:i + 1000]) for i in range(0, len(keys), 1000)]
    return sum(r.pipeline(cmds, chunk=50))


def sessctl_cmd(tools, db, *command):
    return [tools["sessctl"], "--cache-url", "redis://%s:%d/%d" % (tools["host"], tools["port"], db),
            "--cache-key-prefix", PREFIX, "--cache-version", VERSION, "--format", "json"] + list(command)


def floor_cli_cmd(args, db):
    """redis-cli --scan of the exact pattern, its keys cut into MGET requests of
    --scan-count keys, sent by redis-cli --pipe (which reads every reply and counts it).
    redis-cli before 7.2 has no --count: its SCAN asks for Redis's default of 10 keys."""
    cli = shlex.quote(args.redis_cli)
    conn = "-h %s -p %d -n %d" % (shlex.quote(args.host), args.port, db)
    count = " --count %d" % args.scan_count if cli_has_count(args) else ""
    return ["sh", "-c", "%s %s --scan --pattern %s%s | %s %s _role feeder %d | %s %s --pipe" % (
        cli, conn, shlex.quote(exact_pattern("cache")), count, shlex.quote(sys.executable),
        shlex.quote(os.path.abspath(__file__)), args.scan_count, cli, conn)]


def cli_has_count(args):
    text = subprocess.run([args.redis_cli, "--help"], capture_output=True, text=True)
    return "--count" in text.stdout + text.stderr


CACHE_OPS = ("list", "stats", "flush")
LABELS = {
    "sessctl": "sessctl",
    "python": "Python loop (redis-py, pickle.loads)",
    "python-naive": "Python loop, one GET per key",
    "floor-cli": "floor: redis-cli --scan | MGET --pipe",
    "floor-socket": "floor: SCAN + MGET, one socket",
}


def cache_round(args, tools, meta, op, name):
    """One contender on one operation, checked: list and flush must find exactly the
    benchmarked user's sessions, stats must count every session, the floors must read
    every session's value, and after a flush exactly that user's keys must be gone (they
    are restored afterwards from DUMP, with their TTLs)."""
    db = CACHE_DB
    user = meta["bench_user"]
    want = len(meta["bench_keys"])
    r = Redis(args.host, args.port, db)
    size_before = r.call("DBSIZE")
    dumps = None
    if op == "flush":
        dumps = r.pipeline([resp("DUMP", k) for k in meta["bench_keys"]])
        pttls = r.pipeline([resp("PTTL", k) for k in meta["bench_keys"]])
    if name == "sessctl":
        cmd = sessctl_cmd(tools, db, *{"list": ["list", "--user", user], "stats": ["stats"],
                                       "flush": ["flush", "--user", user]}[op])
    elif name in ("python", "python-naive"):
        cmd = [tools["python"], os.path.abspath(__file__), "_role", name, op, args.host, str(args.port),
               str(db), user]
    elif name == "floor-socket":
        cmd = [sys.executable, os.path.abspath(__file__), "_role", "floor-socket", args.host, str(args.port),
               str(db), exact_pattern("cache"), str(args.scan_count)]
    else:
        cmd = floor_cli_cmd(args, db)
    run = run_measured(args, cmd)
    out = run.json()
    problem = None
    if name.startswith("floor"):
        if name == "floor-socket" and out.get("values") != meta["sessions"]:
            problem = "read %s values of %d" % (out.get("values"), meta["sessions"])
        if name == "floor-cli":
            m = re.search(r"errors: (\d+), replies: (\d+)", run.stdout)
            batches = -(-meta["sessions"] // args.scan_count)
            if not m or m.group(1) != "0" or int(m.group(2)) != batches:
                problem = "redis-cli --pipe: %s" % run.stdout.strip()[-200:]
    elif op == "list":
        listed = [json.loads(line) for line in run.stdout.splitlines() if line.strip().startswith("{")]
        if name.startswith("python"):
            listed = listed[:-1]
        keys = sorted(head("cache") + row["session_key"] for row in listed)
        if keys != sorted(meta["bench_keys"]):
            problem = "listed %d sessions, expected the %d of user %s" % (len(keys), want, user)
    elif op == "stats":
        total = out.get("total")
        with_user = out["cache"]["with_user"] if name == "sessctl" else out.get("with_user")
        if (total, with_user) != (meta["sessions"], meta["logged_in"]):
            problem = "counted %s sessions (%s with a user), expected %d (%d)" % (
                total, with_user, meta["sessions"], meta["logged_in"])
    elif op == "flush":
        deleted = out.get("deleted")
        gone = size_before - r.call("DBSIZE")
        left = exists_count(r, meta["bench_keys"])
        if (deleted, gone, left) != (want, want, 0):
            problem = "deleted %s (expected %d), %d keys gone from the database, %d of the user's left" % (
                deleted, want, gone, left)
        # Put the user's sessions back as they were (value and remaining TTL).
        r.pipeline([resp("RESTORE", k, max(1, t), d, "REPLACE")
                    for k, t, d in zip(meta["bench_keys"], pttls, dumps)])
    if r.call("DBSIZE") != size_before:
        problem = problem or "the database holds %d keys, not %d" % (r.call("DBSIZE"), size_before)
    r.close()
    if problem:
        raise SystemExit("%s %s: %s" % (LABELS[name], op, problem))
    return {"wall": run.wall, "cpu": run.cpu, "maxrss_kib": run.maxrss_kib, "server_cpu": run.server_cpu}


def cached_db_round(args, tools, base, meta, entries, expired_keys, name):
    """sessctl clear-expired on a fresh copy of the table: `cached_db` with the cache (db 13
    loaded afresh) or `db` alone. Checked: exactly the active rows are left, and for
    cached_db exactly the purged rows' entries are gone from the cache."""
    path = fresh_copy(args, base, name)
    url = "sqlite:///" + path
    if name == "cached_db":
        flush_db(args, CACHED_DB_DB)
        load(args, CACHED_DB_DB, entries)
        cmd = sessctl_cmd(tools, CACHED_DB_DB, "-d", url, "--now", meta["ref"], "clear-expired")
    else:
        cmd = [tools["sessctl"], "--format", "json", "-d", url, "--engine", "db", "--now", meta["ref"],
               "clear-expired"]
    r = Redis(args.host, args.port, CACHED_DB_DB)
    size_before = r.call("DBSIZE")
    run = run_measured(args, cmd)
    out = run.json()
    measured.verify_purged(path, meta, name)
    if out.get("deleted") != meta["expired"]:
        raise SystemExit("%s clear-expired deleted %s rows, expected %d" % (name, out.get("deleted"), meta["expired"]))
    if name == "cached_db":
        gone = size_before - r.call("DBSIZE")
        left = exists_count(r, [head("cached_db") + k for k in expired_keys])
        if (out.get("cache_deleted"), gone, left) != (meta["expired"], meta["expired"], 0):
            raise SystemExit("cached_db clear-expired: cache_deleted %s, %d keys gone, %d purged rows' entries "
                             "left (expected %d, %d, 0)" % (out.get("cache_deleted"), gone, left,
                                                             meta["expired"], meta["expired"]))
    r.close()
    measured.remove_sqlite(path)
    return {"wall": run.wall, "cpu": run.cpu, "maxrss_kib": run.maxrss_kib, "server_cpu": run.server_cpu,
            "batches": out.get("batches")}


def ensure_cache_decode(args):
    """bench/cache_decode.rs, built next to the sessctl binary in use (or in target/release)."""
    if args.sessctl:
        tool = os.path.join(os.path.dirname(os.path.abspath(args.sessctl)), "examples", "cache-decode")
        if os.path.exists(tool):
            return tool
    log("cargo build --release --example cache-decode")
    subprocess.check_call(["cargo", "build", "--release", "--quiet", "--example", "cache-decode"], cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "examples", "cache-decode")


def decode_costs(args, tools, bundle, rounds=5):
    """CPU time per value of decoding the Django-written cache values in memory, on one
    thread: sessctl's reader (bench/cache_decode.rs) and CPython's pickle.loads."""
    path = os.path.join(args.work, "cache-values.bin")
    with open(path, "wb") as f:
        for p in bundle["cache"]:
            f.write(len(p["value"]).to_bytes(4, "little") + p["value"])
    ours = json.loads(subprocess.check_output([ensure_cache_decode(args), path, str(rounds)]))
    if ours["undecodable"]:
        raise SystemExit("sessctl could not decode %d of Django's values" % ours["undecodable"])
    cpython = json.loads(subprocess.check_output([tools["python"], os.path.abspath(__file__), "_role",
                                                  "pickle-cost", path, str(rounds)]))
    os.remove(path)
    return {"sessctl": ours, "cpython": cpython}


def server_costs(args, rounds=2):
    """Redis's CPU time (INFO cpu) for the reads the contenders make of the loaded cache
    database, from one client: SCAN of the exact pattern alone (COUNT 5000, as sessctl),
    then over the keys it found, in pages of 5,000, one MGET a page (the floor), GET and
    PTTL of every key pipelined (sessctl), and one MGET plus a PTTL per key."""
    r = Redis(args.host, args.port, CACHE_DB)
    monitor = Redis(args.host, args.port, CACHE_DB)
    pattern = exact_pattern("cache")
    out = {}

    def scan():
        keys, cursor, calls = [], b"0", 0
        while True:
            cursor, page = r.call("SCAN", cursor, "MATCH", pattern, "COUNT", 5000)
            keys.extend(page)
            calls += 1
            if cursor == b"0":
                return keys, calls

    shapes = {
        "MGET a page": lambda ks: [resp("MGET", *ks)],
        "GET + PTTL a key": lambda ks: [c for k in ks for c in (resp("GET", k), resp("PTTL", k))],
        "MGET a page + PTTL a key": lambda ks: [resp("MGET", *ks)] + [resp("PTTL", k) for k in ks],
    }
    for _ in range(rounds):
        cpu0 = monitor.server_cpu()
        keys, calls = scan()
        out.setdefault("SCAN alone", []).append(monitor.server_cpu() - cpu0)
        for name, build in shapes.items():
            cpu0 = monitor.server_cpu()
            for i in range(0, len(keys), 5000):
                r.pipeline(build(keys[i:i + 5000]), chunk=20000)
            out.setdefault(name, []).append(monitor.server_cpu() - cpu0)
    r.close()
    monitor.close()
    return {"keys": len(keys), "scan_calls": calls, "cpu": out}


def median_of(runs, field):
    values = [r[field] for r in runs if r[field] is not None]
    return statistics.median(values) if values else None


def spread(runs):
    if len(runs) < 2:
        return ""
    return " (%s–%s)" % (measured.fmt_s(min(r["wall"] for r in runs)).split()[0], measured.fmt_s(max(r["wall"] for r in runs)))


def machine_note(args):
    cpu = measured.cpu_model()
    r = Redis(args.host, args.port, CACHE_DB)
    version = r.info("server").get("redis_version", "?")
    r.close()
    return "%d cores (%s), Redis %s at %s:%d" % (os.cpu_count() or 0, cpu, version, args.host, args.port)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "_role":
        ROLES[sys.argv[2]](sys.argv[3:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", default="1000000",
                    help="comma list of sizes, each run in full (e.g. 100000,1000000: memory at two sizes)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per contender, round robin (the median is shown)")
    ap.add_argument("--skip", default="", help="comma list of: list, stats, flush, cached_db, server, decode")
    ap.add_argument("--contenders", default="sessctl,python,python-naive,floor-cli,floor-socket",
                    help="comma list of: sessctl, python, python-naive (one round only), floor-cli, floor-socket")
    ap.add_argument("--sessctl", help="sessctl binary (default: cargo build --release)")
    ap.add_argument("--venv-python", help="the Python (3.12+) to make bench/work/cache-venv with")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=6379)
    ap.add_argument("--redis-cli", default="redis-cli")
    ap.add_argument("--users", type=int, default=10_000, help="distinct logged-in users")
    ap.add_argument("--variants", type=int, default=2, help="Django-written sessions per user")
    ap.add_argument("--anonymous", type=int, default=2_000, help="Django-written anonymous sessions")
    ap.add_argument("--row-payloads", type=int, default=400, help="Django-written cached_db sessions")
    ap.add_argument("--scan-count", type=int, default=1000, help="SCAN COUNT and MGET size of the floors")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    ap.add_argument("--json", help="also write all figures to this file")
    args = ap.parse_args()
    args.work = os.path.abspath(args.work)
    os.makedirs(args.work, exist_ok=True)
    skip = set(filter(None, args.skip.split(",")))
    names = [n for n in args.contenders.split(",") if n]
    unknown = set(names) - set(LABELS)
    if unknown:
        ap.error("unknown contender(s): %s" % ", ".join(sorted(unknown)))
    sizes = [int(s) for s in args.sessions.split(",")]

    python = ensure_venv(args)
    tools = {"sessctl": ensure_sessctl(args), "python": python, "host": args.host, "port": args.port}
    bundle = get_payloads(args, python)
    note = machine_note(args)
    results = {"machine": note, "django": bundle["django"], "redis_py": bundle["redis_py"], "sizes": {}}
    print("sessctl Redis and cached_db benchmark — %s" % note)
    print("payloads: %d cache sessions and %d cached_db sessions written by Django %s (RedisCache, redis-py %s)\n"
          % (len(bundle["cache"]), len(bundle["cached_db"]), bundle["django"], bundle["redis_py"]), flush=True)
    if "decode" not in skip:
        log("decoding cost of the cache values alone")
        costs = decode_costs(args, tools, bundle)
        print("Decoding the %d Django-written cache values in memory, one thread, CPU time per value:"
              " sessctl %.2f µs, CPython pickle.loads %.2f µs\n"
              % (costs["sessctl"]["values"], costs["sessctl"]["us_per_value"], costs["cpython"]["us_per_value"]),
              flush=True)
        results["decode"] = costs
    memory = []
    for n in sizes:
        res = results["sizes"][n] = {}
        if not {"list", "stats", "flush"} <= skip:
            entries, meta = cache_plan(args, n, bundle)
            log("loading %d sessions and %d decoys into Redis db %d" % (n, meta["decoys"], CACHE_DB))
            flush_db(args, CACHE_DB)
            t0 = time.perf_counter()
            load(args, CACHE_DB, entries)
            load_s = time.perf_counter() - t0
            del entries
            r = Redis(args.host, args.port, CACHE_DB)
            used = int(r.info("memory")["used_memory"])
            r.close()
            print("cache engine: %d sessions (%d logged in, %d users; %.0f bytes per value on average) + %d decoys"
                  " in db %d (loaded in %.1f s; Redis used_memory %.0f MiB); user %s has %d sessions"
                  % (n, meta["logged_in"], meta["users"], meta["bytes"] / n, meta["decoys"], CACHE_DB, load_s,
                     used / 2 ** 20, meta["bench_user"], len(meta["bench_keys"])), flush=True)
            ops = [op for op in CACHE_OPS if op not in skip]
            runs = {(op, name): [] for op in ops for name in names}
            for i in range(args.repeat):
                for op in ops:
                    for name in names:
                        if name.startswith("floor") and op != ops[0] and len(ops) > 1:
                            continue  # the floor reads the same for every operation
                        if name == "python-naive" and i > 0:
                            continue  # one round: it is slow, and far from the others
                        log("%d: %s %d/%d: %s" % (n, op, i + 1, args.repeat, LABELS[name]))
                        runs[(op, name)].append(cache_round(args, tools, meta, op, name))
            floors = [median_of(runs[(ops[0], f)], "wall") for f in ("floor-cli", "floor-socket")
                      if f in names and runs[(ops[0], f)]]
            floor = min(floors) if floors else None
            rows = []
            for op in ops:
                base = median_of(runs[(op, "sessctl")], "wall") if "sessctl" in names else None
                for name in names:
                    rs = runs[(op, name)] or (runs[(ops[0], name)] if name.startswith("floor") else [])
                    if not rs:
                        continue
                    wall = median_of(rs, "wall")
                    label = LABELS[name] if not name.startswith("floor") else LABELS[name] + " (any op)"
                    rows.append([op if not name.startswith("floor") else "-", label, measured.fmt_s(wall) + spread(rs),
                                 measured.fmt_s(median_of(rs, "cpu")), measured.fmt_s(median_of(rs, "server_cpu")),
                                 measured.fmt_mib(max(r["maxrss_kib"] for r in rs)),
                                 "%.2f×" % (wall / floor) if floor else "-",
                                 "%.1f×" % (wall / base) if base and name.startswith("python") else "-",
                                 "%.0f/s" % (n / wall)])
                if "sessctl" in names:
                    memory.append((n, op, runs[(op, "sessctl")]))
            print("Cache engine, %d sessions (wall incl. process start; median of %d)" % (n, args.repeat))
            measured.print_table(["op", "contender", "wall", "cpu", "redis cpu", "peak RSS", "× floor", "× sessctl",
                         "sessions/s"], rows)
            res["cache"] = {"meta": {k: v for k, v in meta.items() if k != "bench_keys"},
                            "runs": {"%s/%s" % k: v for k, v in runs.items()}}
            if "server" not in skip:
                log("%d: Redis CPU of each way to read the values" % n)
                costs = server_costs(args)
                print("Redis CPU time to read the %d session values (one client, pages of 5,000; %d SCAN calls;"
                      " %d rounds)" % (costs["keys"], costs["scan_calls"], len(costs["cpu"]["SCAN alone"])))
                measured.print_table(["request", "redis cpu"],
                            [[name, " – ".join(measured.fmt_s(x) for x in (min(v), max(v)))]
                             for name, v in costs["cpu"].items()])
                res["server"] = costs
            flush_db(args, CACHE_DB)

        if "cached_db" not in skip:
            base, meta, entries, expired_keys = cached_db_base(args, n, bundle)
            print("cached_db: %d rows (%d expired at %s), %.1f MiB file, session_data %.0f bytes on average;"
                  " every row's entry + %d decoys in Redis db %d" % (
                      n, meta["expired"], meta["ref"], meta["file_bytes"] / 2 ** 20, meta["data_bytes_avg"],
                      meta["decoys"], CACHED_DB_DB), flush=True)
            cruns = {"cached_db": [], "db": []}
            for i in range(args.repeat):
                for name in ("cached_db", "db"):
                    log("%d: clear-expired %d/%d: --engine %s" % (n, i + 1, args.repeat, name))
                    cruns[name].append(cached_db_round(args, tools, base, meta, entries, expired_keys, name))
            flush_db(args, CACHED_DB_DB)
            db_wall = median_of(cruns["db"], "wall")
            rows = []
            for name, label in (("db", "sessctl --engine db (the table alone)"),
                                ("cached_db", "sessctl cached_db (table + cache keys)")):
                rs = cruns[name]
                wall = median_of(rs, "wall")
                rows.append([label, measured.fmt_s(wall) + spread(rs), measured.fmt_s(median_of(rs, "cpu")),
                             measured.fmt_s(median_of(rs, "server_cpu")), measured.fmt_mib(max(r["maxrss_kib"] for r in rs)),
                             "%.2f×" % (wall / db_wall), rs[0]["batches"]])
            memory.append((n, "cached_db clear-expired", cruns["cached_db"]))
            print("cached_db clear-expired of %d expired rows and their %d cache entries (median of %d)"
                  % (meta["expired"], meta["expired"], args.repeat))
            measured.print_table(["contender", "wall", "cpu", "redis cpu", "peak RSS", "× db", "batches"], rows)
            res["cached_db"] = {"meta": meta, "runs": cruns}
            del entries, expired_keys

    if len(sizes) > 1 and memory:
        print("sessctl peak RSS against the number of sessions")
        ops = []
        for _, op, _ in memory:
            if op not in ops:
                ops.append(op)
        rows = []
        for op in ops:
            row = [op]
            for n in sizes:
                rs = [r for m, o, r in memory if m == n and o == op]
                row.append(measured.fmt_mib(max(x["maxrss_kib"] for x in rs[0])) if rs else "-")
            rows.append(row)
        measured.print_table(["sessctl"] + ["%d" % n for n in sizes], rows)

    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=str)


if __name__ == "__main__":
    main()
