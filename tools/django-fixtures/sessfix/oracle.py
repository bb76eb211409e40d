"""Fresh ground truth for CI: sets made by the newest Django 6.x with a random secret
key, a random fallback key and a random seed, so that sessctl is checked against what
the Django of the day writes and deletes, not only against the committed sets.

    OUT/tz-utc, OUT/notz-paris                   SQLite, USE_TZ on / off (Europe/Paris)
    with --servers, the same two on each server (rows in a database of their own,
    files/ and manifest.json in the set, the database URL in SET/database-url):
    OUT/pg-tz-utc, OUT/pg-notz-paris             <prefix>_pg_tz_utc, <prefix>_pg_notz_paris
    OUT/mysql-tz-utc, OUT/mysql-notz-paris       <prefix>_mysql_tz_utc, ...
    OUT/auth-sqlite                              an auth set (users and sessions of four
                                                 user models, get_user() verdicts), SQLite
    with --servers also OUT/auth-pg, OUT/auth-mysql   its databases <prefix>_pg_auth_default,
                                                 <prefix>_pg_auth_uuid, ... (four per server)
    OUT/oracle.json                              index: versions, seed, keys, sets
                                                 ("sets": sessions sets, "auth_sets")

stdout lists the set directories; progress goes to stderr.  Server databases are
dropped and recreated (through Django's own drivers), never anything else.  The
newest Django 6.x needs Python >= 3.12; on a machine without one the newest 5.2 on the
Python there is used instead, and oracle.json says so.
"""

import json
import os
import re
import secrets
import subprocess
import sys
import tempfile

from . import cli, venvs

INSIDE = "SESSFIX_ORACLE_INSIDE"
# Django's get_random_secret_key() alphabet.
KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)"
NOTZ = ["--no-use-tz", "--time-zone", "Europe/Paris"]


def add_options(p, venv_root):
    p.add_argument("--out", help="where to write the sets (default: a new temporary directory)")
    p.add_argument("--servers", action="store_true",
                   help="also on PostgreSQL and MySQL/MariaDB: needs SESSCTL_TEST_POSTGRES_URL "
                        "and SESSCTL_TEST_MYSQL_URL")
    p.add_argument("--seed", type=int, help="this seed instead of a random one (to replay)")
    p.add_argument("--secret-key", default=os.environ.get("SESSCTL_ORACLE_SECRET_KEY"),
                   help="this SECRET_KEY instead of a random one "
                        "(default $SESSCTL_ORACLE_SECRET_KEY)")
    p.add_argument("--reference-time", default=cli.DEFAULT_REFERENCE)
    p.add_argument("--db-prefix", default="sessctl_oracle",
                   help="prefix of the server databases (default %(default)s)")
    p.add_argument("--upgrade", action="store_true",
                   help="upgrade the virtualenv's Django to the newest 6.x first")
    p.add_argument("--python", help="build the virtualenv with this interpreter")
    p.add_argument("--venvs", default=venv_root, help="where the virtualenvs live")


def main(ns):
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", ns.db_prefix):
        raise SystemExit("--db-prefix must match [a-z_][a-z0-9_]*")
    urls = {}
    if ns.servers:
        for vendor, var in (("pg", "SESSCTL_TEST_POSTGRES_URL"), ("mysql", "SESSCTL_TEST_MYSQL_URL")):
            if not os.environ.get(var):
                raise SystemExit("--servers needs %s (e.g. %s)" % (var, {
                    "pg": "postgres://postgres@127.0.0.1:5432/test",
                    "mysql": "mysql://root@127.0.0.1:3306/test"}[vendor]))
            urls[vendor] = os.environ[var]
    if os.environ.get(INSIDE) != sys.prefix:
        return _in_virtualenv(ns)
    return _generate(ns, urls)


def _in_virtualenv(ns):
    req = venvs.newest(6, servers=ns.servers)
    fallback = None
    if not ns.python and not venvs.find_python(req.pythons):
        fallback = req
        req = venvs.newest(5, servers=ns.servers)
        venvs.log("no Python >= 3.12 here for Django 6.x: the oracle uses the newest "
                  "Django 5.x instead")
    python = venvs.ensure(ns.venvs, req, python=ns.python, upgrade=ns.upgrade)
    prefix = subprocess.run([python, "-c", "import sys; print(sys.prefix)"],
                            capture_output=True, text=True, check=True).stdout.strip()
    env = dict(os.environ, **{INSIDE: prefix})
    if fallback:
        env["SESSFIX_ORACLE_FALLBACK"] = "Django 5.x: no Python >= 3.12 for Django 6.x"
    return subprocess.run([python, cli.ENTRY] + sys.argv[1:], env=env).returncode


def _random_key():
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(50))


def _generate(ns, urls):
    import django

    from . import databases
    secret_key = ns.secret_key or _random_key()
    fallback_key = _random_key()
    retired_key = _random_key()
    seed = ns.seed if ns.seed is not None else secrets.randbelow(2**31)
    python_version = sys.version.split()[0]
    venvs.log("Django %s on Python %s, seed %d (replay with --seed %d; the keys are in "
              "oracle.json)" % (django.get_version(), python_version, seed, seed))
    out = os.path.abspath(ns.out or tempfile.mkdtemp(prefix="sessctl-oracle."))
    os.makedirs(out, exist_ok=True)

    plan = [("tz-utc", None, []), ("notz-paris", None, NOTZ)]
    for vendor, base in urls.items():
        for variant, extra in (("tz-utc", []), ("notz-paris", NOTZ)):
            name = "%s_%s_%s" % (ns.db_prefix, vendor, variant.replace("-", "_"))
            plan.append(("%s-%s" % (vendor, variant), databases.recreate(base, name), extra))

    index = {"django_version": django.get_version(), "python_version": python_version,
             "seed": seed, "secret_key": secret_key, "secret_key_fallbacks": [fallback_key],
             "sets": []}
    if os.environ.get("SESSFIX_ORACLE_FALLBACK"):
        index["note"] = os.environ["SESSFIX_ORACLE_FALLBACK"]
    for name, url, extra in plan:
        set_dir = os.path.join(out, name)
        argv = [sys.executable, cli.ENTRY, "build-sessions", "--out", set_dir,
                "--secret-key", secret_key, "--fallback-key", fallback_key,
                "--seed", str(seed), "--reference-time", ns.reference_time] + extra
        if url:
            argv += ["--database-url", url]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise SystemExit("django-fixtures: oracle set %s failed" % name)
        venvs.log("%s: %s" % (name, done.stdout.strip()))
        if url:
            with open(os.path.join(set_dir, "database-url"), "w") as f:
                f.write(url + "\n")
        with open(os.path.join(set_dir, "manifest.json"), encoding="utf-8") as f:
            m = json.load(f)
        index["sets"].append({"name": name, "dir": set_dir, "database_url": url,
                              "vendor": m["database"]["vendor"], "table": m["database"]["table"],
                              "settings": m["settings"]})
        print(set_dir, flush=True)
    index["auth_sets"] = _auth_sets(ns, out, urls, secret_key, fallback_key, retired_key, seed)
    index["retired_secret_key"] = retired_key
    with open(os.path.join(out, "oracle.json"), "w", encoding="utf-8") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    venvs.log("index: %s" % os.path.join(out, "oracle.json"))
    return 0


def _auth_sets(ns, out, urls, secret_key, fallback_key, retired_key, seed):
    """The auth sets (djfix build-auth): SQLite, and with --servers one per server, whose
    four databases are <prefix>_<vendor>_auth_<variant>.  Returns their index entries."""
    from urllib.parse import urlparse
    plan = [("auth-sqlite", None)]
    for vendor, base in urls.items():
        u = urlparse(base)
        plan.append(("auth-" + vendor, u._replace(path="/%s_%s" % (ns.db_prefix, vendor)).geturl()))
    entries = []
    for name, url in plan:
        set_dir = os.path.join(out, name)
        argv = [sys.executable, cli.ENTRY, "build-auth", "--out", set_dir,
                "--secret-key", secret_key, "--fallback-key", fallback_key,
                "--retired-key", retired_key, "--seed", str(seed),
                "--reference-time", ns.reference_time]
        if url:
            argv += ["--database-url", url]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise SystemExit("django-fixtures: oracle set %s failed" % name)
        venvs.log("%s: %s" % (name, done.stdout.strip()))
        with open(os.path.join(set_dir, "manifest.json"), encoding="utf-8") as f:
            m = json.load(f)
        entries.append({"name": name, "dir": set_dir, "kind": "auth",
                        "variants": {v: d["database"] for v, d in m["variants"].items()}})
        print(set_dir, flush=True)
    return entries
