"""Command line of the fixture generator (see ../README.md).

    djfix sessions --django 6.1.3 --out DIR [set options]   one set, pinned Django
    djfix build-sessions --out DIR [set options]             same, with the Django this
                                                             interpreter imports
    djfix oracle --out DIR [--servers] [--seed N]            fresh sets from the newest
                                                             Django 6.x, random keys
    djfix auth --django 6.1.3 --out DIR [auth options]      one auth set (sessions and
                                                             users), pinned Django
    djfix build-auth --out DIR [auth options]                same, this interpreter's Django
    djfix compare EXPECTED ACTUAL                            same content? (exit 1 if not)
    djfix restore-mtimes SET...                              mtimes from the manifests

Commands that need Django run it in a virtualenv they create (sessfix.venvs); the
others need only the standard library.  A new kind of fixture adds its own pair of
commands here (`<kind>` and `build-<kind>`) next to the sessions ones.
"""

import argparse
import os
import subprocess

from . import manifest, venvs

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENTRY = os.path.join(HERE, "djfix")
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_REFERENCE = "2025-06-01T12:00:00+00:00"
DEFAULT_FALLBACK = "previous-secret-key-for-fallback-tests"
DEFAULT_RETIRED = "retired-secret-key-no-longer-configured"
DEFAULT_SECRET = "sessctl-sample-secret-key-not-for-production"


def default_venvs():
    root = os.environ.get("SESSCTL_VENVS", "target/django-venvs")
    return root if os.path.isabs(root) else os.path.join(REPO, root)


# (flag, dest, argparse keywords) of the options that describe one sessions set.
SET_OPTIONS = [
    ("--out", "out", dict(required=True, help="directory to write the set into (emptied)")),
    ("--secret-key", "secret_key", dict(required=True, help="SECRET_KEY")),
    ("--fallback-key", "fallback_key", dict(default=DEFAULT_FALLBACK,
     help="SECRET_KEY_FALLBACKS[0] on Django >= 4.1 (default %(default)s)")),
    ("--seed", "seed", dict(type=int, default=1234,
     help="seed of the session keys (default %(default)s)")),
    ("--reference-time", "reference_time", dict(default=DEFAULT_REFERENCE,
     help="the instant clearsessions runs at; ages count back from it (default %(default)s)")),
    ("--time-zone", "time_zone", dict(default="UTC", help="TIME_ZONE (default UTC)")),
    ("--serializer", "serializer", dict(choices=["json", "pickle"], default="json",
     help="SESSION_SERIALIZER (pickle: Django < 5.0)")),
    ("--database-url", "database_url", dict(default=None,
     help="rows into this PostgreSQL or MySQL database (empty) instead of DIR/sessions.sqlite3")),
    ("--cookie-name", "cookie_name", dict(default="sessionid",
     help="SESSION_COOKIE_NAME, also the file backend's file-name prefix")),
    ("--cookie-age", "cookie_age", dict(type=int, default=1209600, help="SESSION_COOKIE_AGE")),
]
SET_FLAGS = [
    ("--no-use-tz", "use_tz", "USE_TZ = False (naive local times in TIME_ZONE)"),
    ("--legacy-sha1", "legacy_sha1", "Django 3.1/3.2: DEFAULT_HASHING_ALGORITHM = 'sha1', "
                                     "which writes the pre-3.1 format"),
]


def add_set_options(p):
    for flag, dest, kw in SET_OPTIONS:
        p.add_argument(flag, dest=dest, **kw)
    for flag, dest, text in SET_FLAGS:
        if dest == "use_tz":
            p.add_argument(flag, dest=dest, action="store_false", help=text)
        else:
            p.add_argument(flag, dest=dest, action="store_true", help=text)


def set_argv(ns):
    """The set options of a parsed namespace, as arguments again."""
    argv = []
    for flag, dest, _ in SET_OPTIONS:
        value = getattr(ns, dest)
        if value is not None:
            argv += [flag, str(value)]
    if not ns.use_tz:
        argv.append("--no-use-tz")
    if ns.legacy_sha1:
        argv.append("--legacy-sha1")
    return argv


def cmd_sessions(ns):
    python = ns.python or venvs.ensure(ns.venvs, venvs.pinned(ns.django,
                                                              servers=bool(ns.database_url)))
    done = subprocess.run([python, ENTRY, "build-sessions"] + set_argv(ns))
    return done.returncode


def cmd_build_sessions(ns):
    from .sessions import build
    print(build.build(ns))
    return 0


CACHE_OPTIONS = [
    ("--out", "out", dict(required=True, help="directory to write the set into")),
    ("--secret-key", "secret_key", dict(required=True, help="SECRET_KEY")),
    ("--redis-url", "redis_url", dict(
        default=os.environ.get("SESSCTL_TEST_REDIS_URL", "redis://127.0.0.1:6379"),
        help="Redis server to write through (default $SESSCTL_TEST_REDIS_URL or "
             "redis://127.0.0.1:6379)")),
    ("--redis-db", "redis_db", dict(type=int, default=10,
     help="first database number: one per backend, emptied first (default %(default)s)")),
    ("--key-prefix", "key_prefix", dict(default="si*te[1]",
     help="CACHES KEY_PREFIX, glob characters welcome (default %(default)s)")),
    ("--cache-version", "cache_version", dict(type=int, default=3,
     help="CACHES VERSION (default %(default)s)")),
    ("--seed", "seed", dict(type=int, default=1234, help="seed of the session keys")),
    ("--reference-time", "reference_time", dict(default=DEFAULT_REFERENCE,
     help="Django's clock while it writes (default %(default)s)")),
    ("--cookie-age", "cookie_age", dict(type=int, default=1209600, help="SESSION_COOKIE_AGE")),
]


def add_cache_options(p):
    for flag, dest, kw in CACHE_OPTIONS:
        p.add_argument(flag, dest=dest, **kw)
    p.add_argument("--truncate", action="store_true",
                   help="empty the Redis databases even when they hold something")
    p.add_argument("--keep", action="store_true",
                   help="leave the entries in Redis afterwards (default: empty the databases)")


def cache_argv(ns):
    argv = []
    for flag, dest, _ in CACHE_OPTIONS:
        argv += [flag, str(getattr(ns, dest))]
    return argv + (["--truncate"] if ns.truncate else []) + (["--keep"] if ns.keep else [])


def cmd_cache(ns):
    python = ns.python or venvs.ensure(ns.venvs, venvs.pinned_cache(ns.django))
    return subprocess.run([python, ENTRY, "build-cache"] + cache_argv(ns)).returncode


def cmd_build_cache(ns):
    from .cache import build
    print(build.build(ns))
    return 0


def cmd_cache_e2e(ns):
    python = ns.python or venvs.ensure(ns.venvs, venvs.pinned_cache(ns.django))
    return subprocess.run([python, "-m", "sessfix.cache.e2e", "--sessctl", os.path.abspath(ns.sessctl),
                           "--redis-url", ns.redis_url, "--redis-db", str(ns.redis_db),
                           "--backends", ns.backends, "--memcached", ns.memcached],
                          cwd=HERE).returncode


# (flag, dest, argparse keywords) of the options that describe one auth set.
AUTH_OPTIONS = [
    ("--out", "out", dict(required=True, help="directory to write the set into (its "
                                              "*.sqlite3 and manifest.json are replaced)")),
    ("--secret-key", "secret_key", dict(default=DEFAULT_SECRET,
     help="SECRET_KEY at the reference time (default %(default)s)")),
    ("--fallback-key", "fallback_key", dict(default=DEFAULT_FALLBACK,
     help="the previous SECRET_KEY, in SECRET_KEY_FALLBACKS at the reference time on "
          "Django >= 4.1 (default %(default)s)")),
    ("--retired-key", "retired_key", dict(default=DEFAULT_RETIRED,
     help="an older SECRET_KEY, no longer configured at the reference time "
          "(default %(default)s)")),
    ("--seed", "seed", dict(type=int, default=1234,
     help="seed of user names, ids, password salts and session keys (default %(default)s)")),
    ("--reference-time", "reference_time", dict(default=DEFAULT_REFERENCE,
     help="the instant of Django's verdicts; the sessions are made in the 20 days "
          "before it (default %(default)s)")),
    ("--database-url", "database_url", dict(default=None,
     help="postgres://…/NAME or mysql://…/NAME: the four databases NAME_auth_default, "
          "NAME_auth_uuid, NAME_auth_email, NAME_auth_nohash on that server (dropped and "
          "recreated) instead of DIR/<variant>.sqlite3")),
]


def add_auth_options(p):
    for flag, dest, kw in AUTH_OPTIONS:
        p.add_argument(flag, dest=dest, **kw)


def auth_argv(ns):
    argv = []
    for flag, dest, _ in AUTH_OPTIONS:
        value = getattr(ns, dest)
        if value is not None:
            argv += [flag, str(value)]
    return argv


def cmd_auth(ns):
    python = ns.python or venvs.ensure(ns.venvs, venvs.pinned(ns.django,
                                                              servers=bool(ns.database_url)))
    return subprocess.run([python, ENTRY, "build-auth"] + auth_argv(ns)).returncode


def cmd_build_auth(ns):
    from .auth import build
    if ns.variant:  # one user model, in a process of its own (build() starts these)
        build.build_variant(ns)
    else:
        print(build.build(ns))
    return 0


def cmd_oracle(ns):
    from . import oracle
    return oracle.main(ns)


def cmd_compare(ns):
    identical, problems, notes = manifest.compare(ns.expected, ns.actual)
    label = "%s vs %s" % (ns.expected, ns.actual)
    if problems:
        print("%s: DIFFERENT\n  %s" % (label, "\n  ".join(problems + notes)))
        return 1
    if identical:
        print("%s: byte-identical" % label)
    else:
        print("%s: same sessions; bytes differ only in:\n  %s" % (label, "\n  ".join(notes)))
    return 0


def cmd_restore_mtimes(ns):
    for set_dir in ns.sets:
        print("%s: restored the mtime of %d entries" % (set_dir, manifest.restore_mtimes(set_dir)))
    return 0


def parser():
    ap = argparse.ArgumentParser(
        prog="djfix", description="Django session fixtures made and judged by real Django "
                                  "(tools/django-fixtures/README.md).")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sessions", help="make one sessions set with an exact Django in a "
                                        "virtualenv of its own")
    p.add_argument("--django", required=True, metavar="VERSION",
                   help="exact Django release, one of: " + ", ".join(venvs.PINNED))
    p.add_argument("--python", help="run with this interpreter (which has Django) instead "
                                    "of a virtualenv")
    p.add_argument("--venvs", default=default_venvs(),
                   help="where the virtualenvs live (default $SESSCTL_VENVS or "
                        "target/django-venvs)")
    add_set_options(p)
    p.set_defaults(run=cmd_sessions)

    p = sub.add_parser("build-sessions", help="make one sessions set with the Django this "
                                              "interpreter imports")
    add_set_options(p)
    p.set_defaults(run=cmd_build_sessions)

    p = sub.add_parser("auth", help="make one auth set (four user models, their "
                                    "users' sessions, get_user()'s verdicts) with an "
                                    "exact Django in a virtualenv of its own")
    p.add_argument("--django", required=True, metavar="VERSION",
                   help="exact Django release, one of: " + ", ".join(venvs.PINNED))
    p.add_argument("--python", help="run with this interpreter (which has Django) instead "
                                    "of a virtualenv")
    p.add_argument("--venvs", default=default_venvs(), help="where the virtualenvs live")
    add_auth_options(p)
    p.set_defaults(run=cmd_auth)

    p = sub.add_parser("build-auth", help="make one auth set with the Django this "
                                          "interpreter imports")
    add_auth_options(p)
    # One variant into a part file: how build-auth runs each user model on its own.
    p.add_argument("--variant", help=argparse.SUPPRESS)
    p.add_argument("--part", help=argparse.SUPPRESS)
    p.add_argument("--variant-database-url", help=argparse.SUPPRESS)
    p.set_defaults(run=cmd_build_auth)

    p = sub.add_parser("oracle", help="fresh sets from the newest Django 6.x with random "
                                      "keys and seed (what CI tests against)")
    from . import oracle
    oracle.add_options(p, default_venvs())
    p.set_defaults(run=cmd_oracle)

    p = sub.add_parser("cache", help="make the cache set (Redis backends, DatabaseCache, "
                                     "FileBasedCache) with an exact Django in a "
                                     "virtualenv of its own")
    p.add_argument("--django", default="6.1.3", metavar="VERSION",
                   help="exact Django release (default %(default)s)")
    p.add_argument("--python", help="run with this interpreter instead of a virtualenv")
    p.add_argument("--venvs", default=default_venvs(), help="where the virtualenvs live")
    add_cache_options(p)
    p.set_defaults(run=cmd_cache)

    p = sub.add_parser("build-cache", help="make the cache set with the Django (and "
                                           "django-redis) this interpreter imports")
    add_cache_options(p)
    p.set_defaults(run=cmd_build_cache)

    p = sub.add_parser("cache-e2e", help="a real Django app logs users in on the cache and "
                                         "cached_db engines over Redis, memcached, "
                                         "DatabaseCache and FileBasedCache; sessctl logs "
                                         "them out")
    p.add_argument("--sessctl", required=True, help="the sessctl binary to run")
    p.add_argument("--django", default="6.1.3", metavar="VERSION")
    p.add_argument("--python", help="run with this interpreter instead of a virtualenv")
    p.add_argument("--venvs", default=default_venvs(), help="where the virtualenvs live")
    p.add_argument("--redis-url", default=os.environ.get("SESSCTL_TEST_REDIS_URL",
                                                         "redis://127.0.0.1:6379"))
    p.add_argument("--redis-db", type=int, default=8,
                   help="database number of its own, emptied first (default %(default)s)")
    p.add_argument("--backends", default="redis,memcached,db,file",
                   help="comma-separated cache backends to prove on: redis (RedisCache), "
                        "memcached (PyMemcacheCache), db (DatabaseCache), file "
                        "(FileBasedCache) (default: all)")
    p.add_argument("--memcached", default="memcached",
                   help="memcached binary, started on a free loopback port for the run "
                        "(default %(default)s, from PATH)")
    p.set_defaults(run=cmd_cache_e2e)

    p = sub.add_parser("compare", help="do two sets hold the same sessions? exit 1 if not")
    p.add_argument("expected")
    p.add_argument("actual")
    p.set_defaults(run=cmd_compare)

    p = sub.add_parser("restore-mtimes", help="re-apply the file mtimes each manifest "
                                              "records (git keeps none)")
    p.add_argument("sets", nargs="+", metavar="SET")
    p.set_defaults(run=cmd_restore_mtimes)
    return ap


def main(argv=None):
    ns = parser().parse_args(argv)
    try:
        return ns.run(ns)
    except KeyboardInterrupt:
        return 130
