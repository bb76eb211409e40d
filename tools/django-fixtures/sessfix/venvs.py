"""Virtualenvs with an exact Django from PyPI, one per pin (standard library only).

A set is reproducible only if the Django that wrote it is: every pinned release below
names the exact versions of Django and of the packages it pulls in, and the Python
minor versions it runs on (first choice first).  The oracle uses the newest release
of a series instead (`Requirement.newest`), so CI meets each new Django on its own.

Virtualenvs live under one root (default: target/django-venvs of the repository) and
are reused while they hold what was asked for; `ensure` rebuilds one that does not.
"""

import dataclasses
import glob
import os
import shutil
import subprocess
import sys


@dataclasses.dataclass(frozen=True)
class Requirement:
    """What a virtualenv must hold."""
    name: str                 # folder name under the root
    packages: tuple           # pip requirement strings
    pythons: tuple            # python minor versions to try, e.g. ("3.12", "3.13")
    django_check: str         # python expression on django.VERSION that must hold
    imports: tuple = ()       # modules that must import (server drivers)


# Django release -> (python minors, companion pins).  The companions are what pip chose
# when these sets were first made; pinning them keeps a rebuild identical.
PINNED = {
    "3.2.25": (("3.11", "3.10"), ("asgiref==3.13.0", "sqlparse==0.6.1", "pytz==2026.6")),
    "4.2.30": (("3.11", "3.12"), ("asgiref==3.13.0", "sqlparse==0.6.1")),
    "5.2.19": (("3.12", "3.13", "3.11"), ("asgiref==3.13.0", "sqlparse==0.6.1")),
    "6.1.3": (("3.12", "3.13"), ("asgiref==3.13.0", "sqlparse==0.6.1")),
}

SERVER_DRIVERS = ("psycopg[binary]", "PyMySQL")
# Django before 4.2 talks to PostgreSQL through psycopg2 only (psycopg 3 stays beside it:
# the generator's own drop/create of scratch databases uses it).
LEGACY_PG_DRIVER = "psycopg2-binary"

# The cache kind: Django's RedisCache needs redis-py; django-redis and its compressor and
# serializer packages write the other value formats; Django's PyMemcacheCache needs
# pymemcache.
CACHE_PACKAGES = ("redis==8.1.0", "django-redis==7.0.0", "lz4==4.4.5", "msgpack==1.2.4",
                  "pymemcache==4.0.0")


def pinned_cache(version):
    """An exact Django release with the cache packages (CACHE_PACKAGES) beside it."""
    base = pinned(version)
    return dataclasses.replace(base, name=base.name + "-cache",
                               packages=base.packages + CACHE_PACKAGES,
                               imports=("redis", "django_redis", "lz4", "msgpack", "pymemcache"))


def pinned(version, servers=False):
    """The requirement of an exact Django release from PINNED."""
    if version not in PINNED:
        raise SystemExit("Django %s is not pinned here; known: %s (add it to PINNED in %s)"
                         % (version, ", ".join(PINNED), __file__))
    pythons, companions = PINNED[version]
    packages = ("Django==" + version,) + companions
    imports = ()
    want = tuple(int(p) for p in version.split("."))
    if servers:
        packages += SERVER_DRIVERS
        imports = ("psycopg", "pymysql")
        if want < (4, 2):
            packages += (LEGACY_PG_DRIVER,)
            imports += ("psycopg2",)
    return Requirement(name="django-" + version + ("-servers" if servers else ""),
                       packages=packages, pythons=pythons,
                       django_check="django.VERSION[:3] == %r" % (want,), imports=imports)


def newest(series, servers=False):
    """The newest release of a major series, e.g. newest(6) -> Django>=6,<7."""
    pythons = ("3.12", "3.13", "3.14") if series >= 6 else ("3.12", "3.11", "3.13")
    packages = ("Django>=%d,<%d" % (series, series + 1),)
    imports = ()
    if servers:
        packages += SERVER_DRIVERS
        imports = ("psycopg", "pymysql")
    return Requirement(name="django-%d.x%s" % (series, "-servers" if servers else ""),
                       packages=packages, pythons=pythons,
                       django_check="django.VERSION[0] == %d" % series, imports=imports)


def log(msg):
    print("django-fixtures: " + msg, file=sys.stderr, flush=True)


def _works(python, minor):
    """True when `python` runs, is that minor version and has venv (a pyenv shim of a
    version that is not selected exists on PATH but fails here)."""
    try:
        out = subprocess.run([python, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=60)
    except OSError:
        return False
    return out.returncode == 0 and out.stdout.strip() == minor


def find_python(minors, explicit=None):
    """The first interpreter of one of `minors`: $PATH, then pyenv's versions."""
    if explicit:
        return explicit
    roots = [os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")]
    for minor in minors:
        candidates = [shutil.which("python" + minor)]
        for root in roots:
            candidates += sorted(glob.glob(os.path.join(root, "versions", minor + ".*",
                                                        "bin", "python" + minor)), reverse=True)
        if sys.version_info[:2] == tuple(int(x) for x in minor.split(".")):
            candidates.append(sys.executable)
        for cand in candidates:
            if cand and _works(cand, minor):
                return cand
    return None


def _satisfied(python, req):
    check = "import sys, django%s; sys.exit(0 if %s else 1)" % (
        "".join(", " + m for m in req.imports), req.django_check)
    try:
        return subprocess.run([python, "-c", check], capture_output=True, timeout=120).returncode == 0
    except OSError:
        return False


def ensure(root, req, python=None, upgrade=False):
    """Path of the python of a virtualenv under `root` that satisfies `req`."""
    venv = os.path.join(root, req.name)
    vpy = os.path.join(venv, "bin", "python")
    if os.path.exists(vpy) and _satisfied(vpy, req):
        if upgrade:
            log("upgrading %s" % venv)
            _pip(vpy, ("--upgrade",) + req.packages)
        return vpy
    base = find_python(req.pythons, python)
    if base is None:
        raise SystemExit("django-fixtures: no Python %s found on PATH or in pyenv for %s "
                         "(pass --python, or install one)" % (" / ".join(req.pythons), req.name))
    log("creating %s with %s" % (venv, base))
    shutil.rmtree(venv, ignore_errors=True)
    os.makedirs(root, exist_ok=True)
    subprocess.run([base, "-m", "venv", venv], check=True, stdout=sys.stderr)
    _pip(vpy, req.packages)
    if not _satisfied(vpy, req):
        raise SystemExit("django-fixtures: %s still lacks %s after pip install"
                         % (venv, " ".join(req.packages)))
    return vpy


def _pip(vpy, args):
    cmd = [vpy, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"] + list(args)
    if subprocess.run(cmd, stdout=sys.stderr).returncode != 0:
        raise SystemExit("django-fixtures: pip install %s failed" % " ".join(args))
