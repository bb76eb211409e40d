"""End-to-end proof on a real Django app: users log in on the `cache` and `cached_db`
engines over Redis (Django's test client, the full middleware stack), sessctl runs
(`flush --user`, then `expire KEY`), and the users' next requests are anonymous, while
everything else in the cache is untouched: another user's session, another site's
session of the same user (another KEY_PREFIX), and entries that are not sessions.

    python -m sessfix.cache.e2e --sessctl target/debug/sessctl --redis-url URL --redis-db N

Exits 1 with the first failed expectation.  Empties database N first and afterwards.
"""

import argparse
import os
import pickle
import subprocess
import sys
import tempfile

PREFIX, VERSION = "e2e[site]", 2


def whoami(request):
    from django.http import HttpResponse
    user = request.user
    return HttpResponse(str(user.pk) if user.is_authenticated else "anonymous")


def login_view(request, uid):
    from django.contrib.auth import login
    from django.contrib.auth.models import User
    from django.http import HttpResponse
    login(request, User.objects.get(pk=uid))
    return HttpResponse("ok")


urlpatterns = []


def fail(message):
    print("cache-e2e: FAILED: " + message, file=sys.stderr)
    sys.exit(1)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessctl", required=True)
    ap.add_argument("--redis-url", required=True)
    ap.add_argument("--redis-db", type=int, required=True)
    ns = ap.parse_args(argv)
    location = "%s/%d" % (ns.redis_url.rstrip("/"), ns.redis_db)
    tmp = tempfile.mkdtemp(prefix="sessctl-e2e")
    db_path = os.path.join(tmp, "db.sqlite3")

    import django
    from django.conf import settings
    from django.urls import path
    settings.configure(
        SECRET_KEY="e2e-secret-key-not-for-production",
        ALLOWED_HOSTS=["testserver"],
        USE_TZ=True,
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth",
                        "django.contrib.sessions"],
        MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                    "django.contrib.auth.middleware.AuthenticationMiddleware"],
        ROOT_URLCONF=__name__,
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": db_path}},
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                            "LOCATION": location, "KEY_PREFIX": PREFIX, "VERSION": VERSION}},
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    )
    django.setup()
    urlpatterns[:] = [path("whoami", whoami), path("login/<int:uid>", login_view)]
    import redis
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    for uid in (1, 2):
        User.objects.create_user(id=uid, username="user%d" % uid, password="pw%d" % uid)
    r = redis.Redis.from_url(location)
    r.flushdb()
    # What else lives in the same cache: another site's session of user 1, data.
    other = {"_auth_user_id": "1", "_auth_user_backend":
             "django.contrib.auth.backends.ModelBackend", "_auth_user_hash": "x"}
    r.set("other-site:%d:django.contrib.sessions.cache%s" % (VERSION, "o" * 32),
          pickle.dumps(other, 5), ex=3600)
    r.set("%s:%d:profile:1" % (PREFIX, VERSION), pickle.dumps(other, 5), ex=3600)
    r.set("%s:%d:hits" % (PREFIX, VERSION), b"5")

    for engine in ("cache", "cached_db"):
        settings.SESSION_ENGINE = "django.contrib.sessions.backends." + engine
        base = [ns.sessctl, "--cache-url", location, "--cache-key-prefix", PREFIX,
                "--cache-version", str(VERSION)]
        if engine == "cached_db":
            base += ["--database-url", "sqlite:///" + db_path]
        clients = {name: Client() for name in ("a", "b", "c")}
        for name, uid in (("a", 1), ("b", 1), ("c", 2)):
            if clients[name].get("/login/%d" % uid).content != b"ok":
                fail("%s: login of user %d" % (engine, uid))

        def who(name):
            return clients[name].get("/whoami").content.decode()

        if [who(n) for n in "abc"] != ["1", "1", "2"]:
            fail("%s: logged-in users are %r" % (engine, [who(n) for n in "abc"]))
        session_of = {n: clients[n].cookies["sessionid"].value for n in "abc"}
        before = set(r.keys("*"))
        done = subprocess.run(base + ["flush", "--user", "1"], capture_output=True, text=True)
        print("%s: %s" % (engine, (done.stdout + done.stderr).strip()), file=sys.stderr)
        if done.returncode != 0:
            fail("%s: sessctl flush --user 1 exited %d" % (engine, done.returncode))
        if [who(n) for n in "abc"] != ["anonymous", "anonymous", "2"]:
            fail("%s: after flush --user 1 the users are %r" % (engine, [who(n) for n in "abc"]))
        gone = before - set(r.keys("*"))
        want = {("%s:%d:django.contrib.sessions.%s%s" % (PREFIX, VERSION, engine, session_of[n]))
                .encode() for n in "ab"}
        if gone != want:
            fail("%s: flush --user 1 deleted %r, expected %r" % (engine, gone, want))
        key_c = session_of["c"]
        before = set(r.keys("*"))
        done = subprocess.run(base + ["expire", key_c], capture_output=True, text=True)
        print("%s: %s" % (engine, (done.stdout + done.stderr).strip()), file=sys.stderr)
        if done.returncode != 0:
            fail("%s: sessctl expire exited %d" % (engine, done.returncode))
        if who("c") != "anonymous":
            fail("%s: after expire the user of c is %s" % (engine, who("c")))
        gone = before - set(r.keys("*"))
        if gone != {("%s:%d:django.contrib.sessions.%s%s" % (PREFIX, VERSION, engine, key_c))
                    .encode()}:
            fail("%s: expire removed %r" % (engine, gone))
        for key in (b"other-site:2:django.contrib.sessions.cache" + b"o" * 32,
                    b"e2e[site]:2:profile:1", b"e2e[site]:2:hits"):
            if not r.exists(key):
                fail("%s: %r was touched" % (engine, key))
        print("cache-e2e: %s engine on Redis: flush --user and expire logged the users out, "
              "nothing else touched" % engine, file=sys.stderr)
    r.flushdb()
    return 0


if __name__ == "__main__":
    sys.exit(main())
