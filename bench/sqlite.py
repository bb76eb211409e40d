#!/usr/bin/env python3
"""SQLite benchmark for sessctl: purge speed, peak memory, decode throughput and what
batching buys a live Django app. It prints figures; it is not a test and asserts no
timing (it does fail loudly when a contender deletes the wrong rows).

    python3 bench/sqlite.py --rows 1000000

Needs Python 3 (stdlib only) for the harness, and a Python with Django for the payloads,
Django's `clearsessions` and Django's decode loop: --django-python PATH, or else a
virtualenv made under bench/work/venv with Django from PyPI. See bench/README.md for
what every figure means.

The same file runs the small subprocess roles (payloads, raw-delete, naive, clearsessions,
probe, django-decode), so that every contender runs in its own process, with its own
wall time, CPU time and peak RSS.
"""

import argparse
import copy
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

# The SECRET_KEY the payloads are signed with; sessctl gets it through DJANGO_SECRET_KEY.
SECRET_KEY = "bench-only-secret-key-8c1f0b5e2a7d4e6f9a3b1c0d5e7f2a4b6c8d0e1f3a5b"
TABLE = "django_session"
# Django's exact DDL (SPEC.md §1.1, `sqlmigrate sessions 0001` on SQLite).
DDL = [
    'CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, '
    '"session_data" text NOT NULL, "expire_date" datetime NOT NULL)',
    'CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date")',
]
VALID_KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
UTC = dt.timezone.utc
# Creation times of the rows start here; the reference time ("now") falls in the middle.
EPOCH = dt.datetime(2025, 3, 1, tzinfo=UTC)
WINDOW = dt.timedelta(days=60)
DAY = 86400
COOKIE_AGE = 14 * DAY  # SESSION_COOKIE_AGE default
FORMAT_VERSION = 1  # bump when the generated data changes, to invalidate cached bases


def django_text(t):
    """expire_date as Django writes it on SQLite with USE_TZ=True (SPEC.md §1.2)."""
    text = t.strftime("%Y-%m-%d %H:%M:%S")
    return text + (".%06d" % t.microsecond if t.microsecond else "")


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S") + (".%06d" % t.microsecond if t.microsecond else "") + "Z"


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# Roles run in subprocesses
# --------------------------------------------------------------------------------------

def setup_django(db_path):
    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY=SECRET_KEY,
        INSTALLED_APPS=["django.contrib.sessions"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": db_path}},
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    )
    django.setup()


def role_payloads(out_path, count, users, seed):
    """A few hundred distinct session_data values made by Django's own SessionStore.encode
    (signed with SECRET_KEY, zlib-compressed when that is shorter, exactly as Django
    stores them), of encoded sizes spread over 100–2000 bytes."""
    setup_django(":memory:")
    import django
    from django.contrib.sessions.backends.db import SessionStore

    rng = random.Random(seed)
    store = SessionStore()
    words = ("alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima "
             "mike november oscar papa quebec romeo sierra tango uniform victor").split()

    def token(n):
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                       for _ in range(n))

    payloads = []
    for i in range(count):
        # Expiry kind: most sessions live SESSION_COOKIE_AGE; some call set_expiry(seconds)
        # (short anonymous carts, long "remember me"), which stores _session_expiry.
        kind = rng.choices(["default", "short", "remember"], weights=[75, 15, 10])[0]
        # Sizes: many small sessions, a long tail up to 2000 bytes.
        target = int(rng.choice([rng.uniform(100, 400), rng.uniform(300, 1200), rng.uniform(1000, 2000)]))
        data = {}
        user = None
        if rng.random() < 0.6:
            user = rng.randint(1, users)
            data["_auth_user_id"] = str(user)
            data["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
            data["_auth_user_hash"] = "%064x" % rng.getrandbits(256)
        if kind == "short":
            data["_session_expiry"] = rng.choice([1800, 3600, 7200, 86400])
        elif kind == "remember":
            data["_session_expiry"] = 30 * DAY
        if rng.random() < 0.3:
            data["django_language"] = rng.choice(["en", "fr", "de", "es", "pt-br"])
        extras = [
            lambda: data.setdefault("cart", []).append(
                {"sku": "P-%06d" % rng.randint(0, 999999), "qty": rng.randint(1, 5),
                 "note": " ".join(rng.sample(words, 2))}),
            lambda: data.setdefault("recently_viewed", []).append(rng.randint(1, 10 ** 6)),
            lambda: data.__setitem__("form_%d" % len(data), token(rng.randint(8, 40))),
        ]
        encoded = store.encode(data)
        grow = rng.choice(extras)
        while len(encoded) < target:
            before = copy.deepcopy(data)
            grow()
            grown = store.encode(data)
            if len(grown) > 2000:  # stepped past the top: keep the last size that fitted
                data = before
                break
            encoded = grown
            if rng.random() < 0.2:
                grow = rng.choice(extras)
        payloads.append({"data": encoded, "user": user, "kind": kind,
                         "expiry": data.get("_session_expiry")})
    with open(out_path, "w") as f:
        json.dump({"django": django.get_version(), "payloads": payloads}, f)


def role_raw_delete(db_path, ref_text):
    """One `DELETE ... WHERE expire_date < ?`: Django's clear_expired without the ORM."""
    con = sqlite3.connect(db_path, isolation_level=None)
    con.execute("BEGIN")
    n = con.execute('DELETE FROM "django_session" WHERE expire_date < ?', (ref_text,)).rowcount
    con.execute("COMMIT")
    print(json.dumps({"deleted": n, "batches": 1}))


def role_naive(db_path, ref_text, batch):
    """Batches of `batch` rows walking the expire_date index, one transaction each."""
    con = sqlite3.connect(db_path, isolation_level=None)
    total = batches = 0
    while True:
        n = con.execute(
            'DELETE FROM "django_session" WHERE session_key IN (SELECT session_key FROM '
            '"django_session" WHERE expire_date < ? ORDER BY expire_date LIMIT ?)',
            (ref_text, int(batch))).rowcount
        if n <= 0:
            break
        total += n
        batches += 1
    print(json.dumps({"deleted": total, "batches": batches}))


def role_clearsessions(db_path, ref_iso):
    """`manage.py clearsessions` with Django's clock frozen at the reference time."""
    setup_django(db_path)
    from django.core.management import call_command
    from django.utils import timezone

    ref = dt.datetime.fromisoformat(ref_iso.replace("Z", "+00:00"))
    timezone.now = lambda: ref  # the db backend reads timezone.now() at call time
    con = sqlite3.connect(db_path)
    before = con.execute('SELECT count(*) FROM "django_session"').fetchone()[0]
    con.close()
    call_command("clearsessions")
    con = sqlite3.connect(db_path)
    after = con.execute('SELECT count(*) FROM "django_session"').fetchone()[0]
    print(json.dumps({"deleted": before - after, "batches": 1}))


def role_django_decode(db_path, sample, user):
    """Django's own decode loop (SessionStore().decode, signature verified) over the first
    `sample` rows, fetching them from SQLite as it goes, as sessctl does."""
    setup_django(db_path)
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    con = sqlite3.connect(db_path)
    started = time.perf_counter()
    n = matched = empty = 0
    for (data,) in con.execute('SELECT session_data FROM "django_session" LIMIT ?', (int(sample),)):
        decoded = store.decode(data)
        n += 1
        if not decoded:
            empty += 1
        if decoded.get("_auth_user_id") == user:
            matched += 1
    seconds = time.perf_counter() - started
    print(json.dumps({"sessions": n, "seconds": seconds, "matched": matched, "empty": empty}))


def role_probe(db_path, ref_text, keys_path, out_path, ready_path, stop_path, renew_text):
    """A Django-like app on the same database, two request streams on their own
    connections, with Python's and so Django's default 5 s busy timeout:
    - reads: session loads (SELECT by key and expire_date > now, as SessionStore.load),
      one every 2 ms;
    - writes: saves of an active session (UPDATE of session_data and expire_date in its
      own transaction, as SessionStore.save inside transaction.atomic), one every 10 ms.
    A blocked read does not hold up the writes and the other way round, as with a
    server's concurrent requests."""
    import threading

    with open(keys_path) as f:
        keys = json.load(f)
    ops = []  # (start, kind, seconds, error or None); list.append is atomic
    stop = threading.Event()

    def stream(kind, pause, seed, work):
        rng = random.Random(seed)
        con = sqlite3.connect(db_path, timeout=5.0, isolation_level=None, check_same_thread=False)
        while not stop.is_set():
            t0 = time.monotonic()
            err = None
            try:
                work(con, rng)
            except sqlite3.OperationalError as e:
                err = str(e)
                if con.in_transaction:
                    try:
                        con.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
            ops.append((t0, kind, time.monotonic() - t0, err))
            time.sleep(pause)

    def load(con, rng):
        con.execute('SELECT session_data FROM "django_session" WHERE session_key = ? AND expire_date > ?',
                    (rng.choice(keys), ref_text)).fetchall()

    def save(con, rng):
        con.execute("BEGIN")
        con.execute('UPDATE "django_session" SET session_data = ?, expire_date = ? WHERE session_key = ?',
                    ("probe:%d" % rng.getrandbits(64), renew_text, rng.choice(keys)))
        con.execute("COMMIT")

    threads = [threading.Thread(target=stream, args=("read", 0.002, 1, load)),
               threading.Thread(target=stream, args=("write", 0.010, 2, save))]
    for t in threads:
        t.start()
    time.sleep(0.05)
    open(ready_path, "w").close()
    while not os.path.exists(stop_path):
        time.sleep(0.01)
    stop.set()
    for t in threads:
        t.join()
    with open(out_path, "w") as f:
        json.dump(ops, f)


ROLES = {
    "payloads": lambda a: role_payloads(a[0], int(a[1]), int(a[2]), int(a[3])),
    "raw-delete": lambda a: role_raw_delete(*a),
    "naive": lambda a: role_naive(*a),
    "clearsessions": lambda a: role_clearsessions(*a),
    "django-decode": lambda a: role_django_decode(*a),
    "probe": lambda a: role_probe(*a),
}


# --------------------------------------------------------------------------------------
# The harness
# --------------------------------------------------------------------------------------

def ensure_django_python(args):
    if args.django_python:
        return args.django_python
    venv = os.path.join(args.work, "venv")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        log("creating %s with Django from PyPI" % venv)
        subprocess.check_call([sys.executable, "-m", "venv", venv])
        subprocess.check_call([python, "-m", "pip", "install", "--quiet", "Django"])
    return python


def ensure_sessctl(args):
    if args.sessctl:
        return os.path.abspath(args.sessctl)
    log("cargo build --release")
    subprocess.check_call(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    return os.path.join(ROOT, "target", "release", "sessctl")


def ensure_decode_floor(args):
    """bench/decode_floor.rs, built next to the sessctl binary in use (or in target/release)."""
    if args.sessctl:
        floor = os.path.join(os.path.dirname(os.path.abspath(args.sessctl)), "examples", "decode-floor")
        if os.path.exists(floor):
            return floor
    log("cargo build --release --example decode-floor")
    subprocess.check_call(["cargo", "build", "--release", "--quiet", "--example", "decode-floor"], cwd=ROOT)
    return os.path.join(ROOT, "target", "release", "examples", "decode-floor")


def key_env(verified=True):
    """The environment for sessctl: the payloads' key only, or no key at all."""
    env = dict(os.environ)
    env.pop("DJANGO_SECRET_KEY_FALLBACKS", None)
    if verified:
        env["DJANGO_SECRET_KEY"] = SECRET_KEY
    else:
        env.pop("DJANGO_SECRET_KEY", None)
    return env


def decode_floor_round(tools, base, meta):
    """zlib inflation alone, and sessctl's decoding alone, over the table's rows in memory."""
    out = json.loads(subprocess.check_output([tools["floor"], base, meta["bench_user"]], env=key_env()))
    if out["matched"] != meta["bench_user_rows"]:
        raise SystemExit("decode-floor matched %d sessions of user %s, expected %d"
                         % (out["matched"], meta["bench_user"], meta["bench_user_rows"]))
    return out


def get_payloads(args, django_python):
    path = os.path.join(args.work, "payloads-%d-%d.json" % (args.payloads, args.seed))
    if not os.path.exists(path):
        log("encoding %d payloads with Django's SessionStore.encode" % args.payloads)
        subprocess.check_call([django_python, os.path.abspath(__file__), "_role", "payloads",
                               path, str(args.payloads), str(args.users), str(args.seed)])
    with open(path) as f:
        return json.load(f)


def build_base(args, rows, bundle):
    """The database every contender gets a copy of, cached in the work directory."""
    stem = os.path.join(args.work, "base-%d-%d-%d-v%d" % (rows, args.seed, args.payloads, FORMAT_VERSION))
    db_path, meta_path = stem + ".sqlite3", stem + ".json"
    if os.path.exists(db_path) and os.path.exists(meta_path) and not args.rebuild:
        with open(meta_path) as f:
            return db_path, json.load(f)
    for p in (db_path, db_path + "-journal"):
        if os.path.exists(p):
            os.remove(p)
    log("building %s (%d sessions)" % (db_path, rows))
    rng = random.Random(args.seed * 1_000_003 + rows)
    payloads = bundle["payloads"]
    by_kind = {}
    for i, p in enumerate(payloads):
        by_kind.setdefault(p["kind"], []).append(i)

    # Rows in creation order (a Django site inserts as visitors arrive). A session's
    # expiry is its last save plus its age: SESSION_COOKIE_AGE for most, renewed by
    # activity for some, set_expiry() seconds for others — so expired and active rows
    # interleave physically, as on a real site.
    step = WINDOW / rows
    plan = []  # (key, payload index, expire instant)
    for i in range(rows):
        created = EPOCH + step * i + dt.timedelta(microseconds=rng.randrange(1, 1_000_000))
        kind = rng.choices(["default", "short", "remember"], weights=[75, 15, 10])[0]
        pi = rng.choice(by_kind.get(kind) or by_kind["default"])
        p = payloads[pi]
        active_for = 0.0 if rng.random() < 0.5 else min(rng.expovariate(1 / (2 * DAY)), 20 * DAY)
        age = p["expiry"] if p["expiry"] else COOKIE_AGE
        expire = created + dt.timedelta(seconds=active_for + age)
        key = "".join(rng.choices(VALID_KEY_CHARS, k=32))
        plan.append((key, pi, expire))

    # The reference time is the median expiry: exactly half the rows are expired
    # (expire_date < now, strict), and the row whose expiry equals now is kept.
    expiries = sorted(e for _, _, e in plan)
    ref = expiries[rows // 2]
    ref_text = django_text(ref)

    con = sqlite3.connect(db_path, isolation_level=None)
    # Build-time only, none persists in the file: no journal, no fsync, a big cache.
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -1000000")
    for sql in DDL:
        con.execute(sql)
    con.execute("BEGIN")
    con.executemany('INSERT INTO "django_session" (session_key, session_data, expire_date) VALUES (?, ?, ?)',
                    ((k, payloads[pi]["data"], django_text(e)) for k, pi, e in plan))
    con.execute("COMMIT")
    con.close()

    bench_user = str(pick_bench_user(plan, payloads))
    expired_flags = [e < ref for _, _, e in plan]
    mixed_groups = sum(1 for g in range(0, rows - 3, 4) if len(set(expired_flags[g:g + 4])) > 1)
    transitions = sum(1 for a, b in zip(expired_flags, expired_flags[1:]) if a != b)
    active = [(i + 1, k) for i, (k, _, e) in enumerate(plan) if not e < ref]
    sample = random.Random(args.seed).sample(active, min(20_000, len(active)))
    meta = {
        "rows": rows,
        "expired": sum(expired_flags),
        "active": len(active),
        # rowid i+1 is plan[i]: inserted in order into an empty table
        "active_rowid_sum": sum(r for r, _ in active),
        "ref": rfc3339(ref),
        "ref_text": ref_text,
        "renew_text": django_text(ref + dt.timedelta(seconds=COOKIE_AGE)),
        "bench_user": bench_user,
        "bench_user_rows": sum(1 for _, pi, _ in plan if str(payloads[pi]["user"]) == bench_user),
        "logged_in_rows": sum(1 for _, pi, _ in plan if payloads[pi]["user"] is not None),
        "mixed_4row_groups": mixed_groups / max(1, (rows - 3) // 4 + 1),
        "transitions": transitions,
        "data_bytes_avg": sum(len(payloads[pi]["data"]) for _, pi, _ in plan) / rows,
        "file_bytes": os.path.getsize(db_path),
        "probe_keys": [k for _, k in sample],
        "django": bundle["django"],
    }
    with open(meta_path, "w") as f:
        json.dump(meta, f)
    return db_path, meta


def pick_bench_user(plan, payloads):
    counts = {}
    for _, pi, _ in plan:
        u = payloads[pi]["user"]
        if u is not None:
            counts[u] = counts.get(u, 0) + 1
    return max(counts, key=lambda u: (counts[u], -u))


def fresh_copy(args, base, name):
    return measured.fresh_sqlite_copy(base, os.path.join(args.work, "copy-%s.sqlite3" % name))


def contender_cmds(args, tools, meta, path):
    me = os.path.abspath(__file__)
    common = [tools["sessctl"], "--quiet", "--format", "json", "--database-url", "sqlite:///" + path,
              "--now", meta["ref"], "clear-expired"]
    sessctl = common + (["--batch-size", str(args.batch_size)] if args.batch_size else [])
    cmds = {name: common + ["--batch-size", name.split("@")[1]] for name in args.sized}
    cmds.update({
        "sessctl": sessctl,
        "raw": [sys.executable, me, "_role", "raw-delete", path, meta["ref_text"]],
        "django": [tools["django"], me, "_role", "clearsessions", path, meta["ref"]],
        "naive": [sys.executable, me, "_role", "naive", path, meta["ref_text"], str(args.naive_batch)],
    })
    return cmds


LABELS = {
    "sessctl": "sessctl clear-expired",
    "raw": "single raw DELETE",
    "django": "Django clearsessions",
    "naive": "naive 5k batches by index",
}


def purge_round(args, tools, base, meta, name, probe=False):
    path = fresh_copy(args, base, name)
    cmd = contender_cmds(args, tools, meta, path)[name]
    probe_result = None
    if probe:
        run, probe_result = with_probe(args, meta, path, cmd)
    else:
        run = measured.run(cmd, args.work)
    remaining = measured.verify_purged(path, meta, name)
    out = run.json()
    if not args.keep:
        measured.remove_sqlite(path)
    return {"wall": run.wall, "cpu": run.cpu, "maxrss_kib": run.maxrss_kib, "deleted": out.get("deleted"),
            "batches": out.get("batches"), "remaining": remaining, "probe": probe_result}


def with_probe(args, meta, path, cmd):
    """Runs `cmd` while a Django-like process reads and writes sessions in the same file."""
    keys_path = os.path.join(args.work, "probe-keys.json")
    with open(keys_path, "w") as f:
        json.dump(meta["probe_keys"], f)
    ready, stop, out = (os.path.join(args.work, "probe." + s) for s in ("ready", "stop", "json"))
    for p in (ready, stop, out):
        if os.path.exists(p):
            os.remove(p)
    probe = subprocess.Popen([sys.executable, os.path.abspath(__file__), "_role", "probe", path,
                              meta["ref_text"], keys_path, out, ready, stop, meta["renew_text"]])
    deadline = time.monotonic() + 60
    while not os.path.exists(ready):
        if probe.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the probe did not start")
        time.sleep(0.01)
    time.sleep(0.5)  # some undisturbed traffic first
    run = measured.run(cmd, args.work)
    time.sleep(0.3)
    open(stop, "w").close()
    probe.wait()
    with open(out) as f:
        ops = json.load(f)
    during = [o for o in ops if run.started <= o[0] <= run.ended]
    writes = [o for o in during if o[1] == "write"]
    reads = [o for o in during if o[1] == "read"]
    lat = sorted(o[2] for o in writes)
    return run, {
        "writes": len(writes),
        "write_failed": sum(1 for o in writes if o[3]),
        "write_locked": sum(1 for o in writes if o[3] and "locked" in o[3]),
        "reads": len(reads),
        "read_failed": sum(1 for o in reads if o[3]),
        "write_p50": pct(lat, 50), "write_p99": pct(lat, 99), "write_max": lat[-1] if lat else None,
        "read_p99": pct(sorted(o[2] for o in reads), 99),
        "read_max": max((o[2] for o in reads), default=None),
        "errors": sorted({o[3] for o in during if o[3]}),
    }


def pct(sorted_values, p):
    if not sorted_values:
        return None
    i = min(len(sorted_values) - 1, max(0, int(round(p / 100 * len(sorted_values))) - 1))
    return sorted_values[i]


def decode_cmd(tools, base, meta, *command):
    return [tools["sessctl"], "--format", "json", "--database-url", "sqlite:///" + base,
            "--now", meta["ref"]] + list(command)


def decode_round(args, tools, base, meta, verified=True):
    run = measured.run(decode_cmd(tools, base, meta, "list", "--user", meta["bench_user"]), args.work,
                       env=key_env(verified))
    listed = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    if len(listed) != meta["bench_user_rows"]:
        raise SystemExit("sessctl list --user %s listed %d sessions, expected %d"
                         % (meta["bench_user"], len(listed), meta["bench_user_rows"]))
    return {"wall": run.wall, "maxrss_kib": run.maxrss_kib, "rate": meta["rows"] / run.wall,
            "matched": len(listed)}


def invalid_round(args, tools, base, meta):
    """`purge --invalid --dry-run`: every payload verified, inflated and checked as JSON to
    its last byte. Django made every row with SECRET_KEY, so none may match."""
    run = measured.run(decode_cmd(tools, base, meta, "purge", "--invalid", "--dry-run"), args.work,
                       env=key_env())
    matched = json.loads(run.stdout)["matched"]
    if matched:
        raise SystemExit("sessctl purge --invalid found %d invalid sessions in a table Django made" % matched)
    return {"wall": run.wall, "maxrss_kib": run.maxrss_kib, "rate": meta["rows"] / run.wall}


def django_decode_round(args, tools, base, meta):
    sample = min(args.decode_sample, meta["rows"])
    run = measured.run([tools["django"], os.path.abspath(__file__), "_role", "django-decode", base,
                        str(sample), meta["bench_user"]], args.work)
    out = run.json()
    if out["empty"]:
        raise SystemExit("Django decoded %d sessions as empty: wrong key?" % out["empty"])
    return {"sessions": out["sessions"], "seconds": out["seconds"], "rate": out["sessions"] / out["seconds"],
            "projected": meta["rows"] / (out["sessions"] / out["seconds"])}


def fmt_rate(x):
    return "-" if x is None else "{:,.0f}/s".format(x)


def machine_note():
    cpu = measured.cpu_model()
    return "%d cores (%s), Python %s with SQLite %s" % (
        os.cpu_count() or 0, cpu, sys.version.split()[0], sqlite3.sqlite_version)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "_role":
        ROLES[sys.argv[2]](sys.argv[3:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="sessions in the main database")
    ap.add_argument("--memory-rows", type=int, default=100_000,
                    help="a second, smaller database: sessctl's peak RSS there vs at --rows (0: skip)")
    ap.add_argument("--django-python", help="a Python with Django installed (default: a venv in bench/work)")
    ap.add_argument("--sessctl", help="sessctl binary (default: cargo build --release)")
    ap.add_argument("--batch-size", type=int, help="passed to sessctl clear-expired (default: its own)")
    ap.add_argument("--naive-batch", type=int, default=5000)
    ap.add_argument("--contenders", default="sessctl,raw,django,naive",
                    help="comma list of: sessctl, raw, django, naive, sessctl@N (sessctl with --batch-size N)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per contender (the median is shown)")
    ap.add_argument("--decode-sample", type=int, default=100_000, help="rows for Django's decode loop")
    ap.add_argument("--skip", default="", help="comma list of: purge, probe, decode, memory")
    ap.add_argument("--payloads", type=int, default=400, help="distinct Django-encoded payloads")
    ap.add_argument("--users", type=int, default=2000, help="user ids the logged-in payloads use")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    ap.add_argument("--rebuild", action="store_true", help="rebuild the cached base databases")
    ap.add_argument("--keep", action="store_true", help="keep the purged copies")
    ap.add_argument("--json", help="also write all figures to this file")
    args = ap.parse_args()
    args.work = os.path.abspath(args.work)
    os.makedirs(args.work, exist_ok=True)
    skip = set(filter(None, args.skip.split(",")))
    names = [n for n in args.contenders.split(",") if n]
    # sessctl@N: sessctl with --batch-size N, to compare batch sizes.
    args.sized = [n for n in names if n.startswith("sessctl@") and n[8:].isdigit()]
    for n in args.sized:
        LABELS[n] = "sessctl --batch-size %s" % n[8:]
    unknown = set(names) - set(LABELS)
    if unknown:
        ap.error("unknown contender(s): %s (known: %s)" % (", ".join(sorted(unknown)), ", ".join(LABELS)))
    # The raw DELETE is the yardstick of the purge table.
    purge_names = names if "raw" in names else ["raw"] + names

    django_python = ensure_django_python(args)
    tools = {"sessctl": ensure_sessctl(args), "django": django_python}
    bundle = get_payloads(args, django_python)
    base, meta = build_base(args, args.rows, bundle)
    results = {"machine": machine_note(), "rows": args.rows, "meta": {k: v for k, v in meta.items() if k != "probe_keys"}}

    print("sessctl SQLite benchmark — %s" % machine_note())
    print("database: %d sessions (%d expired, %d active at %s), %.1f MiB file, session_data avg %.0f bytes,"
          % (meta["rows"], meta["expired"], meta["active"], meta["ref"], meta["file_bytes"] / 2 ** 20,
             meta["data_bytes_avg"]))
    print("  %d distinct payloads encoded by Django %s, %d logged-in rows; expired/active interleaving: "
          "%.0f%% of 4-row groups mixed, %d transitions in rowid order"
          % (len(bundle["payloads"]), meta["django"], meta["logged_in_rows"], 100 * meta["mixed_4row_groups"],
             meta["transitions"]))
    print("  each contender runs once per repeat on a fresh copy that was just written (warm page cache;"
          " dropping the cache needs root)\n")

    if "purge" not in skip:
        purge = {name: [] for name in purge_names}
        # Round robin, so that load from elsewhere on the machine spreads over all.
        for i in range(args.repeat):
            for name in purge_names:
                log("purge %d/%d: %s" % (i + 1, args.repeat, LABELS[name]))
                purge[name].append(purge_round(args, tools, base, meta, name))
        raw = statistics.median(r["wall"] for r in purge["raw"])
        rows = []
        for name in purge_names:
            runs = purge[name]
            wall = statistics.median(r["wall"] for r in runs)
            spread = "" if len(runs) == 1 else " (%s–%s)" % (measured.fmt_s(min(r["wall"] for r in runs)).split()[0],
                                                              measured.fmt_s(max(r["wall"] for r in runs)))
            cpus = [r["cpu"] for r in runs if r["cpu"] is not None]
            cpu = statistics.median(cpus) if cpus else None
            rows.append([LABELS[name], measured.fmt_s(wall) + spread, measured.fmt_s(cpu), fmt_rate(meta["expired"] / wall),
                         measured.fmt_mib(max(r["maxrss_kib"] for r in runs)), "%.2f×" % (wall / raw),
                         runs[0]["batches"], "%d ok" % runs[0]["remaining"]])
        print("Purge of %d expired sessions (wall time incl. process start; rows/s = expired rows / wall)"
              % meta["expired"])
        measured.print_table(["contender", "wall", "cpu", "rows/s", "peak RSS", "vs raw", "txns", "rows left"], rows)
        results["purge"] = purge

    if "probe" not in skip:
        probe = {}
        for name in names:
            log("probe: %s" % LABELS[name])
            probe[name] = purge_round(args, tools, base, meta, name, probe=True)
        rows = []
        for name in names:
            r = probe[name]
            p = r["probe"]
            rows.append([LABELS[name], measured.fmt_s(r["wall"]), "%d/%d" % (p["write_failed"], p["writes"]),
                         "%d/%d" % (p["read_failed"], p["reads"]),
                         measured.fmt_s(p["write_p50"]), measured.fmt_s(p["write_p99"]), measured.fmt_s(p["write_max"]), measured.fmt_s(p["read_p99"]),
                         measured.fmt_s(p["read_max"])])
        print("Concurrent Django-like traffic during the purge (5 s busy timeout; failed/attempted while the purge ran)")
        measured.print_table(["contender", "purge wall", "writes failed", "reads failed", "write p50", "write p99",
                     "write max", "read p99", "read max"], rows)
        errors = sorted({e for r in probe.values() for e in r["probe"]["errors"]})
        if errors:
            print("  errors seen: %s\n" % "; ".join(errors))
        results["probe"] = probe

    if "decode" not in skip:
        tools["floor"] = ensure_decode_floor(args)
        log("decode: floor (inflate alone) and sessctl's decoding alone, in memory")
        floor = decode_floor_round(tools, base, meta)
        log("decode: sessctl list --user (verified)")
        verified = decode_round(args, tools, base, meta, verified=True)
        log("decode: sessctl list --user (no key)")
        unverified = decode_round(args, tools, base, meta, verified=False)
        log("decode: sessctl purge --invalid --dry-run")
        invalid = invalid_round(args, tools, base, meta)
        log("decode: Django's decode loop")
        django_dec = django_decode_round(args, tools, base, meta)
        print("Decode throughput over %d sessions (list --user %s: %d match)"
              % (meta["rows"], meta["bench_user"], meta["bench_user_rows"]))
        measured.print_table(["decoder", "sessions", "time", "sessions/s", "peak RSS"], [
            ["floor: zlib inflate alone, in memory", meta["rows"], measured.fmt_s(floor["inflate_s"]),
             fmt_rate(meta["rows"] / floor["inflate_s"]), "-"],
            ["sessctl decoding alone, in memory, verified", meta["rows"], measured.fmt_s(floor["decode_s"]),
             fmt_rate(meta["rows"] / floor["decode_s"]), "-"],
            ["sessctl list --user, signatures verified", meta["rows"], measured.fmt_s(verified["wall"]),
             fmt_rate(verified["rate"]), measured.fmt_mib(verified["maxrss_kib"])],
            ["sessctl list --user, no key (unverified)", meta["rows"], measured.fmt_s(unverified["wall"]),
             fmt_rate(unverified["rate"]), measured.fmt_mib(unverified["maxrss_kib"])],
            ["sessctl purge --invalid --dry-run, verified", meta["rows"], measured.fmt_s(invalid["wall"]),
             fmt_rate(invalid["rate"]), measured.fmt_mib(invalid["maxrss_kib"])],
            ["Django SessionStore().decode loop", django_dec["sessions"], measured.fmt_s(django_dec["seconds"]),
             fmt_rate(django_dec["rate"]), "-"],
        ])
        print("  floor: %d of the %d payloads are compressed (%.0f inflated bytes on average), inflated on"
              " %d threads;\n  sessctl list --user takes %.2fx the floor; Django at %d rows would take %s;"
              " target for sessctl: >= 500,000/s verified\n"
              % (floor["compressed"], floor["rows"], floor["inflated_bytes"] / max(floor["compressed"], 1),
                 floor["threads"], verified["wall"] / floor["inflate_s"], meta["rows"],
                 measured.fmt_s(django_dec["projected"])))
        results["decode"] = {"floor": floor, "verified": verified, "unverified": unverified, "invalid": invalid,
                             "django": django_dec}

    if "memory" not in skip and args.memory_rows and args.memory_rows != args.rows:
        small_base, small_meta = build_base(args, args.memory_rows, bundle)
        rows = []
        mem = {}
        for label, b, m in ((args.memory_rows, small_base, small_meta), (args.rows, base, meta)):
            log("memory: sessctl at %d rows" % label)
            purge = purge_round(args, tools, b, m, "sessctl")
            dec = decode_round(args, tools, b, m, verified=True)
            mem[label] = {"clear_expired": purge, "list_user": dec}
            rows.append([label, measured.fmt_s(purge["wall"]), measured.fmt_mib(purge["maxrss_kib"]), measured.fmt_s(dec["wall"]),
                         measured.fmt_mib(dec["maxrss_kib"])])
        print("sessctl peak memory against table size")
        measured.print_table(["sessions", "clear-expired", "peak RSS", "list --user", "peak RSS"], rows)
        results["memory"] = mem

    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=str)


if __name__ == "__main__":
    main()
