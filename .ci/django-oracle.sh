#!/usr/bin/env bash
# django-oracle.sh -- fresh ground truth from REAL Django for CI.
#
# Runs the project's generator (tools/django-fixtures, `djfix oracle`): a virtualenv
# with the newest Django 6.x from PyPI (created under target/django-venvs on first use,
# reused afterwards), a RANDOM secret key, a RANDOM fallback key and a RANDOM seed, and
# Django's own clearsessions as the verdict, into:
#
#   OUT/tz-utc        USE_TZ=True, TIME_ZONE=UTC, SQLite
#   OUT/notz-paris    USE_TZ=False, TIME_ZONE=Europe/Paris, SQLite
#   with --servers, also (rows in a server database, files/ + manifest.json locally):
#   OUT/pg-tz-utc, OUT/pg-notz-paris          database <prefix>_pg_tz_utc / _pg_notz_paris
#   OUT/mysql-tz-utc, OUT/mysql-notz-paris    database <prefix>_mysql_tz_utc / _mysql_notz_paris
#
# Each server set gets its own database (dropped and recreated; table django_session)
# and a file SETDIR/database-url holding the URL to give sessctl.  OUT/oracle.json
# indexes everything (Django/Python versions, seed, keys, sets).
# stdout: the set directories, one per line.  Everything else goes to stderr.
# This script does not run sessctl.
#
# Usage: .ci/django-oracle.sh [--out DIR] [--servers] [--seed N]
#                             [--reference-time ISO] [--db-prefix NAME] [--upgrade]
#   --out DIR        where to write the sets (default: a new mktemp -d directory)
#   --servers        also PostgreSQL and MariaDB/MySQL; needs SESSCTL_TEST_POSTGRES_URL
#                    (e.g. postgres://postgres@127.0.0.1:5432/test) and
#                    SESSCTL_TEST_MYSQL_URL (e.g. mysql://root@127.0.0.1:3306/test);
#                    a missing variable or an unreachable server is an error
#   --seed N         fixed seed instead of a random one (to replay a failure)
#   --reference-time ISO   the instant clearsessions runs at (default 2025-06-01T12:00:00+00:00)
#   --db-prefix NAME prefix of the server databases (default sessctl_oracle)
#   --upgrade        upgrade Django (and drivers) in the venv to the newest 6.x
# Env:   SESSCTL_ORACLE_PYTHON      python >= 3.12 to build the venv with (default: search
#                                   PATH, then pyenv)
#        SESSCTL_ORACLE_SECRET_KEY  fixed secret key instead of a random one
#        SESSCTL_VENVS              where the virtualenvs live (default target/django-venvs)
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
  exit 0
fi
djfix=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tools/django-fixtures/djfix
python=()
[[ -n ${SESSCTL_ORACLE_PYTHON:-} ]] && python=(--python "$SESSCTL_ORACLE_PYTHON")
exec "$djfix" oracle "${python[@]}" "$@"
