"""End-to-end proof on a real Django app: users log in on the `cache` and `cached_db`
engines (Django's test client, the full middleware stack), sessctl runs, and the users'
next requests are anonymous, while everything else in the cache is untouched: another
user's session, another site's session of the same user (another KEY_PREFIX), and
entries that are not sessions.  It runs on each cache backend asked for:

* `redis`: Django's RedisCache, database N of the Redis server given;
* `memcached`: Django's PyMemcacheCache on a memcached of its own (started on a free
  loopback port, stopped at the end);
* `db`: Django's DatabaseCache, a `createcachetable` table in the app's SQLite database;
* `file`: Django's FileBasedCache in a temporary directory.

On each: `flush --user 1` (two sessions), then `expire KEY` of user 2's session.
FileBasedCache cannot be listed: on the cache engine `flush --user 1` must exit 2 and
say so, touching nothing, and `flush KEY KEY` logs user 1 out instead (cached_db lists
the table).  DatabaseCache and FileBasedCache keep expired entries: there a session
expired by `expire KEY` and never read again is deleted by `clear-expired`, which leaves
live entries and an expired value that is not a session alone.  Every entry of the
cache is read before and after each command: exactly the expected ones are deleted (or,
for `expire` on a cache that keeps expired entries, rewritten with an expiry of now),
nothing else changes, and the other entries keep their expiry.

    python -m sessfix.cache.e2e --sessctl target/debug/sessctl --redis-url URL --redis-db N
        [--backends redis,memcached,db,file] [--memcached BINARY]

Exits 1 with the first failed expectation.  Empties Redis database N first and
afterwards.
"""

import argparse
import datetime as dt
import hashlib
import os
import pickle
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from urllib.parse import unquote

PREFIX, VERSION = "e2e[site]", 2
OTHER_PREFIX = "other-site"
BACKENDS = ("redis", "memcached", "db", "file")
CACHE_TABLE = "e2e_cache"
ENGINES = ("cache", "cached_db")
USER_1 = {"_auth_user_id": "1", "_auth_user_backend":
          "django.contrib.auth.backends.ModelBackend", "_auth_user_hash": "x"}


def whoami(request):
    from django.http import HttpResponse
    user = request.user
    return HttpResponse(str(user.pk) if user.is_authenticated else "anonymous")


def login_view(request, uid):
    from django.contrib.auth import login
    from django.contrib.auth.models import User
    from django.http import HttpResponse
    login(request, User.objects.get(pk=uid))
    return HttpResponse("ok")


urlpatterns = []


class Failed(Exception):
    pass


def fail(message):
    raise Failed(message)


def cache_key(engine, session_key, prefix=PREFIX):
    return "%s:%d:django.contrib.sessions.%s%s" % (prefix, VERSION, engine, session_key)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Memcached:
    """A memcached of the run's own, and a raw text-protocol view of it."""

    def __init__(self, binary):
        self.port = free_port()
        argv = [binary, "-l", "127.0.0.1", "-p", str(self.port), "-U", "0", "-m", "16"]
        if os.geteuid() == 0:
            argv += ["-u", "root"]  # memcached refuses to run as root without it
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            try:
                if self.command(b"version\r\n").startswith(b"VERSION"):
                    break
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise Failed("memcached exited %d: %s" % (
                    self.proc.returncode, self.proc.stderr.read().decode(errors="replace")))
            if time.monotonic() > deadline:
                self.stop()
                raise Failed("memcached on port %d did not answer `version`" % self.port)
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def command(self, request, until=None):
        """One request; the reply up to `until` (default: the first line)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
            s.sendall(request)
            buf = b""
            while not (buf.endswith(until) if until else buf.endswith(b"\r\n")):
                data = s.recv(65536)
                if not data:
                    break
                buf += data
            return buf

    def entries(self):
        """{key: value bytes} of every item: `lru_crawler metadump hash` (a walk of the
        hash table: a walk of the LRUs misses items the LRU maintainer is moving between
        them), then `mg` of each."""
        for _ in range(100):
            dump = self.command(b"lru_crawler metadump hash\r\n", until=b"END\r\n")
            if not dump.startswith(b"BUSY"):
                break
            time.sleep(0.1)
        else:
            raise Failed("memcached: the LRU crawler stayed busy")
        if not dump.endswith(b"END\r\n"):
            raise Failed("memcached: lru_crawler metadump hash answered %r" % dump[:200])
        keys = [unquote(field[4:]) for line in dump.decode().splitlines()
                for field in line.split(" ") if field.startswith("key=")]
        out = {}
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
            reader = s.makefile("rb")
            for key in keys:
                s.sendall(("mg %s v\r\n" % key).encode())
                head = reader.readline()
                if head.startswith(b"VA "):
                    size = int(head.split()[1])
                    out[key] = reader.read(size + 2)[:size]
        return out


class Backend:
    """One cache backend: its CACHES entry, how sessctl is told about it, and every
    entry it holds, read without Django."""
    name = ""
    lists = True            # sessctl can list its keys (flush --user works)
    keeps_expired = False   # entries stay after they expire, until read or purged

    def caches(self):
        raise NotImplementedError

    def sessctl_args(self, engine, db_path):
        raise NotImplementedError

    def entries(self):
        """{entry name: stored bytes}: the key (the file name for FileBasedCache)."""
        raise NotImplementedError

    def name_of(self, key):
        """The entry name of a full cache key."""
        return key

    def expiry(self, key):
        """The expiry of an entry, epoch seconds, or None when it never expires."""
        raise NotImplementedError

    def close(self):
        pass


class RedisBackend(Backend):
    name = "redis"

    def __init__(self, url, db):
        import redis
        self.location = "%s/%d" % (url.rstrip("/"), db)
        self.r = redis.Redis.from_url(self.location)
        self.r.flushdb()

    def caches(self):
        return "django.core.cache.backends.redis.RedisCache", self.location

    def sessctl_args(self, engine, db_path):
        return ["--cache-url", self.location]

    def entries(self):
        return {k.decode(): self.r.get(k) for k in self.r.keys("*")}

    def expiry(self, key):
        left = self.r.pttl(key)
        if left == -2:
            fail("redis: %s is not there" % key)
        return None if left == -1 else time.time() + left / 1000

    def close(self):
        self.r.flushdb()


class MemcachedBackend(Backend):
    name = "memcached"

    def __init__(self, binary):
        self.server = Memcached(binary)

    def caches(self):
        return ("django.core.cache.backends.memcached.PyMemcacheCache",
                "127.0.0.1:%d" % self.server.port)

    def sessctl_args(self, engine, db_path):
        return ["--cache-url", "memcached://127.0.0.1:%d" % self.server.port]

    def entries(self):
        return self.server.entries()

    def expiry(self, key):
        reply = self.server.command(("mg %s t\r\n" % key).encode()).decode().split()
        if reply[:1] != ["HD"]:
            fail("memcached: %s is not there (%r)" % (key, reply))
        left = int(next(w[1:] for w in reply if w.startswith("t")))
        return None if left == -1 else time.time() + left

    def close(self):
        self.server.stop()


class DatabaseBackend(Backend):
    name = "db"
    keeps_expired = True

    def __init__(self, db_path):
        self.db_path = db_path

    def caches(self):
        return "django.core.cache.backends.db.DatabaseCache", CACHE_TABLE

    def sessctl_args(self, engine, db_path):
        # A database URL and a cache URL mean cached_db unless the engine is named.
        return ["--cache-url", "db://" + CACHE_TABLE] + (
            ["--engine", "cache"] if engine == "cache" else [])

    def rows(self):
        with sqlite3.connect(self.db_path) as conn:
            return conn.execute("SELECT cache_key, value, expires FROM %s" % CACHE_TABLE
                                ).fetchall()

    def entries(self):
        return {key: (value, expires) for key, value, expires in self.rows()}

    def expiry(self, key):
        for k, _, expires in self.rows():
            if k == key:
                when = dt.datetime.fromisoformat(expires)
                if when.year == 9999:
                    return None  # datetime.max: timeout None
                return when.replace(tzinfo=when.tzinfo or dt.timezone.utc).timestamp()
        fail("db: %s has no row" % key)


class FileBackend(Backend):
    name = "file"
    lists = False
    keeps_expired = True

    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "filecache")
        os.makedirs(self.dir)

    def caches(self):
        return "django.core.cache.backends.filebased.FileBasedCache", self.dir

    def sessctl_args(self, engine, db_path):
        return ["--cache-url", "file://" + self.dir]

    def entries(self):
        out = {}
        for name in os.listdir(self.dir):
            with open(os.path.join(self.dir, name), "rb") as f:
                out[name] = f.read()
        return out

    def name_of(self, key):
        # Django's FileBasedCache._key_to_file: the md5 of the full key.
        return hashlib.md5(key.encode()).hexdigest() + ".djcache"

    def expiry(self, key):
        with open(os.path.join(self.dir, self.name_of(key)), "rb") as f:
            return pickle.load(f)


def run(ns):
    tmp = tempfile.mkdtemp(prefix="sessctl-e2e")
    db_path = os.path.join(tmp, "db.sqlite3")
    backends = []
    try:
        import django
        from django.conf import settings
        from django.urls import path
        settings.configure(
            SECRET_KEY="e2e-secret-key-not-for-production",
            ALLOWED_HOSTS=["testserver"],
            USE_TZ=True,
            INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth",
                            "django.contrib.sessions"],
            MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                        "django.contrib.auth.middleware.AuthenticationMiddleware"],
            ROOT_URLCONF=__name__,
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": db_path}},
            DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        )
        django.setup()
        urlpatterns[:] = [path("whoami", whoami), path("login/<int:uid>", login_view)]
        from django.contrib.auth.models import User
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        for uid in (1, 2):
            User.objects.create_user(id=uid, username="user%d" % uid, password="pw%d" % uid)
        for name in ns.backends:
            if name == "redis":
                backend = RedisBackend(ns.redis_url, ns.redis_db)
            elif name == "memcached":
                binary = shutil.which(ns.memcached)
                if binary is None:
                    fail("memcached: %s is not installed (apt-get install memcached)"
                         % ns.memcached)
                backend = MemcachedBackend(binary)
            elif name == "db":
                backend = DatabaseBackend(db_path)
            else:
                backend = FileBackend(tmp)
            backends.append(backend)
            for engine in ENGINES:
                prove(ns, backend, engine, db_path)
        return 0
    except Failed as e:
        print("cache-e2e: FAILED: %s" % e, file=sys.stderr)
        return 1
    finally:
        for backend in backends:
            backend.close()
        shutil.rmtree(tmp, ignore_errors=True)


def prove(ns, backend, engine, db_path):
    from django.contrib.sessions.models import Session
    from django.core.cache import caches
    from django.core.management import call_command
    from django.test import Client, override_settings

    label = "%s engine on %s" % (engine, backend.name)
    cls, location = backend.caches()
    conf = {"BACKEND": cls, "LOCATION": location}
    with override_settings(
            CACHES={"default": dict(conf, KEY_PREFIX=PREFIX, VERSION=VERSION),
                    "other": dict(conf, KEY_PREFIX=OTHER_PREFIX, VERSION=VERSION)},
            SESSION_ENGINE="django.contrib.sessions.backends." + engine):
        if isinstance(backend, DatabaseBackend):
            call_command("createcachetable", verbosity=0)
        cache, other = caches["default"], caches["other"]
        cache.clear()
        Session.objects.all().delete()
        # What else lives in the same cache: another site's session of user 1, data.
        other_session = cache_key("cache", "o" * 32, OTHER_PREFIX)
        other.set("django.contrib.sessions.cache" + "o" * 32, USER_1, 3600)
        cache.set("profile:1", USER_1, 3600)
        cache.set("hits", 5, None)
        live = [other_session, "%s:%d:profile:1" % (PREFIX, VERSION),
                "%s:%d:hits" % (PREFIX, VERSION)]
        expired_other = cache_key("cache", "e" * 32, OTHER_PREFIX)
        if backend.keeps_expired:
            # Already expired when written (timeout 0): a value that is not a session,
            # and another site's session.
            cache.set("counter", 7, 0)
            other.set("django.contrib.sessions.cache" + "e" * 32, USER_1, 0)

        base = [ns.sessctl, "--cache-key-prefix", PREFIX, "--cache-version", str(VERSION)]
        base += backend.sessctl_args(engine, db_path)
        if engine == "cached_db" or isinstance(backend, DatabaseBackend):
            base += ["--database-url", "sqlite:///" + db_path]

        logins = [("a", 1), ("b", 1), ("c", 2)] + ([("d", 2)] if backend.keeps_expired else [])
        names = [n for n, _ in logins]
        clients = {name: Client() for name in names}
        for name, uid in logins:
            if clients[name].get("/login/%d" % uid).content != b"ok":
                fail("%s: login of user %d" % (label, uid))

        def who(*which):
            return [clients[n].get("/whoami").content.decode() for n in which]

        def users(want, when):
            got = who(*names)
            if got != want:
                fail("%s: %s the users are %r, expected %r" % (label, when, got, want))

        users([str(uid) for _, uid in logins], "after login")
        session_of = {n: clients[n].cookies["sessionid"].value for n in names}
        entry = {n: backend.name_of(cache_key(engine, session_of[n])) for n in names}

        def sessctl(*args, code=0):
            done = subprocess.run(base + list(args), capture_output=True, text=True)
            said = (done.stdout + done.stderr).strip()
            print("%s: sessctl %s: %s" % (label, " ".join(args), said), file=sys.stderr)
            if done.returncode != code:
                fail("%s: sessctl %s exited %d, expected %d"
                     % (label, " ".join(args), done.returncode, code))
            return said

        def changes(before, what):
            after = backend.entries()
            gone = set(before) - set(after)
            changed = {k for k in set(before) & set(after) if before[k] != after[k]}
            added = set(after) - set(before)
            if added:
                fail("%s: after %s the cache has new entries %r" % (label, what, added))
            return gone, changed

        def expect(before, what, gone=(), changed=()):
            got_gone, got_changed = changes(before, what)
            if got_gone != set(gone) or got_changed != set(changed):
                fail("%s: %s deleted %r and changed %r, expected deleted %r, changed %r"
                     % (label, what, got_gone, got_changed, set(gone), set(changed)))

        def rows():
            return set(Session.objects.values_list("session_key", flat=True))

        # flush --user 1: both sessions of user 1 end, nothing else changes.
        before, rows_before = backend.entries(), rows()
        missing = [n for n in names if entry[n] not in before]
        if missing:
            fail("%s: the sessions of %r are not in the cache" % (label, missing))
        rest = [str(uid) for _, uid in logins[2:]]
        # cached_db finds a user's sessions in the table; the cache engine needs a cache
        # that can be listed.
        finds_users = backend.lists or engine == "cached_db"
        if finds_users:
            sessctl("flush", "--user", "1")
            users(["anonymous", "anonymous"] + rest, "after flush --user 1")
            expect(before, "flush --user 1", gone={entry["a"], entry["b"]})
        else:
            said = sessctl("flush", "--user", "1", code=2)
            if "cannot be listed" not in said:
                fail("%s: flush --user 1 did not say that the cache cannot be listed"
                     % label)
            users([str(uid) for _, uid in logins], "after the refused flush --user 1")
            expect(before, "the refused flush --user 1")
            if rows() != rows_before:
                fail("%s: the refused flush --user 1 changed the table" % label)
            sessctl("flush", session_of["a"], session_of["b"])
            users(["anonymous", "anonymous"] + rest, "after flush KEY KEY")
            expect(before, "flush KEY KEY", gone={entry["a"], entry["b"]})
        if engine == "cached_db" and rows() != rows_before - {session_of["a"], session_of["b"]}:
            fail("%s: after the flush the rows are %r" % (label, rows()))

        # expire KEY of user 2's session c.
        before = backend.entries()
        sessctl("expire", session_of["c"])
        if backend.keeps_expired and engine == "cache":
            # The entry stays, with an expiry of now, until Django's next read.
            expect(before, "expire", changed={entry["c"]})
            if backend.expiry(cache_key(engine, session_of["c"])) > time.time():
                fail("%s: after expire the entry of c expires in the future" % label)
        else:
            expect(before, "expire", gone={entry["c"]})
        if who("c") != ["anonymous"]:
            fail("%s: after expire the user of c is %s" % (label, who("c")))
        expect(before, "expire and a request of c", gone={entry["c"]})

        if backend.keeps_expired:
            # clear-expired: session d, expired and never read again, is deleted.
            sessctl("expire", session_of["d"])
            before, rows_before = backend.entries(), rows()
            sessctl("clear-expired")
            if engine == "cached_db":
                # The table's purge, then the cache keys of the purged rows (d's is
                # gone already: expire deleted it).
                expect(before, "clear-expired")
                if rows() != rows_before - {session_of["c"], session_of["d"]}:
                    fail("%s: clear-expired left the rows %r" % (label, rows()))
            elif backend.lists:
                expect(before, "clear-expired", gone={entry["d"]})
            else:
                # A FileBasedCache entry holds no key: every expired session goes,
                # another site's too (Django deletes it at its next read anyway).
                expect(before, "clear-expired",
                       gone={entry["d"], backend.name_of(expired_other)})
            if who("d") != ["anonymous"]:
                fail("%s: after clear-expired the user of d is %s" % (label, who("d")))
            if backend.name_of("%s:%d:counter" % (PREFIX, VERSION)) not in backend.entries():
                fail("%s: clear-expired deleted an expired value that is not a session"
                     % label)

        now = backend.entries()
        for key in live:
            if backend.name_of(key) not in now:
                fail("%s: %r was touched" % (label, key))
        # Their expiry too (Redis and memcached keep it beside the value).
        for key, timeout in zip(live, (3600, 3600, None)):
            expiry = backend.expiry(key)
            if timeout is None and expiry is not None or timeout is not None and (
                    expiry is None or expiry - time.time() < timeout - 600):
                fail("%s: the expiry of %r was changed" % (label, key))
        print("cache-e2e: %s: %s logged the users out, nothing else touched"
              % (label, ", ".join(
                  (["flush --user"] if finds_users else ["flush KEY (flush --user: exit 2)"])
                  + ["expire"] + (["clear-expired"] if backend.keeps_expired else []))),
              file=sys.stderr)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessctl", required=True)
    ap.add_argument("--redis-url", required=True)
    ap.add_argument("--redis-db", type=int, required=True)
    ap.add_argument("--backends", default=",".join(BACKENDS),
                    help="comma-separated, of %s (default: all)" % ", ".join(BACKENDS))
    ap.add_argument("--memcached", default="memcached", help="the memcached binary")
    ns = ap.parse_args(argv)
    ns.backends = [b.strip() for b in ns.backends.split(",") if b.strip()]
    unknown = [b for b in ns.backends if b not in BACKENDS]
    if unknown or not ns.backends:
        ap.error("--backends: unknown %r; choose from %s" % (unknown, ", ".join(BACKENDS)))
    return run(ns)


if __name__ == "__main__":
    sys.exit(main())
