#!/usr/bin/env python3
"""Benchmark: `stats` and `stats --estimate` on large session tables.

Fills a Django-shaped `django_session` table (Django's DDL and index, keys of 32
characters, a real session value, expiries spread over four weeks around the reference
time, half expired) with N rows on PostgreSQL and on MySQL/MariaDB, runs ANALYZE, then
times `sessctl stats` (exact: one aggregate over the table) and `sessctl stats
--estimate` (the database's statistics), same data, same run, and prints both with the
estimate's error. A harness that prints figures, not a test: it asserts no timing, but it
stops when the exact figures are not what it inserted.

    python3 bench/estimate.py --rows 10000000
    python3 bench/estimate.py --rows 1000000 --only postgres --repeat 3
    python3 bench/estimate.py --rows 10000000 --only sqlite

Needs psql and mysql clients (for those databases), the servers of --postgres-url / --mysql-url (databases
created and dropped by the harness: sessctl_bench_estimate), and a release build of
sessctl (built unless --sessctl names one).
"""
import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time

REFERENCE = "2025-06-01T12:00:00Z"
# A session value Django 6.1 wrote (tests/fixtures/django-6.1), 122 bytes.
VALUE = ".eJyrVkpMzUnNS1WyUkrOz83NS0wuSS1KLE5VslJKSUxWqgUAo8cKUQ:1uLgQ4:FbSk4X0b1iR3W-Qm8Fev5fPqPcnYV-R-B2Mg2kNwUYQ"
DB = "sessctl_bench_estimate"


def run(argv, **kw):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw)


def psql(url, sql):
    return run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql]).stdout


def mysql(host, port, db, sql):
    argv = ["mysql", "--protocol=tcp", "-h", host, "-P", str(port), "-u", "root", "-N"]
    if db:
        argv.append(db)
    return run(argv + ["-e", sql]).stdout


def fill_postgres(base, rows, db=DB, value=f"'{VALUE}'"):
    """`value`: the session_data of row `i`, an SQL expression."""
    admin = base + "/postgres"
    psql(admin, f"DROP DATABASE IF EXISTS {db}")
    psql(admin, f"CREATE DATABASE {db}")
    url = f"{base}/{db}"
    psql(url, "CREATE TABLE django_session (session_key varchar(40) PRIMARY KEY, "
              "session_data text NOT NULL, expire_date timestamp with time zone NOT NULL)")
    psql(url, "CREATE INDEX django_session_expire_date_a5c62663 ON django_session (expire_date)")
    # Expiries spread evenly over 14 days before to 14 days after the reference time.
    psql(url, f"INSERT INTO django_session SELECT lpad(to_hex(i), 32, 'k'), {value}, "
              f"timestamptz '{REFERENCE}' + ((i::float8 / {rows}) * 28 - 14) * interval '1 day' "
              f"FROM generate_series(1, {rows}) i")
    psql(url, "VACUUM ANALYZE django_session")
    return url


def fill_mysql(host, port, rows, db=DB, value=f"'{VALUE}'"):
    """`value`: the session_data of row `seq`, an SQL expression."""
    mysql(host, port, None, f"DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db}")
    mysql(host, port, db, "CREATE TABLE django_session (session_key varchar(40) NOT NULL PRIMARY KEY, "
                          "session_data longtext NOT NULL, expire_date datetime(6) NOT NULL, "
                          "KEY django_session_expire_date_a5c62663 (expire_date)) "
                          "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
    step = 1_000_000
    for start in range(1, rows + 1, step):
        end = min(rows, start + step - 1)
        mysql(host, port, db, f"INSERT INTO django_session SELECT LPAD(HEX(seq), 32, 'k'), {value}, "
                              f"TIMESTAMPADD(MICROSECOND, CAST(((seq / {rows}) * 28 - 14) * 86400e6 AS SIGNED), "
                              f"'2025-06-01 12:00:00') FROM seq_{start}_to_{end}")
    mysql(host, port, db, "ANALYZE TABLE django_session")
    return f"mysql://root@{host}:{port}/{db}"


def fill_sqlite(path, rows, value=f"'{VALUE}'"):
    """Django's own DDL for SQLite, the same rows as the servers get (`value`: an SQL
    expression of the row number `i`)."""
    if os.path.exists(path):
        os.remove(path)
    conn = sqlite3.connect(path)
    conn.executescript(
        'CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, '
        '"session_data" text NOT NULL, "expire_date" datetime NOT NULL);'
        'CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date");')
    conn.execute(
        f"WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {rows}) "
        f"INSERT INTO django_session SELECT substr('kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk' || printf('%x', i), -32), "
        f"{value}, datetime('2025-06-01 12:00:00', printf('%+d seconds', "
        f"CAST(((i * 1.0 / {rows}) * 28 - 14) * 86400 AS INTEGER))) FROM seq")
    conn.commit()
    conn.execute("ANALYZE")  # the system's SQLite: sqlite_stat1 only, without STAT4
    conn.commit()
    conn.close()
    return f"sqlite:///{path}"


def timed(sessctl, url, extra, repeat):
    times, report = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        out = run([sessctl, "--database-url", url, "--now", REFERENCE, "stats", "--format", "json", *extra])
        times.append(time.perf_counter() - started)
        report = json.loads(out.stdout)
    return statistics.median(times), report


def error(est, exact):
    return "-" if est is None else f"{(est - exact) * 100.0 / max(exact, 1):+.1f} %"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["postgres", "mysql", "sqlite"])
    ap.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432")
    ap.add_argument("--mysql-host", default="127.0.0.1")
    ap.add_argument("--mysql-port", type=int, default=3306)
    ap.add_argument("--sessctl")
    ap.add_argument("--work", help="directory for the SQLite database (default bench/work)")
    ap.add_argument("--keep", action="store_true", help="leave the databases")
    a = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sessctl = a.sessctl
    if not sessctl:
        run(["cargo", "build", "--release", "-q"], cwd=repo)
        sessctl = os.path.join(repo, "target", "release", "sessctl")
    bundled = None
    if a.only in (None, "sqlite"):
        run(["cargo", "build", "--release", "-q", "--example", "bundled-sqlite"], cwd=repo)
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(repo, "target"))
        bundled = os.path.join(target, "release", "examples", "bundled-sqlite")
    work = a.work or os.path.join(repo, "bench", "work")
    os.makedirs(work, exist_ok=True)
    sqlite_path = os.path.join(work, "estimate.sqlite3")
    print(f"{a.rows:,} rows, half expired; median of {a.repeat}", flush=True)
    print(f"| database | exact stats | --estimate | × faster | total error | expired error |")
    print(f"|---|---:|---:|---:|---:|---:|")
    targets = []
    if a.only in (None, "postgres"):
        targets.append(("PostgreSQL", lambda: fill_postgres(a.postgres_url, a.rows),
                        lambda: psql(a.postgres_url + "/postgres", f"DROP DATABASE IF EXISTS {DB}")))
    if a.only in (None, "mysql"):
        targets.append(("MariaDB", lambda: fill_mysql(a.mysql_host, a.mysql_port, a.rows),
                        lambda: mysql(a.mysql_host, a.mysql_port, None, f"DROP DATABASE IF EXISTS {DB}")))
    if a.only in (None, "sqlite"):
        targets.append(("SQLite", lambda: fill_sqlite(sqlite_path, a.rows),
                        lambda: os.remove(sqlite_path)))

    def measure(name, url):
        exact_s, exact = timed(sessctl, url, [], a.repeat)
        if exact["total"] != a.rows:
            sys.exit(f"{name}: exact total {exact['total']}, inserted {a.rows}")
        est_s, est = timed(sessctl, url, ["--estimate"], a.repeat)
        known = est["estimate"]["expired_known"]
        print(f"| {name} | {exact_s:.2f} s | {est_s:.3f} s | {exact_s / est_s:.0f} | "
              f"{error(est['total'], exact['total'])} | "
              f"{error(est['expired'] if known else None, exact['expired'])} |", flush=True)

    for name, fill, drop in targets:
        started = time.perf_counter()
        url = fill()
        print(f"({name}: filled in {time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
        try:
            if name == "SQLite":
                measure("SQLite, system ANALYZE (sqlite_stat1)", url)
                run([bundled, sqlite_path, "ANALYZE"])
                measure("SQLite, bundled ANALYZE (sqlite_stat4)", url)
            else:
                measure(name, url)
        finally:
            if not a.keep:
                drop()


if __name__ == "__main__":
    main()
