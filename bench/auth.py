#!/usr/bin/env python3
"""Auth-state benchmark for sessctl: `list --auth stale`, `purge --stale`, `flush --email`
against the `list --user` fast path (no user table) and against Django's own
`get_user()` loop, on SQLite, PostgreSQL and MySQL/MariaDB. It prints figures; it is not
a test and asserts no timing (it does stop when sessctl and Django disagree on which
sessions are stale).

    python3 bench/auth.py --sessions 1000000 --users 100000 --repeat 3

The harness needs Python 3 (standard library only), a Rust toolchain (it runs
`cargo build --release` unless `--sessctl PATH` names a binary), the servers it is
asked to use, and a virtualenv with Django 6.1.3, psycopg and PyMySQL from PyPI, made
with tools/django-fixtures/sessfix/venvs.py under `--venv-root` (default
target/django-venvs, shared with the fixture generator). See bench/README-auth.md for
what every figure means.

The same file runs the subprocess roles that need Django (making the data, loading a
database, Django's loop), so that every contender runs in its own process, with its own
wall time, CPU time and peak RSS.
"""

import argparse
import datetime as dt
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time

import measured

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURES = os.path.join(ROOT, "tools", "django-fixtures")

DJANGO = "6.1.3"
SECRET_KEY = "bench-only-auth-secret-key-7c1e9a3b5d2f4e6a8c0b9d1f3e5a7c2b4d6f8a0e"
BACKEND = "django.contrib.auth.backends.ModelBackend"
# Django's own PBKDF2 hasher at a low iteration count, as the fixture generator uses:
# `pbkdf2_sha256$1000$<salt>$<hash>` is read by any Django. The session hash is an HMAC
# of this string, so its cost does not depend on the iterations.
PBKDF2_ITERATIONS = 100
KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
SALT_CHARS = KEY_CHARS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
UTC = dt.timezone.utc
# The reference time ("now") of every run, sessctl's --now and Django's timezone.now().
NOW = dt.datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
DB_NAME = "sessctl_bench_auth"
FORMAT_VERSION = 1  # bump when the generated data changes, to invalidate cached bundles

# The mix, as shares (see README-auth.md): of all sessions, EXPIRED_SHARE are expired;
# of the rest, ANON_SHARE carry no user. Users: CHANGED_SHARE changed their password
# after logging in (STALE_OF_CHANGED of their sessions are from before), DELETED_SHARE
# were deleted after logging in; MISSING_HASH_SHARE of logged-in sessions lack the hash.
EXPIRED_SHARE = 0.10
ANON_SHARE = 0.15
CHANGED_SHARE = 0.18
STALE_OF_CHANGED = 0.85
DELETED_SHARE = 0.02
MISSING_HASH_SHARE = 0.003


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# Roles that run inside the Django virtualenv
# --------------------------------------------------------------------------------------

def setup_django(url):
    """Configures Django for the database `url` names (sqlite:///PATH, postgres://…,
    mysql://…)."""
    sys.path.insert(0, FIXTURES)
    from sessfix import databases
    import django
    from django.conf import settings
    if url.startswith("sqlite:"):
        db = {"ENGINE": "django.db.backends.sqlite3", "NAME": url[len("sqlite://"):]}
    else:
        db, _ = databases.django_database(url, None)
    settings.configure(
        SECRET_KEY=SECRET_KEY,
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth",
                        "django.contrib.sessions"],
        DATABASES={"default": db},
        USE_TZ=True,
        AUTHENTICATION_BACKENDS=[BACKEND],
    )
    django.setup()


def role_payloads(argv):
    """Makes the users and sessions once, with Django's own code, into a bundle (an SQLite
    file) that every database is loaded from."""
    out_path, sessions, users, seed = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    setup_django("sqlite://:memory:")
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    rng = random.Random(seed)
    hasher = PBKDF2PasswordHasher()
    store = SessionStore()

    def salt():
        return "".join(rng.choices(SALT_CHARS, k=22))

    def session_hash(pk, password):
        return User(id=pk, password=password).get_session_auth_hash()

    ids = list(range(1, users + 1))
    changed = set(rng.sample(ids, int(users * CHANGED_SHARE)))
    deleted = set(rng.sample([i for i in ids if i not in changed], int(users * DELETED_SHARE)))
    joined0 = NOW - dt.timedelta(days=900)
    user_rows = []
    # (hash at login, hash after the password change or None) per user
    hashes = {}
    for pk in ids:
        first = hasher.encode("password-%d-0" % pk, salt(), PBKDF2_ITERATIONS)
        final = hasher.encode("password-%d-1" % pk, salt(), PBKDF2_ITERATIONS) if pk in changed else first
        hashes[pk] = (session_hash(pk, first), session_hash(pk, final) if pk in changed else None)
        joined = joined0 + dt.timedelta(seconds=rng.randrange(800 * 86400))
        user_rows.append((pk, "user%06d" % pk, "user%06d@example.test" % pk, final,
                          joined.isoformat(), (NOW - dt.timedelta(seconds=rng.randrange(30 * 86400))).isoformat(),
                          int(pk in deleted)))
    log("  %d users (%d changed their password, %d deleted)" % (users, len(changed), len(deleted)))

    # Some users have many sessions, most a few: a user is drawn with weight 1/(rank^0.6).
    weights = [1.0 / ((r + 1) ** 0.6) for r in range(users)]
    order = ids[:]
    rng.shuffle(order)
    drawn = rng.choices(order, weights=weights, k=sessions)
    db = sqlite3.connect(out_path)
    db.executescript("""
        DROP TABLE IF EXISTS users; DROP TABLE IF EXISTS sessions; DROP TABLE IF EXISTS meta;
        CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, email TEXT, password TEXT,
                            date_joined TEXT, last_login TEXT, deleted INTEGER);
        CREATE TABLE sessions (n INTEGER PRIMARY KEY, session_key TEXT, session_data TEXT,
                               expire_date TEXT, user_id INTEGER, kind TEXT);
        CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT);
    """)
    db.executemany("INSERT INTO users VALUES (?,?,?,?,?,?,?)", user_rows)
    keys = set()
    rows = []
    t0 = time.perf_counter()
    for n in range(sessions):
        key = "".join(rng.choices(KEY_CHARS, k=32))
        while key in keys:
            key = "".join(rng.choices(KEY_CHARS, k=32))
        keys.add(key)
        expired = rng.random() < EXPIRED_SHARE
        if expired:
            expire = NOW - dt.timedelta(seconds=rng.randrange(1, 30 * 86400))
        else:
            expire = NOW + dt.timedelta(seconds=rng.randrange(3600, 14 * 86400))
        data = {}
        pk = None
        if rng.random() < ANON_SHARE:
            kind = "anonymous"
        else:
            pk = drawn[n]
            old, new = hashes[pk]
            data["_auth_user_id"] = str(pk)
            data["_auth_user_backend"] = BACKEND
            if rng.random() < MISSING_HASH_SHARE:
                kind = "missing_hash"
            elif new is not None and rng.random() < STALE_OF_CHANGED:
                data["_auth_user_hash"] = old
                kind = "stale"
            else:
                data["_auth_user_hash"] = new or old
                kind = "valid"
            if pk in deleted:
                kind = "user_deleted"
        if expired:
            kind = "expired"
        # What sites keep beside the login: a language, a cart, recently viewed items.
        r = rng.random()
        if r < 0.3:
            data["django_language"] = rng.choice(["en", "de", "fr", "nl", "pt-br"])
        if r < 0.2:
            data["cart"] = [{"sku": "SKU-%05d" % rng.randrange(100000), "qty": rng.randrange(1, 5)}
                            for _ in range(rng.randrange(1, 6))]
        if 0.2 <= r < 0.45:
            data["recently_viewed"] = [rng.randrange(1, 10 ** 6) for _ in range(rng.randrange(1, 12))]
        rows.append((n, key, store.encode(data), expire.isoformat(), pk, kind))
        if len(rows) == 20000:
            db.executemany("INSERT INTO sessions VALUES (?,?,?,?,?,?)", rows)
            rows = []
            if (n + 1) % 200000 == 0:
                log("  %d sessions encoded (%.0f s)" % (n + 1, time.perf_counter() - t0))
    db.executemany("INSERT INTO sessions VALUES (?,?,?,?,?,?)", rows)
    db.executemany("INSERT INTO meta VALUES (?,?)", [
        ("format", str(FORMAT_VERSION)), ("sessions", str(sessions)), ("users", str(users)),
        ("seed", str(seed)), ("django", __import__("django").get_version())])
    db.commit()
    db.close()


def role_load(argv):
    """Loads one database from the bundle: Django's migrations, the users through the ORM
    (then the deleted ones deleted through it), the sessions as rows."""
    url, bundle = argv[0], argv[1]
    setup_django(url)
    from django.core.management import call_command
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    src = sqlite3.connect(bundle)
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    users = [User(id=pk, username=u, email=e, password=p,
                  date_joined=dt.datetime.fromisoformat(j), last_login=dt.datetime.fromisoformat(ll))
             for pk, u, e, p, j, ll, _ in src.execute("SELECT * FROM users ORDER BY id")]
    with transaction.atomic():
        User.objects.bulk_create(users, batch_size=2000)
    deleted = [pk for (pk,) in src.execute("SELECT id FROM users WHERE deleted = 1")]
    with transaction.atomic():
        for i in range(0, len(deleted), 500):
            User.objects.filter(id__in=deleted[i:i + 500]).delete()
    log("  users: %d created, %d deleted (%.0f s)" % (len(users), len(deleted), time.perf_counter() - t0))
    t0 = time.perf_counter()
    cur = src.execute("SELECT session_key, session_data, expire_date FROM sessions ORDER BY n")
    table = connection.ops.quote_name("django_session")
    sql = "INSERT INTO %s (session_key, session_data, expire_date) VALUES (%%s, %%s, %%s)" % table
    total = 0
    while True:
        chunk = cur.fetchmany(10000)
        if not chunk:
            break
        rows = [(k, d, dt.datetime.fromisoformat(e)) for k, d, e in chunk]
        with transaction.atomic(), connection.cursor() as c:
            if connection.vendor == "postgresql":
                with c.cursor.copy("COPY django_session (session_key, session_data, expire_date) FROM STDIN") as cp:
                    for r in rows:
                        cp.write_row(r)
            else:
                c.executemany(sql, rows)
        total += len(rows)
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            connection.connection.autocommit = True
            c.execute("VACUUM ANALYZE")
        elif connection.vendor == "mysql":
            c.execute("ANALYZE TABLE django_session, auth_user")
        else:
            c.execute("ANALYZE")
    log("  sessions: %d rows (%.0f s)" % (total, time.perf_counter() - t0))


def role_django(argv):
    """Django's own verdict on each session: `get_user()` on a request whose session is
    `SessionStore(key)`, the loop a Django developer writes. Django flushes a session
    whose hash no longer matches (or that has none); here flush() is recorded and the
    row left, so the data stays the same for every contender (Django's DELETE is not
    timed: it only makes Django slower)."""
    url, keys_path, out_path = argv[0], argv[1], argv[2]
    setup_django(url)
    import django.utils.timezone
    django.utils.timezone.now = lambda: NOW
    from django.contrib.auth import HASH_SESSION_KEY, get_user
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.http import HttpRequest

    # Patched on the class itself: a subclass would have another key_salt (Django salts
    # the signature with the class's __qualname__) and load nothing.
    def flush(self):
        self.flushed = True
        self.clear()
        self._session_key = None

    SessionStore.flushed = False
    SessionStore.flush = flush

    if keys_path == "-":
        keys = (s for s in Session.objects.values_list("session_key", flat=True).iterator(chunk_size=2000))
    else:
        with open(keys_path) as f:
            keys = [line.strip() for line in f if line.strip()]
    counts = {"sessions": 0, "logged_in": 0, "stale": 0, "missing_hash": 0, "anonymous": 0}
    stale_keys = []
    t0 = time.perf_counter()
    for key in keys:
        request = HttpRequest()
        request.session = store = SessionStore(key)
        had_hash = bool(store.get(HASH_SESSION_KEY))
        user = get_user(request)
        counts["sessions"] += 1
        if user.is_authenticated:
            counts["logged_in"] += 1
        elif store.flushed:
            if had_hash:
                counts["stale"] += 1
                stale_keys.append(key)
            else:
                counts["missing_hash"] += 1
        else:
            counts["anonymous"] += 1
    counts["seconds"] = time.perf_counter() - t0
    with open(out_path, "w") as f:
        f.write("\n".join(stale_keys))
    print(json.dumps(counts))


ROLES = {"payloads": role_payloads, "load": role_load, "django": role_django}


# --------------------------------------------------------------------------------------
# The harness (standard library only)
# --------------------------------------------------------------------------------------

def ensure_venv(args):
    if args.django_python:
        return args.django_python
    sys.path.insert(0, FIXTURES)
    from sessfix import venvs
    return venvs.ensure(args.venv_root, venvs.pinned(DJANGO, servers=True))


def ensure_sessctl(args):
    if args.sessctl:
        return os.path.abspath(args.sessctl)
    log("cargo build --release")
    subprocess.check_call(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    return os.path.join(target, "release", "sessctl")


def role_cmd(python, role, *argv):
    return [python, os.path.abspath(__file__), "_role", role] + [str(a) for a in argv]


def get_bundle(args, python):
    path = os.path.join(args.work, "auth-bundle-%d-%d-%d.sqlite3" % (args.sessions, args.users, args.seed))
    if os.path.exists(path) and not args.rebuild:
        try:
            db = sqlite3.connect(path)
            fmt = db.execute("SELECT v FROM meta WHERE k = 'format'").fetchone()
            db.close()
            if fmt and fmt[0] == str(FORMAT_VERSION):
                return path
        except sqlite3.Error:
            pass
    log("making %d sessions and %d users with Django %s" % (args.sessions, args.users, DJANGO))
    tmp = path + ".tmp"
    if os.path.exists(tmp):
        os.remove(tmp)
    subprocess.check_call(role_cmd(python, "payloads", tmp, args.sessions, args.users, args.seed))
    os.replace(tmp, path)
    return path


def plan(bundle):
    """What the bundle holds: counts per kind, the user for flush --email and the floor."""
    db = sqlite3.connect(bundle)
    kinds = dict(db.execute("SELECT kind, count(*) FROM sessions GROUP BY kind"))
    # A user who has a few live, valid sessions (and no others), as a support request names.
    row = db.execute("""
        SELECT u.id, u.email, count(*) AS c FROM users u JOIN sessions s ON s.user_id = u.id
        WHERE u.deleted = 0 GROUP BY u.id
        HAVING c BETWEEN 4 AND 6 AND sum(s.kind <> 'valid') = 0 ORDER BY u.id LIMIT 1""").fetchone()
    total = db.execute("SELECT count(*) FROM sessions").fetchone()[0]
    sizes = db.execute("SELECT avg(length(session_data)), sum(session_data LIKE '.%') FROM sessions").fetchone()
    db.close()
    return {"kinds": kinds, "bench_user": row[0], "bench_email": row[1], "bench_sessions": row[2],
            "sessions": total, "mean_size": sizes[0], "compressed": sizes[1]}


def sample_keys(args, bundle, path, n):
    db = sqlite3.connect(bundle)
    keys = [k for (k,) in db.execute("SELECT session_key FROM sessions ORDER BY n")]
    db.close()
    if n and n < len(keys):
        keys = random.Random(args.seed + 1).sample(keys, n)
    with open(path, "w") as f:
        f.write("\n".join(keys) + "\n")
    return set(keys)


def expected_stale(bundle, keys=None):
    db = sqlite3.connect(bundle)
    stale = {k for (k,) in db.execute("SELECT session_key FROM sessions WHERE kind = 'stale'")}
    db.close()
    return stale if keys is None else stale & keys


def database_url(args, engine):
    if engine == "sqlite":
        return "sqlite://" + os.path.join(os.path.abspath(args.work), "auth-%d.sqlite3" % args.sessions)
    if engine == "postgres":
        return args.postgres_url.rsplit("/", 1)[0] + "/" + DB_NAME
    return args.mysql_url.rsplit("/", 1)[0] + "/" + DB_NAME


def recreate(python, engine, url, base_url):
    if engine == "sqlite":
        path = url[len("sqlite://"):]
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return
    code = ("import sys; sys.path.insert(0, %r); from sessfix import databases; "
            "databases.recreate(%r, %r)" % (FIXTURES, base_url, DB_NAME))
    subprocess.check_call([python, "-c", code])


def drop(python, engine, url):
    if engine == "sqlite":
        path = url[len("sqlite://"):]
        if os.path.exists(path):
            os.remove(path)
        return
    code = ("import sys; sys.path.insert(0, %r); from sessfix import databases; databases.drop(%r)"
            % (FIXTURES, url))
    subprocess.check_call([python, "-c", code])


def sessctl_url(url):
    # sessctl's SQLite URLs are sqlite:////absolute/path
    return "sqlite:///" + url[len("sqlite://"):] if url.startswith("sqlite://") else url


def sessctl_cmd(tools, url, *command):
    return [tools["sessctl"], "--database-url", sessctl_url(url), "--secret-key-file", tools["key_file"],
            "--now", NOW.strftime("%Y-%m-%dT%H:%M:%SZ")] + list(command)


def csv_keys(path):
    with open(path) as f:
        lines = f.read().splitlines()
    return {line.split(",", 1)[0] for line in lines[1:] if line}


def median_run(args, work, cmd, first_out=None):
    """`--repeat` runs; the first writes its stdout to `first_out` (None: read back, for a
    JSON report), the others to /dev/null. The median wall time, its range, the median
    CPU, the largest peak RSS, and the first run's report."""
    runs = [measured.run(work=work, cmd=cmd, stdout_path=first_out if i == 0 else "/dev/null") for i in range(args.repeat)]
    walls = sorted(r.wall for r in runs)
    return ({"wall": statistics.median(walls), "min": walls[0], "max": walls[-1],
             "cpu": statistics.median([r.cpu for r in runs]) if runs[0].cpu is not None else None,
             "rss": max(r.maxrss_kib for r in runs), "runs": [r.wall for r in runs]}, runs[0].json())


def bench_engine(args, tools, engine, bundle, meta):
    url = database_url(args, engine)
    python = tools["python"]
    log("%s: loading %s" % (engine, sessctl_url(url)))
    recreate(python, engine, url, args.postgres_url if engine == "postgres" else args.mysql_url)
    t0 = time.perf_counter()
    subprocess.check_call(role_cmd(python, "load", url, bundle))
    log("%s: loaded in %.0f s" % (engine, time.perf_counter() - t0))
    work = args.work
    res = {"engine": engine}
    try:
        # The timed runs give the counts too: the first list run writes its CSV to a file
        # (the others to /dev/null), the purge and flush runs print their JSON reports.
        check_csv = os.path.join(work, "auth-stale-%s.csv" % engine)
        cmds = [
            ("list --auth stale --format csv", ["--format", "csv", "list", "--auth", "stale"], check_csv),
            ("purge --stale --dry-run", ["--format", "json", "purge", "--stale", "--dry-run"], None),
            ("flush --email ADDRESS --dry-run", ["--format", "json", "flush", "--email", meta["bench_email"],
                                                 "--dry-run"], None),
            ("floor: list --user ID --format csv", ["--format", "csv", "list", "--user", str(meta["bench_user"])],
             "/dev/null"),
        ]
        res["sessctl"] = {}
        reports = {}
        for name, command, first_out in cmds:
            log("%s: sessctl %s" % (engine, name))
            res["sessctl"][name], reports[name] = median_run(args, work, sessctl_cmd(tools, url, *command), first_out)
            log("   %s" % ", ".join("%.2f s" % w for w in res["sessctl"][name]["runs"]))
        sessctl_stale = csv_keys(check_csv)
        res["counts"] = {"list_stale": len(sessctl_stale),
                         "purge": reports["purge --stale --dry-run"].get("matched"),
                         "flush": reports["flush --email ADDRESS --dry-run"].get("matched")}
        # Django's loop: on a sample of the table (or all of it), extrapolated.
        n = args.django_sample if args.django_sample and args.django_sample < meta["sessions"] else 0
        keys_path = os.path.join(work, "auth-keys-%d.txt" % n)
        sample = sample_keys(args, bundle, keys_path, n)
        out_path = os.path.join(work, "auth-django-stale-%s.txt" % engine)
        log("%s: Django get_user() over %d sessions" % (engine, len(sample)))
        run = measured.run(work=work, cmd=role_cmd(python, "django", url, keys_path, out_path))
        dj = run.json()
        with open(out_path) as f:
            django_stale = {line for line in f.read().splitlines() if line}
        scale = meta["sessions"] / dj["sessions"]
        res["django"] = {"sessions": dj["sessions"], "loop": dj["seconds"], "wall": run.wall, "cpu": run.cpu,
                         "rss": run.maxrss_kib, "projected": dj["seconds"] * scale + (run.wall - dj["seconds"]),
                         "counts": dj}
        # The check: the same sessions are stale for both, exactly.
        expected = expected_stale(bundle, sample)
        within = sessctl_stale & sample
        res["check"] = {
            "sample": len(sample),
            "django_stale": len(django_stale),
            "sessctl_stale_in_sample": len(within),
            "same_keys": within == django_stale,
            "generated_stale_in_sample": len(expected),
            "sessctl_stale": len(sessctl_stale),
            "generated_stale": meta["kinds"].get("stale", 0),
            "django_flushed": dj["stale"] + dj["missing_hash"],
        }
        if within != django_stale:
            raise SystemExit("%s: sessctl and Django disagree on stale sessions: %d only sessctl's, %d only Django's"
                             % (engine, len(within - django_stale), len(django_stale - within)))
    finally:
        if not args.keep:
            drop(python, engine, url)
    return res


ENGINE_NAME = {"sqlite": "SQLite", "postgres": "PostgreSQL", "mysql": "MariaDB/MySQL"}


def report(args, meta, results):
    kinds = meta["kinds"]
    print("%d sessions (mean %.0f bytes, %d compressed), %d users; generated: %s"
          % (meta["sessions"], meta["mean_size"], meta["compressed"], args.users,
             ", ".join("%s %d" % (k, kinds[k]) for k in sorted(kinds))))
    print("flush --email / floor user: %s (id %d, %d sessions); wall = median of %d"
          % (meta["bench_email"], meta["bench_user"], meta["bench_sessions"], args.repeat))
    print()
    rows = []
    for res in results:
        eng = ENGINE_NAME[res["engine"]]
        floor = res["sessctl"]["floor: list --user ID --format csv"]["wall"]
        dj = res["django"]
        for name, r in res["sessctl"].items():
            vs_django = ("%.1f" % (dj["projected"] / r["wall"])) if not name.startswith("floor") else ""
            rows.append([eng, "sessctl " + name, measured.fmt_s(r["wall"]), "%s–%s" % (measured.fmt_s(r["min"]), measured.fmt_s(r["max"])),
                         measured.fmt_s(r["cpu"]), measured.fmt_mib(r["rss"]), "%.2f" % (r["wall"] / floor), vs_django])
        sampled = dj["sessions"] < meta["sessions"]
        rows.append([eng, "Django get_user() loop" + (" (%d sessions, ×%d)" % (dj["sessions"], meta["sessions"] // dj["sessions"]) if sampled else ""),
                     measured.fmt_s(dj["projected"]), ("loop %s" % measured.fmt_s(dj["loop"])) if sampled else "", measured.fmt_s(dj["cpu"]),
                     measured.fmt_mib(dj["rss"]), "%.2f" % (dj["projected"] / floor), "1.0"])
    measured.print_table(["database", "contender", "wall", "range / measured", "CPU", "peak RSS", "× floor", "Django ÷ sessctl"], rows)
    rows = []
    for res in results:
        c, k = res["check"], res["counts"]
        rows.append([ENGINE_NAME[res["engine"]], c["sample"], c["django_stale"], c["sessctl_stale_in_sample"],
                     "yes" if c["same_keys"] else "NO", c["sessctl_stale"], c["generated_stale"],
                     k["purge"], k["flush"]])
    measured.print_table(["database", "Django's sessions", "Django stale", "sessctl stale there", "same keys",
                 "sessctl stale (all)", "generated stale", "purge --stale matched", "flush --email matched"], rows)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "_role":
        ROLES[sys.argv[2]](sys.argv[3:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=1_000_000)
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--databases", default="sqlite,postgres,mysql", help="comma list of: sqlite, postgres, mysql")
    ap.add_argument("--postgres-url", default=os.environ.get("SESSCTL_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
                    help="server to use; the harness makes and drops its own database %s there" % DB_NAME)
    ap.add_argument("--mysql-url", default=os.environ.get("SESSCTL_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql"))
    ap.add_argument("--repeat", type=int, default=3, help="runs per sessctl command (the median is shown)")
    ap.add_argument("--django-sample", type=int, default=100_000,
                    help="sessions for Django's loop, extrapolated to the table (0: all of them)")
    ap.add_argument("--sessctl", help="sessctl binary (default: cargo build --release)")
    ap.add_argument("--django-python", help="a Python with Django %s, psycopg and PyMySQL (default: a venv under --venv-root)" % DJANGO)
    ap.add_argument("--venv-root", default=os.path.join(ROOT, "target", "django-venvs"))
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rebuild", action="store_true", help="make the bundle anew")
    ap.add_argument("--keep", action="store_true", help="keep the databases")
    ap.add_argument("--json", help="also write every figure to this file")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    python = ensure_venv(args)
    tools = {"python": python, "sessctl": ensure_sessctl(args), "key_file": os.path.join(args.work, "auth-secret-key")}
    with open(tools["key_file"], "w") as f:
        f.write(SECRET_KEY + "\n")
    bundle = get_bundle(args, python)
    meta = plan(bundle)
    log("bundle: %s" % json.dumps(meta))
    results = []
    for engine in [e for e in args.databases.split(",") if e]:
        results.append(bench_engine(args, tools, engine, bundle, meta))
        report(args, meta, results)
        sys.stdout.flush()
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"meta": meta, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
