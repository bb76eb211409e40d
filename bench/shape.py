#!/usr/bin/env python3
"""Benchmark: `stats --histogram expiry --histogram size --duplicates` on large tables.

On PostgreSQL the server computes the histograms (`GROUP BY`) and sends a few hundred
rows; the other way, and sessctl's on MySQL/MariaDB, SQLite and for duplicates, is to read
every session. This
harness fills a Django-shaped `django_session` table (bench/estimate.py's table: Django's
DDL, half expired, expiries over four weeks) whose values differ row by row (a Django 6.1
value plus 32 to 768 bytes, mean about 520 bytes; one row in a hundred holds the bare
value, so there is duplicated data to find), and times, same data, same run:

- `sessctl stats` (one aggregate over the table: what every `stats` costs);
- `sessctl stats --histogram expiry --histogram size` (PostgreSQL: the server's
  `GROUP BY`s);
- on MySQL, the same read in the zone `Etc/GMT` (the same instants as UTC): the same
  figures, checked;
- on SQLite, what computing the histograms in SQLite itself would cost: its `GROUP BY`s on
  the 15-minute expiry bucket (what any zone's hours and days can be made of) and on the
  data's length, and the ten largest by `ORDER BY … LIMIT 10`, run by Python's sqlite3;
- with `--duplicates` as well (every store reads every session);
- the floor of any way that reads every session: the database's own client dumping every
  row to /dev/null (`psql` COPY, `mysql --quick`, `sqlite3`), decoding nothing.

A harness that prints figures, not a test: it asserts no timing, but it stops when the
two ways disagree or the totals are not what it inserted.

    python3 bench/shape.py --rows 1000000 --repeat 3

Needs psql, mysql and sqlite3 clients, the servers of --postgres-url / --mysql-host (database
sessctl_bench_shape, created and dropped), and a release build of sessctl (built unless
--sessctl names one).
"""
import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import time

from estimate import REFERENCE, VALUE, fill_mysql, fill_postgres, fill_sqlite, mysql, psql, run, timed

DB = "sessctl_bench_shape"
HISTOGRAMS = ["--histogram", "expiry", "--histogram", "size"]
SHAPE = HISTOGRAMS + ["--duplicates"]
PG_VALUE = f"CASE WHEN i % 100 = 0 THEN '{VALUE}' ELSE '{VALUE}' || repeat(md5(i::text), (1 + (i::int8 * 7919) % 24)::int) END"
MYSQL_VALUE = (f"IF(seq % 100 = 0, '{VALUE}', CONCAT('{VALUE}', REPEAT(MD5(seq), 1 + (seq * 7919) % 24)))")
# SQLite has no md5(): 32 hex digits of a multiple of the row number, repeated as often.
SQLITE_VALUE = (f"CASE WHEN i % 100 = 0 THEN '{VALUE}' ELSE '{VALUE}' || replace(printf('%.*c', "
                f"1 + (i * 7919) % 24, '_'), '_', printf('%032x', i * 2654435761)) END")
# What a pushdown of both histograms would ask SQLite.
SQLITE_PUSHDOWN = [
    "SELECT CAST(strftime('%s', expire_date) AS INTEGER) / 900 AS b, count(*) FROM django_session GROUP BY b",
    "SELECT length(CAST(session_data AS BLOB)) AS n, count(*) FROM django_session GROUP BY n",
    "SELECT session_key, length(CAST(session_data AS BLOB)) AS n FROM django_session "
    "ORDER BY n DESC, session_key LIMIT 10",
]


def dumped(argv, repeat):
    """Median seconds of a client command whose output goes to /dev/null."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        with open(os.devnull, "wb") as sink:
            subprocess.run(argv, check=True, stdout=sink)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def queried(path, queries, repeat):
    """Median seconds of running `queries` on the SQLite database at `path`, and the rows
    the first one counts."""
    times, counted = [], 0
    for _ in range(repeat):
        conn = sqlite3.connect(path)
        started = time.perf_counter()
        results = [conn.execute(q).fetchall() for q in queries]
        times.append(time.perf_counter() - started)
        conn.close()
        counted = sum(n for _, n in results[0])
    return statistics.median(times), counted


def shape_of(report):
    return {k: report[k] for k in ("expiry_histogram", "size_histogram", "duplicates")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["postgres", "mysql", "sqlite"])
    ap.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432")
    ap.add_argument("--mysql-host", default="127.0.0.1")
    ap.add_argument("--mysql-port", type=int, default=3306)
    ap.add_argument("--work", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "work"),
                    help="where the SQLite database is made")
    ap.add_argument("--sessctl")
    ap.add_argument("--keep", action="store_true", help="leave the databases")
    a = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sessctl = a.sessctl
    if not sessctl:
        run(["cargo", "build", "--release", "-q"], cwd=repo)
        sessctl = os.path.join(repo, "target", "release", "sessctl")
    print(f"{a.rows:,} rows, half expired; median of {a.repeat}", flush=True)
    print("| database | contender | wall |")
    print("|---|---|---:|")
    targets = []
    if a.only in (None, "postgres"):
        url = f"{a.postgres_url}/{DB}"
        targets.append(("PostgreSQL",
                        lambda: fill_postgres(a.postgres_url, a.rows, db=DB, value=PG_VALUE),
                        ["psql", "-X", "-q", url, "-c",
                         "COPY (SELECT session_key, session_data, expire_date FROM django_session) TO STDOUT"],
                        None, None,
                        lambda: psql(a.postgres_url + "/postgres", f"DROP DATABASE IF EXISTS {DB}")))
    if a.only in (None, "mysql"):
        targets.append(("MariaDB",
                        lambda: fill_mysql(a.mysql_host, a.mysql_port, a.rows, db=DB, value=MYSQL_VALUE),
                        ["mysql", "--protocol=tcp", "-h", a.mysql_host, "-P", str(a.mysql_port), "-u", "root",
                         "--quick", "-N", DB, "-e", "SELECT session_key, session_data, expire_date FROM django_session"],
                        ["--time-zone", "Etc/GMT"], None,
                        lambda: mysql(a.mysql_host, a.mysql_port, None, f"DROP DATABASE IF EXISTS {DB}")))
    if a.only in (None, "sqlite"):
        os.makedirs(a.work, exist_ok=True)
        path = os.path.join(a.work, f"{DB}.sqlite3")
        targets.append(("SQLite",
                        lambda: fill_sqlite(path, a.rows, value=SQLITE_VALUE),
                        ["sqlite3", path, "SELECT session_key, session_data, expire_date FROM django_session"],
                        None, lambda: queried(path, SQLITE_PUSHDOWN, a.repeat),
                        lambda: os.remove(path)))
    for name, fill, dump, full_read, pushdown, drop in targets:
        started = time.perf_counter()
        url = fill()
        print(f"({name}: filled in {time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
        try:
            plain_s, plain = timed(sessctl, url, [], a.repeat)
            if plain["total"] != a.rows:
                sys.exit(f"{name}: total {plain['total']}, inserted {a.rows}")
            print(f"| {name} | sessctl `stats` | {plain_s:.2f} s |", flush=True)
            pushed_s, pushed = timed(sessctl, url, HISTOGRAMS, a.repeat)
            print(f"| {name} | sessctl `stats {' '.join(HISTOGRAMS)}` | {pushed_s:.2f} s |", flush=True)
            if full_read:
                read_s, read = timed(sessctl, url, HISTOGRAMS + full_read, a.repeat)
                if shape_of(read) != shape_of(pushed):
                    sys.exit(f"{name}: reading every session gives other figures than the server")
                print(f"| {name} | the same, sessctl reading every session (`{' '.join(full_read)}`) "
                      f"| {read_s:.2f} s |", flush=True)
            if pushdown:
                pushdown_s, counted = pushdown()
                if counted != a.rows:
                    sys.exit(f"{name}: the expiry GROUP BY counts {counted}, inserted {a.rows}")
                print(f"| {name} | the histograms' `GROUP BY`s and `ORDER BY … LIMIT 10` in {name} "
                      f"itself (a pushdown's queries, nothing made of them) | {pushdown_s:.2f} s |", flush=True)
            dups_s, dups = timed(sessctl, url, SHAPE, a.repeat)
            if shape_of(dups)["size_histogram"] != shape_of(pushed)["size_histogram"]:
                sys.exit(f"{name}: the size histogram changes with --duplicates")
            print(f"| {name} | sessctl `stats {' '.join(SHAPE)}` | {dups_s:.2f} s |", flush=True)
            floor_s = dumped(dump, a.repeat)
            print(f"| {name} | floor of a full read: `{dump[0]}` dumping every row to /dev/null "
                  f"| {floor_s:.2f} s |", flush=True)
        finally:
            if not a.keep:
                drop()


if __name__ == "__main__":
    main()
