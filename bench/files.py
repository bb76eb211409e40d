#!/usr/bin/env python3
"""Benchmark: clearing a Django file-session directory (a harness, not a test).

For each size (default 100,000 and 1,000,000 files, half expired) it builds one template
directory of session files with real Django-encoded payloads, then, on an identical
fresh copy each, times:

  floor-xargs   deleting exactly the expired files from a precomputed list (xargs rm)
  floor-find    find DIR -mmin +M -delete (exact here: expired <=> old mtime)
  sessctl       sessctl --session-dir DIR clear-expired
  django        Django's own clearsessions (SESSION_ENGINE ...backends.file)

and prints wall time, peak RSS of the process, and the ratio to the faster floor, after
checking that every contender left exactly the active files.

Payloads: a few hundred sessions encoded by Django itself (SessionStore.encode, the
venv's Django) with varied data (logged-in users, carts, some with an ISO
_session_expiry), copied under random 32-character keys with varied mtimes. Expired
files have old mtimes (and, for ISO-expiry files, a past expiry); active ones recent
mtimes (and a future expiry), so the mtime floor deletes exactly the same files.

Usage:
  bench/files.py [--sizes 100000,1000000] [--work DIR] [--sessctl PATH]
                 [--django-python PATH] [--skip-django-above N] [--repeat K]

Needs: a release build of sessctl (cargo build --release), a virtualenv with Django
(default: the fixture generator's Django 6.1.3 virtualenv,
target/django-venvs/django-6.1.3/bin/python, made by tests/fixtures/regenerate.sh;
or $SESSCTL_BENCH_DJANGO_PYTHON), GNU
xargs/find/cp, and free inodes: about 3x the largest size (template, copy, slack).
The page cache is warm for every contender (each copy is freshly written and synced);
2-core machines shared with builds give noisy figures: use --repeat and the minimum.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = "sessctl-bench-secret-key-not-for-production"
COOKIE_AGE = 1209600
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
DAY = 86400

DJANGO_SETUP = """
import django
from django.conf import settings
settings.configure(
    SECRET_KEY={key!r},
    USE_TZ=True,
    SESSION_ENGINE="django.contrib.sessions.backends.file",
    SESSION_FILE_PATH={path!r},
    INSTALLED_APPS=["django.contrib.sessions"],
)
django.setup()
"""

# Prints one JSON line per payload: {"raw": ..., "iso": "past"|"future"|null}.
ENCODE = DJANGO_SETUP + """
import datetime, json, sys
from django.contrib.sessions.backends.file import SessionStore
now = datetime.datetime.now(datetime.timezone.utc)
store = SessionStore()
for i in range({count}):
    data = {{"cart": ["sku-%d" % j for j in range(i % 7)], "visits": i}}
    if i % 3 == 0:
        data.update({{"_auth_user_id": str(1000 + i),
                     "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                     "_auth_user_hash": "%064x" % (i * 7919)}})
    iso = None
    if i % 10 == 0:
        iso = "past" if i % 20 == 0 else "future"
        delta = datetime.timedelta(days=-3 if iso == "past" else 30)
        data["_session_expiry"] = (now + delta).isoformat()
    print(json.dumps({{"raw": store.encode(data), "iso": iso}}))
"""

CLEAR = DJANGO_SETUP + """
from django.core.management import call_command
call_command("clearsessions")
"""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def payloads(django_python, count):
    out = subprocess.run(
        [django_python, "-c", ENCODE.format(key=SECRET_KEY, path="/tmp", count=count)],
        check=True, capture_output=True, text=True,
    ).stdout
    items = [json.loads(line) for line in out.splitlines()]
    plain = [p["raw"] for p in items if p["iso"] is None]
    past = [p["raw"] for p in items if p["iso"] == "past"]
    future = [p["raw"] for p in items if p["iso"] == "future"]
    return plain, past, future


def build_template(path, size, django_python, seed=1234):
    """Writes `size` session files into `path`; returns the sorted expired names."""
    meta = path + ".expired"
    if os.path.isdir(path) and os.path.exists(meta):
        with open(meta) as f:
            expired = f.read().split("\0")[:-1]
        if len(os.listdir(path)) == size:
            log(f"reusing template {path}")
            return expired
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    rng = random.Random(seed)
    plain, past, future = payloads(django_python, 400)
    now = time.time()
    expired = []
    names = set()
    log(f"writing {size} session files into {path}")
    for i in range(size):
        while True:
            name = "sessionid" + "".join(rng.choice(ALPHABET) for _ in range(32))
            if name not in names:
                names.add(name)
                break
        is_expired = i % 2 == 0
        if rng.random() < 0.1:
            raw = rng.choice(past if is_expired else future)
        else:
            raw = rng.choice(plain)
        if is_expired:
            mtime = now - COOKIE_AGE - DAY - rng.uniform(0, 30 * DAY)
            expired.append(name)
        else:
            mtime = now - rng.uniform(0, 10 * DAY)
        fd = os.open(os.path.join(path, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, raw.encode("ascii"))
        os.close(fd)
        os.utime(os.path.join(path, name), (mtime, mtime))
    expired.sort()
    with open(meta, "w") as f:
        f.write("".join(n + "\0" for n in expired))
    return expired


def fresh_copy(template, work):
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run(["cp", "-a", template, work], check=True)
    subprocess.run(["sync"], check=True)


def timed(argv, cwd=None, env=None):
    """Runs argv under /usr/bin/time; returns (wall s, peak RSS MiB, user+sys CPU s, exit).

    /usr/bin/time reports the largest RSS of the command and its children (xargs' rm
    included); measuring from Python instead would count the forked interpreter's memory
    before exec.
    """
    report = os.path.join(os.environ.get("TMPDIR", "/tmp"), "sessctl-bench-time.%d" % os.getpid())
    start = time.monotonic()
    code = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", report, *argv],
                          cwd=cwd, env=env, stdout=subprocess.DEVNULL).returncode
    wall = time.monotonic() - start
    with open(report) as f:
        rss_kib, user, system = f.read().split()[-3:]
    os.unlink(report)
    return wall, int(rss_kib) / 1024, float(user) + float(system), code


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "sessctl-bench-files"))
    ap.add_argument("--sessctl", default=os.path.join(REPO, "target", "release", "sessctl"))
    ap.add_argument("--django-python", default=os.environ.get(
        "SESSCTL_BENCH_DJANGO_PYTHON",
        os.path.join(REPO, "target", "django-venvs", "django-6.1.3", "bin", "python")))
    ap.add_argument("--skip-django-above", type=int, default=None,
                    help="do not run Django's clearsessions on larger sizes (it is slow)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per contender; the minimum counts")
    ap.add_argument("--only", default="floor-xargs,floor-find,sessctl,django")
    args = ap.parse_args()
    if not os.access(args.sessctl, os.X_OK):
        sys.exit(f"no sessctl at {args.sessctl}; run cargo build --release first")
    os.makedirs(args.work, exist_ok=True)
    only = args.only.split(",")
    env = dict(os.environ, DJANGO_SECRET_KEY=SECRET_KEY)
    for var in ("DATABASE_URL", "SESSION_FILE_PATH", "SESSION_COOKIE_NAME", "SESSION_COOKIE_AGE"):
        env.pop(var, None)
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        template = os.path.join(args.work, f"template-{size}")
        expired = build_template(template, size, args.django_python)
        expired_list = template + ".expired"
        want = set(os.listdir(template)) - set(expired)
        work = os.path.join(args.work, "run")
        # mtimes of expired files are at least COOKIE_AGE + 1 day old, active ones at
        # most 10 days: any cut in between is exact for find.
        minutes = (COOKIE_AGE + DAY // 2) // 60
        contenders = {
            "floor-xargs": (["xargs", "-0", "-a", expired_list, "rm", "-f", "--"], work),
            "floor-find": (["find", work, "-maxdepth", "1", "-type", "f", "-name", "sessionid*",
                            "-mmin", f"+{minutes}", "-delete"], None),
            "sessctl": ([args.sessctl, "--session-dir", work, "--quiet", "clear-expired"], None),
            "django": ([args.django_python, "-c", CLEAR.format(key=SECRET_KEY, path=work)], None),
        }
        results = {}
        chosen = [n for n in contenders if n in only and not (
            n == "django" and args.skip_django_above and size > args.skip_django_above)]
        # Repeats go round all contenders, so a noisy spell hits each of them alike.
        for name in [n for _ in range(args.repeat) for n in chosen]:
            argv, cwd = contenders[name]
            best = results.get(name)
            fresh_copy(template, work)
            log(f"{size}: {name} ...")
            wall, rss, cpu, code = timed(argv, cwd=cwd, env=env)
            left = set(os.listdir(work))
            ok = code == 0 and left == want
            log(f"{size}: {name}: {wall:.2f} s, {rss:.1f} MiB, {cpu:.2f} s CPU, exit {code}, "
                f"{'correct' if ok else 'WRONG: %d files left, %d wanted' % (len(left), len(want))}")
            if best is None or wall < best[0]:
                best = (wall, rss, cpu, ok and (best is None or best[3]))
            elif not ok:
                best = best[:3] + (False,)
            results[name] = best
        shutil.rmtree(work, ignore_errors=True)
        floors = [results[f][0] for f in ("floor-xargs", "floor-find") if f in results]
        floor = min(floors) if floors else None
        for name, (wall, rss, cpu, ok) in results.items():
            rows.append((size, name, wall, rss, cpu, wall / floor if floor else None, ok))
    print()
    print(f"{'files':>9}  {'contender':<12} {'wall s':>8} {'x floor':>8} {'CPU s':>7} {'peak RSS MiB':>13}  result")
    for size, name, wall, rss, cpu, ratio, ok in rows:
        r = f"{ratio:8.2f}" if ratio is not None else f"{'-':>8}"
        print(f"{size:>9}  {name:<12} {wall:8.2f} {r} {cpu:7.2f} {rss:13.1f}  {'correct' if ok else 'WRONG'}")


if __name__ == "__main__":
    main()
