#!/usr/bin/env python3
"""Purge benchmark on PostgreSQL and MySQL/MariaDB (a harness that prints figures, not a test).

For each server: a table of N sessions (default 1,000,000), half of them expired, made
once in a database of its own (`sessctl_bench`, table `django_session` with Django's
DDL), copied afresh before each method, and purged by:

  raw DELETE      one `DELETE ... WHERE expire_date < now` statement
  naive loop      5,000-row LIMIT batches along the expire_date index (what many
                  hand-written scripts do; it rescans dead index entries every batch)
  Django          `manage.py clearsessions` of real Django (its own one DELETE)
  sessctl         `sessctl clear-expired` (batched, TID / primary-key ranges)

While each method runs, a probe connection does what a live site does -- load a session
by key and renew one -- and its latencies are compared with the same probe on the idle
table just before. With --repeat N every method runs N times on fresh tables: the time
shown is the median, and the probe's samples are pooled over the rounds.

Also shown: the bytes each method made the server write to its log (PostgreSQL's WAL,
InnoDB's redo), and on MySQL/MariaDB the time until InnoDB has also purged the deleted
rows (a DELETE returns before that work is done; batches that commit early get it done
while they run).

Usage:
  bench/servers.py [--rows N] [--only postgres|mysql] [--sessctl PATH] [--python PY]
                   [--repeat N] [--variant 'CLEAR-EXPIRED OPTIONS']... [--skip METHOD]...
Env:  SESSCTL_TEST_POSTGRES_URL / SESSCTL_TEST_MYSQL_URL name the servers (the bench
      database is created next to the one named); the Python that runs this file needs
      psycopg and PyMySQL, and so does the one running Django (--python, default: this
      one; `.ci/django-oracle.sh` builds such a venv in target/django-oracle-venv).
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

DB = "sessctl_bench"
TABLE = "django_session"

PG_DDL = [
    'CREATE TABLE "{t}" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" timestamp with time zone NOT NULL)',
    'CREATE INDEX "{t}_session_key_like" ON "{t}" ("session_key" varchar_pattern_ops)',
    'CREATE INDEX "{t}_expire_date" ON "{t}" ("expire_date")',
]
MY_DDL = [
    "CREATE TABLE `{t}` (`session_key` varchar(40) NOT NULL PRIMARY KEY, `session_data` longtext NOT NULL, `expire_date` datetime(6) NOT NULL)",
    "CREATE INDEX `{t}_expire_date` ON `{t}` (`expire_date`)",
]
DATA = "e30:1uLgQ4:AKwcdlZwxty_IzzWYO6MhpDLcT14LxsZnUPKzAGapUA" + "x" * 100


def log(*a):
    print(*a, file=sys.stderr, flush=True)


class Server:
    def __init__(self, kind, url):
        self.kind = kind
        u = urllib.parse.urlsplit(url)
        self.user = urllib.parse.unquote(u.username or "")
        self.password = urllib.parse.unquote(u.password or "")
        self.host = u.hostname or "127.0.0.1"
        self.port = u.port or (5432 if kind == "postgres" else 3306)
        self.admin_db = (u.path or "/").lstrip("/") or ("postgres" if kind == "postgres" else "mysql")
        auth = urllib.parse.quote(self.user)
        if self.password:
            auth += ":" + urllib.parse.quote(self.password, safe="")
        self.bench_url = "%s://%s@%s:%d/%s" % (kind if kind == "postgres" else "mysql", auth, self.host, self.port, DB)

    def connect(self, db=DB, autocommit=True):
        if self.kind == "postgres":
            import psycopg
            return psycopg.connect(host=self.host, port=self.port, user=self.user,
                                   password=self.password or None, dbname=db, autocommit=autocommit)
        import pymysql
        conn = pymysql.connect(host=self.host, port=self.port, user=self.user,
                               password=self.password, database=db, autocommit=autocommit)
        return conn

    def q(self, name):
        return '"%s"' % name if self.kind == "postgres" else "`%s`" % name

    def now_sql(self):
        return "now()" if self.kind == "postgres" else "UTC_TIMESTAMP(6)"

    def create_source(self, rows):
        """Builds bench_src once: `rows` sessions, every other one expired (1 to 1000
        minutes ago), the others expiring in a day or more, keys in random order."""
        c = self.connect(self.admin_db)
        with c.cursor() as cur:
            if self.kind == "postgres":
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB,))
                if not cur.fetchone():
                    cur.execute("CREATE DATABASE %s" % DB)
            else:
                cur.execute("CREATE DATABASE IF NOT EXISTS %s" % DB)
        c.close()
        c = self.connect()
        with c.cursor() as cur:
            src = "bench_src"
            if self.kind == "postgres":
                cur.execute("SELECT count(*) FROM pg_class WHERE relname = %s", (src,))
                exists = cur.fetchone()[0] > 0
            else:
                cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = %s", (DB, src))
                exists = cur.fetchone()[0] > 0
            if exists:
                cur.execute("SELECT count(*) FROM %s" % self.q(src))
                if cur.fetchone()[0] == rows:
                    return
                cur.execute("DROP TABLE %s" % self.q(src))
            log("%s: making %d sessions ..." % (self.kind, rows))
            for ddl in (PG_DDL if self.kind == "postgres" else MY_DDL):
                cur.execute(ddl.format(t=src))
            if self.kind == "postgres":
                cur.execute(
                    "INSERT INTO bench_src SELECT md5(i::text || 'k'), %s || i::text, "
                    "CASE WHEN i %% 2 = 0 THEN now() - (1 + i %% 1000) * interval '1 minute' "
                    "ELSE now() + interval '1 day' + (i %% 1000) * interval '1 minute' END "
                    "FROM generate_series(1, %s) i", (DATA, rows))
                cur.execute("VACUUM ANALYZE bench_src")
            else:
                c.autocommit(False)
                chunk = 10000
                for start in range(1, rows + 1, chunk):
                    cur.execute(
                        "INSERT INTO bench_src SELECT MD5(CONCAT(seq, 'k')), CONCAT(%s, seq), "
                        "IF(seq %% 2 = 0, UTC_TIMESTAMP(6) - INTERVAL (1 + seq %% 1000) MINUTE, "
                        "UTC_TIMESTAMP(6) + INTERVAL 1 DAY + INTERVAL (seq %% 1000) MINUTE) "
                        "FROM (SELECT %s + a.n + 10 * b.n + 100 * c.n + 1000 * d.n AS seq FROM "
                        + " CROSS JOIN ".join(
                            "(SELECT 0 n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 "
                            "UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) " + x
                            for x in "abcd")
                        + ") s WHERE seq < %s", (DATA, start, min(start + chunk, rows + 1)))
                    c.commit()
                c.autocommit(True)
                cur.execute("ANALYZE TABLE bench_src")
                cur.fetchall()
        c.close()

    def reset(self):
        """A fresh django_session from bench_src, statistics up to date."""
        c = self.connect()
        with c.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS %s" % self.q(TABLE))
            for ddl in (PG_DDL if self.kind == "postgres" else MY_DDL):
                cur.execute(ddl.format(t=TABLE))
            cur.execute("INSERT INTO %s SELECT * FROM bench_src" % self.q(TABLE))
            if self.kind == "postgres":
                cur.execute("VACUUM ANALYZE %s" % self.q(TABLE))
                cur.execute("CHECKPOINT")
            else:
                cur.execute("ANALYZE TABLE %s" % self.q(TABLE))
                cur.fetchall()
        c.close()
        if self.kind == "mysql":
            self.wait_purged()

    def log_position(self):
        """Bytes written to the write-ahead log (PostgreSQL) or the InnoDB redo log so far."""
        c = self.connect()
        with c.cursor() as cur:
            if self.kind == "postgres":
                cur.execute("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint")
                position = cur.fetchone()[0]
            else:
                cur.execute("SHOW GLOBAL STATUS LIKE 'Innodb_os_log_written'")
                position = int(cur.fetchone()[1])
        c.close()
        return position

    def wait_purged(self, timeout=300):
        """MySQL/MariaDB: waits until InnoDB has purged what deleted rows left behind (its
        history list is empty). A DELETE returns before that work is done, and batches that
        commit early get it done while they run, so it is part of what a purge costs."""
        c = self.connect()
        deadline = time.monotonic() + timeout
        with c.cursor() as cur:
            while time.monotonic() < deadline:
                cur.execute("SELECT count FROM information_schema.INNODB_METRICS WHERE name = 'trx_rseg_history_len'")
                if cur.fetchone()[0] == 0:
                    break
                time.sleep(0.05)
            else:
                raise SystemExit("InnoDB's history list did not empty within %d s" % timeout)
        c.close()

    def active_keys(self, n=2000):
        c = self.connect()
        with c.cursor() as cur:
            cur.execute("SELECT session_key FROM %s WHERE expire_date > %s LIMIT %d"
                        % (self.q(TABLE), self.now_sql(), n))
            keys = [r[0] for r in cur.fetchall()]
        c.close()
        return keys


class Probe(threading.Thread):
    """What a live site does to the table: load a session by key, renew one."""

    def __init__(self, server, keys):
        super().__init__(daemon=True)
        self.server, self.keys = server, keys
        self.stop = threading.Event()
        self.latencies = []  # (load | renew, seconds)

    def run(self):
        c = self.server.connect()
        now = self.server.now_sql()
        t = self.server.q(TABLE)
        load = "SELECT session_data, expire_date FROM %s WHERE session_key = %%s AND expire_date > %s" % (t, now)
        if self.server.kind == "postgres":
            renew = "UPDATE %s SET expire_date = now() + interval '14 days' WHERE session_key = %%s" % t
        else:
            renew = "UPDATE %s SET expire_date = UTC_TIMESTAMP(6) + INTERVAL 14 DAY WHERE session_key = %%s" % t
        rng = random.Random(7)
        with c.cursor() as cur:
            while not self.stop.is_set():
                key = rng.choice(self.keys)
                sql = load if rng.random() < 0.7 else renew
                started = time.perf_counter()
                cur.execute(sql, (key,))
                if sql is load:
                    cur.fetchall()
                self.latencies.append(("load" if sql is load else "renew", time.perf_counter() - started))
                time.sleep(0.002)
        c.close()


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def raw_delete(server):
    c = server.connect()
    with c.cursor() as cur:
        if server.kind == "mysql":
            cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        cur.execute("DELETE FROM %s WHERE expire_date < %s" % (server.q(TABLE), server.now_sql()))
    c.close()


def naive_loop(server, batch=5000):
    c = server.connect()
    t = server.q(TABLE)
    with c.cursor() as cur:
        if server.kind == "mysql":
            cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        while True:
            if server.kind == "postgres":
                cur.execute("DELETE FROM %s WHERE session_key IN (SELECT session_key FROM %s WHERE expire_date < now() "
                            "ORDER BY expire_date LIMIT %d)" % (t, t, batch))
            else:
                cur.execute("DELETE FROM %s WHERE expire_date < UTC_TIMESTAMP(6) ORDER BY expire_date LIMIT %d" % (t, batch))
            if cur.rowcount == 0:
                break
    c.close()


DJANGO = r"""
import sys, time
kind, host, port, user, password, db = sys.argv[1:7]
if kind == "mysql":
    import pymysql
    pymysql.version_info = (2, 2, 7, "final", 0)
    pymysql.install_as_MySQLdb()
from django.conf import settings
engine = "django.db.backends.postgresql" if kind == "postgres" else "django.db.backends.mysql"
settings.configure(
    DATABASES={"default": {"ENGINE": engine, "HOST": host, "PORT": port, "USER": user,
                           "PASSWORD": password, "NAME": db}},
    INSTALLED_APPS=["django.contrib.sessions"], USE_TZ=True, SECRET_KEY="bench")
import django
django.setup()
from django.core.management import call_command
from django.db import connection
connection.ensure_connection()
started = time.perf_counter()
call_command("clearsessions")
print(time.perf_counter() - started)
"""


def django_clearsessions(server, python):
    out = subprocess.run([python, "-c", DJANGO, server.kind, server.host, str(server.port),
                          server.user, server.password, DB], check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def sessctl(server, binary, options):
    out = subprocess.run([binary, "--database-url", server.bench_url, "--format", "json", "-v",
                          "clear-expired"] + options,
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def measure(server, name, fn, repeat):
    """`repeat` rounds, each on a fresh table: the idle probe for 1.5 s, then the probe
    during `fn`. Probe samples are pooled over the rounds (one round of a sub-second purge
    gives a few hundred, too few for a steady p99); the time is the median round."""
    rounds, idle, during, log_bytes, purged = [], [], [], [], []
    for _ in range(repeat):
        server.reset()
        keys = server.active_keys()
        idle_probe = Probe(server, keys)
        idle_probe.start()
        time.sleep(1.5)
        idle_probe.stop.set()
        idle_probe.join()
        probe = Probe(server, keys)
        log_before = server.log_position()
        probe.start()
        started = time.perf_counter()
        extra = fn()
        elapsed = time.perf_counter() - started
        probe.stop.set()
        probe.join()
        log_bytes.append(server.log_position() - log_before)
        if server.kind == "mysql":
            server.wait_purged()
            purged.append(time.perf_counter() - started)
        c = server.connect()
        with c.cursor() as cur:
            cur.execute("SELECT count(*) FROM %s WHERE expire_date < %s" % (server.q(TABLE), server.now_sql()))
            left = cur.fetchone()[0]
        c.close()
        if left:
            raise SystemExit("%s on %s left %d expired sessions" % (name, server.kind, left))
        rounds.append((elapsed, extra))
        idle += idle_probe.latencies
        during += probe.latencies
    elapsed, extra = sorted(rounds, key=lambda r: r[0])[len(rounds) // 2]

    def ms(samples, p, kind=None):
        return percentile([t for k, t in samples if kind in (None, k)], p) * 1000

    return {
        "server": server.kind, "method": name, "seconds": elapsed,
        "all_seconds": [r[0] for r in rounds], "extra": extra,
        "p50_ms": ms(during, 50), "p99_ms": ms(during, 99), "renew_p99_ms": ms(during, 99, "renew"),
        "idle_p99_ms": ms(idle, 99), "idle_renew_p99_ms": ms(idle, 99, "renew"),
        "probes": len(during), "idle_probes": len(idle),
        "log_mb": statistics.median(log_bytes) / 1e6,
        "purged_seconds": statistics.median(purged) if purged else None,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--only", choices=["postgres", "mysql"])
    ap.add_argument("--sessctl", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "sessctl"))
    ap.add_argument("--python", default=sys.executable, help="Python with Django, psycopg and PyMySQL")
    ap.add_argument("--batch-size", type=int, help="sessctl's --batch-size (default: sessctl's own)")
    ap.add_argument("--variant", action="append", default=[],
                    help="also run sessctl clear-expired with these options, e.g. '--batch-size 2000 --sleep 10ms'")
    ap.add_argument("--repeat", type=int, default=1, help="rounds per method (median time, pooled probe samples)")
    ap.add_argument("--skip", action="append", default=[], help="method to leave out (raw, naive, django, sessctl)")
    ap.add_argument("--json", help="also write all figures to this file")
    args = ap.parse_args()
    servers = []
    for kind, env in (("postgres", "SESSCTL_TEST_POSTGRES_URL"), ("mysql", "SESSCTL_TEST_MYSQL_URL")):
        if args.only and args.only != kind:
            continue
        url = os.environ.get(env)
        if not url:
            sys.exit("set %s" % env)
        servers.append(Server(kind, url))
    results = []
    for server in servers:
        server.create_source(args.rows)
        methods = [
            ("raw", "raw DELETE", lambda s=server: raw_delete(s)),
            ("naive", "naive loop (5,000)", lambda s=server: naive_loop(s)),
            ("django", "Django clearsessions", lambda s=server: django_clearsessions(s, args.python)),
            ("sessctl", "sessctl clear-expired",
             lambda s=server: sessctl(s, args.sessctl, ["--batch-size", str(args.batch_size)] if args.batch_size else [])),
        ]
        for variant in args.variant:
            methods.append(("sessctl", "sessctl clear-expired " + variant,
                            lambda s=server, v=variant: sessctl(s, args.sessctl, v.split())))
        for short, name, fn in methods:
            if short in args.skip:
                continue
            log("%s: %s ..." % (server.kind, name))
            results.append(measure(server, name, fn, args.repeat))
    print("| server | method | time (s) | × raw | purged (s) | log (MB) | probe p50 (ms) | probe p99 (ms) | renew p99 (ms) | idle p99 (ms) | idle renew p99 (ms) | probes |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        raw = next((x["seconds"] for x in results if x["server"] == r["server"] and x["method"] == "raw DELETE"), None)
        print("| %s | %s | %.2f | %s | %s | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %d |" % (
            r["server"], r["method"], r["seconds"], "%.2f" % (r["seconds"] / raw) if raw else "-",
            "%.2f" % r["purged_seconds"] if r["purged_seconds"] else "-", r["log_mb"], r["p50_ms"], r["p99_ms"], r["renew_p99_ms"], r["idle_p99_ms"], r["idle_renew_p99_ms"], r["probes"]))
    for r in results:
        if r["method"].startswith("sessctl") and isinstance(r["extra"], dict):
            e = r["extra"]
            print("%s %s: %d batches, first %.3f s, last %.3f s; round times %s" % (
                r["server"], r["method"], e.get("batches", 0), e.get("first_batch_seconds") or 0,
                e.get("last_batch_seconds") or 0, ", ".join("%.2f" % t for t in r["all_seconds"])))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
