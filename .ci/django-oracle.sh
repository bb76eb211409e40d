#!/usr/bin/env bash
# django-oracle.sh -- fresh ground truth from REAL Django for CI.
#
# Builds (or reuses) a virtualenv with the newest Django 6.x from PyPI and runs
# ../shared/django-sessions/make_fixtures.py (shared/ beside the repository) with a
# RANDOM secret key, RANDOM fallback key and RANDOM --seed, with Django's
# `clearsessions` oracle, into:
#
#   OUT/tz-utc        USE_TZ=True, TIME_ZONE=UTC, SQLite
#   OUT/notz-paris    USE_TZ=False, TIME_ZONE=Europe/Paris, SQLite
#   with --servers, also (rows in a server database, files/ + manifest.json locally):
#   OUT/pg-tz-utc, OUT/pg-notz-paris          database <prefix>_pg_tz_utc / _pg_notz_paris
#   OUT/mysql-tz-utc, OUT/mysql-notz-paris    database <prefix>_mysql_tz_utc / _mysql_notz_paris
#
# Each server set gets its own database (dropped and recreated here; table
# django_session) and a file SETDIR/database-url holding the URL to give sessctl.
# OUT/oracle.json indexes everything (Django/Python versions, seed, keys, sets).
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
#   --reference-time ISO   passed to make_fixtures.py (default 2025-06-01T12:00:00+00:00)
#   --db-prefix NAME prefix of the server databases (default sessctl_oracle)
#   --upgrade        upgrade Django (and drivers) in an existing venv to the newest 6.x
# Env:   SESSCTL_SHARED          shared/ folder (default <repo>/../shared)
#        SESSCTL_ORACLE_PYTHON   python >= 3.12 to build the venv with (default: search
#                                PATH, then pyenv)
#        SESSCTL_ORACLE_SECRET_KEY  fixed secret key instead of a random one
set -euo pipefail

die() { echo "django-oracle.sh: error: $*" >&2; exit 1; }
log() { echo "django-oracle.sh: $*" >&2; }

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/.." && pwd)
shared=${SESSCTL_SHARED:-$repo/../shared}
make_fixtures=$shared/django-sessions/make_fixtures.py
venv=$repo/target/django-oracle-venv

out='' servers=0 seed='' reftime='' db_prefix=sessctl_oracle upgrade=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) [[ $# -ge 2 ]] || die "--out needs a directory"; out=$2; shift 2 ;;
    --out=*) out=${1#*=}; shift ;;
    --servers) servers=1; shift ;;
    --seed) [[ $# -ge 2 ]] || die "--seed needs a number"; seed=$2; shift 2 ;;
    --seed=*) seed=${1#*=}; shift ;;
    --reference-time) [[ $# -ge 2 ]] || die "--reference-time needs a value"; reftime=$2; shift 2 ;;
    --reference-time=*) reftime=${1#*=}; shift ;;
    --db-prefix) [[ $# -ge 2 ]] || die "--db-prefix needs a name"; db_prefix=$2; shift 2 ;;
    --db-prefix=*) db_prefix=${1#*=}; shift ;;
    --upgrade) upgrade=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
[[ -z $seed || $seed =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer"
[[ $db_prefix =~ ^[a-z_][a-z0-9_]*$ ]] || die "--db-prefix must match [a-z_][a-z0-9_]*"
[[ -f $make_fixtures ]] || die "$make_fixtures not found (shared/ beside the repo, or SESSCTL_SHARED)"
if [[ $servers == 1 ]]; then
  [[ -n ${SESSCTL_TEST_POSTGRES_URL:-} ]] || die "--servers needs SESSCTL_TEST_POSTGRES_URL"
  [[ -n ${SESSCTL_TEST_MYSQL_URL:-} ]] || die "--servers needs SESSCTL_TEST_MYSQL_URL"
fi

# ---- a python >= 3.12 --------------------------------------------------------
is_py312() { [[ -n $1 ]] && "$1" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }
find_python() {
  local cand root
  if [[ -n ${SESSCTL_ORACLE_PYTHON:-} ]]; then
    is_py312 "$SESSCTL_ORACLE_PYTHON" || die "SESSCTL_ORACLE_PYTHON=$SESSCTL_ORACLE_PYTHON is not a python >= 3.12 with venv"
    echo "$SESSCTL_ORACLE_PYTHON"; return
  fi
  for cand in python3.12 python3.13 python3.14 python3; do
    cand=$(command -v "$cand" 2>/dev/null) || continue
    is_py312 "$cand" && { echo "$cand"; return; }  # a pyenv shim of an unselected version fails here
  done
  root=${PYENV_ROOT:-$HOME/.pyenv}
  command -v pyenv >/dev/null 2>&1 && root=$(pyenv root)
  for cand in "$root"/versions/3.1[2-9]*/bin/python3; do
    is_py312 "$cand" && { echo "$cand"; return; }
  done
  die "no python >= 3.12 found on PATH or in pyenv ($root/versions); Django 6 needs one"
}

# ---- the virtualenv --------------------------------------------------------------
packages=("Django>=6,<7")
[[ $servers == 1 ]] && packages+=("psycopg[binary]" "PyMySQL")
venv_ok() {
  local check='import sys, django; sys.exit(not (sys.version_info >= (3, 12) and django.VERSION[0] == 6))'
  [[ $servers == 1 ]] && check="import psycopg, pymysql; $check"
  [[ -x $venv/bin/python ]] && "$venv/bin/python" -c "$check" >/dev/null 2>&1
}
if venv_ok; then
  if [[ $upgrade == 1 ]]; then
    "$venv/bin/python" -m pip install --quiet --upgrade "${packages[@]}" >&2 ||
      die "pip install --upgrade ${packages[*]} failed"
  fi
  log "reusing $venv"
else
  py=$(find_python)
  log "creating $venv with $py ($("$py" -V 2>&1))"
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$py" -m venv "$venv" >&2 || die "python -m venv failed"
  if [[ -x $venv/bin/python ]] && [[ -d $venv/lib ]]; then :; else die "venv $venv is broken"; fi
  "$venv/bin/python" -m pip install --quiet "${packages[@]}" >&2 ||
    die "pip install ${packages[*]} failed"
  venv_ok || die "venv $venv still lacks ${packages[*]} after pip install"
fi
vpy=$venv/bin/python
django_version=$("$vpy" -c 'import django; print(django.get_version())')
python_version=$("$vpy" -c 'import sys; print(sys.version.split()[0])')
log "Django $django_version on Python $python_version"

# ---- random inputs -----------------------------------------------------------------
# Django's own secret-key alphabet (get_random_secret_key); secrets reads /dev/urandom.
rand_key() { "$vpy" -c 'import secrets; a = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)"; print("".join(secrets.choice(a) for _ in range(50)))'; }
secret_key=${SESSCTL_ORACLE_SECRET_KEY:-$(rand_key)}
old_secret_key=$(rand_key)
[[ -n $seed ]] || seed=$("$vpy" -c 'import secrets; print(secrets.randbelow(2**31))')
log "seed $seed (replay with --seed $seed; the keys are in each manifest.json)"

if [[ -z $out ]]; then
  out=$(mktemp -d "${TMPDIR:-/tmp}/sessctl-oracle.XXXXXX")
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

# ---- server databases -----------------------------------------------------------------
# url_part URL FIELD -> scheme|host|port|user|password|db, or the URL with another db name
url_part() {
  "$vpy" - "$@" <<'EOF'
import sys
from urllib.parse import urlparse, unquote
url, what = sys.argv[1], sys.argv[2]
u = urlparse(url)
if what == "with_db":
    print(u._replace(path="/" + sys.argv[3]).geturl())
else:
    print({"scheme": u.scheme, "host": u.hostname or "127.0.0.1", "port": u.port or "",
           "user": unquote(u.username or ""), "password": unquote(u.password or ""),
           "db": u.path.lstrip("/")}[what])
EOF
}

wait_ready() {  # wait_ready NAME CMD...: readiness probe, at most 30 s
  local name=$1 i; shift
  for ((i = 0; i < 60; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  die "$name is not ready (probe: $*)"
}

pg_recreate() {  # pg_recreate BASE_URL DBNAME
  local host port user pass
  host=$(url_part "$1" host); port=$(url_part "$1" port); user=$(url_part "$1" user)
  pass=$(url_part "$1" password)
  PGOPTIONS="-c client_min_messages=warning" PGPASSWORD=$pass psql -X -q -v ON_ERROR_STOP=1 -h "$host" -p "${port:-5432}" -U "$user" \
      -d "$(url_part "$1" db)" \
      -c "DROP DATABASE IF EXISTS \"$2\" WITH (FORCE)" -c "CREATE DATABASE \"$2\"" >&2 ||
    die "could not recreate PostgreSQL database $2"
}

mysql_recreate() {  # mysql_recreate BASE_URL DBNAME
  local host port user pass client
  host=$(url_part "$1" host); port=$(url_part "$1" port); user=$(url_part "$1" user)
  pass=$(url_part "$1" password)
  client=$(command -v mariadb || command -v mysql) || die "mariadb/mysql client not found (needed for --servers)"
  MYSQL_PWD=$pass "$client" --protocol=TCP -h "$host" -P "${port:-3306}" -u "$user" \
      -e "DROP DATABASE IF EXISTS \`$2\`; CREATE DATABASE \`$2\` CHARACTER SET utf8mb4" >&2 ||
    die "could not recreate MySQL database $2"
}

probe_servers() {  # readiness probes before anything is written
  local host port user pass admin
  command -v psql >/dev/null || die "psql not found (needed for --servers)"
  command -v pg_isready >/dev/null || die "pg_isready not found (needed for --servers)"
  host=$(url_part "$SESSCTL_TEST_POSTGRES_URL" host); port=$(url_part "$SESSCTL_TEST_POSTGRES_URL" port)
  wait_ready PostgreSQL pg_isready -h "$host" -p "${port:-5432}"
  admin=$(command -v mariadb-admin || command -v mysqladmin) || die "mariadb-admin/mysqladmin not found (needed for --servers)"
  host=$(url_part "$SESSCTL_TEST_MYSQL_URL" host); port=$(url_part "$SESSCTL_TEST_MYSQL_URL" port)
  user=$(url_part "$SESSCTL_TEST_MYSQL_URL" user); pass=$(url_part "$SESSCTL_TEST_MYSQL_URL" password)
  MYSQL_PWD=$pass wait_ready MariaDB/MySQL "$admin" --protocol=TCP -h "$host" -P "${port:-3306}" -u "$user" ping
}
[[ $servers == 1 ]] && probe_servers

# ---- generate --------------------------------------------------------------------------
sets_json=()
gen() {  # gen NAME DATABASE_URL|"" make_fixtures-args...
  local name=$1 url=$2 dir=$out/$1; shift 2
  rm -rf "$dir"
  local args=(--out "$dir" --secret-key "$secret_key" --old-secret-key "$old_secret_key"
              --seed "$seed" --run-clearsessions "$@")
  [[ -n $reftime ]] && args+=(--reference-time "$reftime")
  [[ -n $url ]] && args+=(--database-url "$url")
  local summary
  summary=$("$vpy" "$make_fixtures" "${args[@]}") || die "make_fixtures.py failed for $name"
  log "$name: $summary"
  [[ -n $url ]] && printf '%s\n' "$url" >"$dir/database-url"
  sets_json+=("$name|$url")
  echo "$dir"
}

notz=(--no-use-tz --time-zone Europe/Paris)
gen tz-utc ""
gen notz-paris "" "${notz[@]}"
if [[ $servers == 1 ]]; then
  for variant in tz-utc notz-paris; do
    db=${db_prefix}_pg_${variant//-/_}
    pg_recreate "$SESSCTL_TEST_POSTGRES_URL" "$db"
    extra=(); [[ $variant == notz-paris ]] && extra=("${notz[@]}")
    gen "pg-$variant" "$(url_part "$SESSCTL_TEST_POSTGRES_URL" with_db "$db")" "${extra[@]}"
  done
  for variant in tz-utc notz-paris; do
    db=${db_prefix}_mysql_${variant//-/_}
    mysql_recreate "$SESSCTL_TEST_MYSQL_URL" "$db"
    extra=(); [[ $variant == notz-paris ]] && extra=("${notz[@]}")
    gen "mysql-$variant" "$(url_part "$SESSCTL_TEST_MYSQL_URL" with_db "$db")" "${extra[@]}"
  done
fi

# ---- index --------------------------------------------------------------------------------
"$vpy" - "$out" "$django_version" "$python_version" "$seed" "${sets_json[@]}" <<'EOF'
import json, os, sys
out, django_version, python_version, seed, *sets = sys.argv[1:]
index = {"django_version": django_version, "python_version": python_version,
         "seed": int(seed), "sets": []}
for s in sets:
    name, url = s.split("|", 1)
    with open(os.path.join(out, name, "manifest.json"), encoding="utf-8") as f:
        m = json.load(f)
    index["secret_key"] = m["secret_key"]
    index["secret_key_fallbacks"] = m["secret_key_fallbacks"]
    index["sets"].append({"name": name, "dir": os.path.join(out, name),
                          "database_url": url or None, "vendor": m["database"]["vendor"],
                          "table": m["database"]["table"], "settings": m["settings"]})
with open(os.path.join(out, "oracle.json"), "w", encoding="utf-8") as f:
    json.dump(index, f, indent=1)
    f.write("\n")
EOF
log "index: $out/oracle.json"
