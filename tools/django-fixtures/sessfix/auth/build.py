"""Build one auth set with the Django this interpreter imports.

`build` (the parent) runs `build_variant` once per user model in a child process of
the same interpreter, because AUTH_USER_MODEL is fixed once Django is set up, and merges
their parts into manifest.json.  With --database-url it first drops and recreates one
server database per variant, <name>_auth_<variant>.

In a child, users are created through the ORM and every session is made by real
requests (django.test.Client: SessionMiddleware + AuthenticationMiddleware) to small
views that call authenticate(), login(), logout(), update_session_auth_hash();
passwords are changed, users deleted or deactivated through the ORM, and SECRET_KEY is
rotated (with SECRET_KEY_FALLBACKS from 4.1 on) between requests.  Requests run in time
order on the frozen clock.  Then every session is judged by Django (oracle.py) and by
rules.py, which must agree.

Key history (Django's settings at each step):
    up to 9 days before the reference time   SECRET_KEY = retired key
    up to 7 days before                      SECRET_KEY = fallback key (fallbacks [retired])
    later                                    SECRET_KEY = secret key (fallbacks
                                             [fallback, retired] during the rotation)
    at the reference time                    SECRET_KEY = secret key, fallbacks [fallback]
(3.2 has no SECRET_KEY_FALLBACKS: only the key changes.)
"""

import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import types
import uuid
from contextlib import ExitStack
from unittest import mock
from urllib.parse import urlparse

from .. import databases, djangoenv, manifest
from . import catalogue, oracle, rules

UTC = dt.timezone.utc
D = dt.timedelta
AUTH_HASH_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
HASHER = "sessfix.auth.hashers.FixturePBKDF2PasswordHasher"


class Problem(SystemExit):
    pass


def _reference_time(text):
    ref = dt.datetime.fromisoformat(text)
    return (ref if ref.tzinfo else ref.replace(tzinfo=UTC)).astimezone(UTC)


# -- parent ----------------------------------------------------------------------------
def _server_urls(base_url):
    """variant -> URL of a freshly recreated database <name>_auth_<variant>."""
    u = urlparse(base_url)
    name = u.path.lstrip("/")
    if not name:
        raise Problem("--database-url needs a database name: its databases are "
                      "<name>_auth_default, <name>_auth_uuid, ...")
    # Connect to the server's maintenance database: <name> itself need not exist.
    admin = u._replace(path="").geturl()
    return {v: databases.recreate(admin, "%s_auth_%s" % (name, v))
            for v in catalogue.VARIANTS}


def build(opts):
    import django

    from .. import cli
    out = os.path.abspath(opts.out)
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if name.endswith(".sqlite3") or name == "manifest.json":
            os.remove(os.path.join(out, name))
    urls = _server_urls(opts.database_url) if opts.database_url else {}
    parts = {}
    with tempfile.TemporaryDirectory(prefix="sessfix-auth-") as tmp:
        for variant in catalogue.VARIANTS:
            part = os.path.join(tmp, variant + ".json")
            argv = [sys.executable, cli.ENTRY, "build-auth"] + cli.auth_argv(opts) + [
                "--variant", variant, "--part", part]
            if variant in urls:
                argv += ["--variant-database-url", urls[variant]]
            if subprocess.run(argv).returncode != 0:
                raise Problem("auth set: variant %s failed" % variant)
            parts[variant] = manifest.read_json(part)
    first = parts["default"]
    doc = {"generator": "tools/django-fixtures auth"}
    for key in ("django_version", "python_version", "reference_time", "seed", "secret_key",
                "secret_key_fallbacks", "old_secret_key", "retired_secret_key", "settings",
                "auth_hash"):
        doc[key] = first[key]
    doc["key_history"] = (
        "sessions made up to 9 days before the reference time were made with "
        "SECRET_KEY=retired_secret_key, up to 7 days before with old_secret_key "
        "(fallbacks [retired] on 4.1+), later ones with secret_key (fallbacks [old, "
        "retired] during the rotation); at the reference time SECRET_KEY=secret_key, "
        "SECRET_KEY_FALLBACKS=[old] (4.1+; none on 3.2)")
    doc["states"] = catalogue.STATES
    doc["conventions"] = {
        "times": "ISO-8601 in UTC",
        "variants.*.database": "vendor; location = SQLite file name relative to the set, "
                               "or database_url = the server database (both tables are "
                               "in it: session_table and user_table)",
        "users[].pk": "the pk as login() writes it into _auth_user_id (dashed UUID); "
                      "pk_db_text: the pk column as the database prints it as text",
        "items[].user": "the user the session was made for (also when the session no "
                        "longer decodes or the user was deleted); null: nobody",
        "items[].session": "what Django's SessionStore.decode() returns at the reference "
                           "time ({} when undecodable)",
        "items[].signed_with": "the key the session data verifies with: SECRET_KEY, "
                               "SECRET_KEY_FALLBACKS[i], or null (undecodable)",
        "items[].hash_matches": "which secret makes _auth_user_hash match the user's "
                                "current password: SECRET_KEY, SECRET_KEY_FALLBACKS[i], "
                                "sha1(SECRET_KEY), none, missing, not-checked (model has "
                                "no get_session_auth_hash); null when Django never gets "
                                "that far (expired, undecodable, anonymous, deleted, "
                                "inactive, backend not configured)",
        "items[].django": "Django's verdict: one request with the session cookie at the "
                          "reference time, on a rolled-back copy; user = pk string of "
                          "request.user or null (AnonymousUser); action = none (row "
                          "untouched) | flush (row deleted, cookie emptied) | cycle_key "
                          "(row deleted, the same data under new_key with the hash "
                          "rewritten)",
        "items[].reference": "the same verdict from the stored data alone "
                             "(sessfix/auth/rules.py); the build stops unless it agrees",
    }
    doc["variants"] = {v: parts[v]["variant"] for v in catalogue.VARIANTS}
    manifest.write(os.path.join(out, "manifest.json"), doc)
    counts = {v: len(parts[v]["variant"]["items"]) for v in catalogue.VARIANTS}
    return "Django %s: %d sessions %s; every verdict of Django matches the rules" % (
        django.get_version(), sum(counts.values()), counts)


# -- child: one variant ------------------------------------------------------------------
def _write_app(app_dir, app):
    pkg = os.path.join(app_dir, app)
    os.makedirs(os.path.join(pkg, "migrations"))
    for name, text in (("__init__.py", ""), ("migrations/__init__.py", ""),
                       ("models.py", catalogue.APPS[app])):
        with open(os.path.join(pkg, name), "w", encoding="utf-8") as f:
            f.write(text)
    sys.path.insert(0, app_dir)


def _make_migrations(app, app_dir):
    """makemigrations for the temporary app only.  makemigrations also writes migrations
    for the apps a new one depends on (auth) if it sees changes there, and those would
    land in the installed Django: stop if any file appears outside the temporary folder."""
    from django.apps import apps
    from django.core.management import call_command

    def snapshot():
        seen = {}
        for cfg in apps.get_app_configs():
            d = os.path.join(cfg.path, "migrations")
            if cfg.label != app and os.path.isdir(d):
                seen[d] = set(os.listdir(d))
        return seen

    before = snapshot()
    call_command("makemigrations", app, verbosity=0)
    for d, names in snapshot().items():
        extra = [n for n in names - before.get(d, set()) if n.endswith(".py")]
        for name in extra:
            os.remove(os.path.join(d, name))
        if extra:
            raise Problem("makemigrations wanted to write %s into %s (removed)"
                          % (sorted(extra), d))
    if not os.path.exists(os.path.join(app_dir, app, "migrations", "0001_initial.py")):
        raise Problem("makemigrations made no migration for " + app)


def build_variant(opts):
    variant = opts.variant
    spec = catalogue.VARIANTS[variant]
    out = os.path.abspath(opts.out)
    if opts.variant_database_url:
        db, _ = databases.django_database(opts.variant_database_url, out)
        location = None
    else:
        location = variant + ".sqlite3"
        db = {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(out, location)}
    app_dir = tempfile.mkdtemp(prefix="sessfix-auth-apps-")
    try:
        if spec["app"]:
            _write_app(app_dir, spec["app"])
        part = _build_variant(opts, variant, spec, db, location, app_dir)
    finally:
        shutil.rmtree(app_dir, ignore_errors=True)
    manifest.write(opts.part, part)
    return "%s: %d sessions" % (variant, len(part["variant"]["items"]))


def _build_variant(opts, variant, spec, db, location, app_dir):
    import django
    urls = types.ModuleType("sessfix_auth_urls")
    sys.modules[urls.__name__] = urls
    version = django.VERSION
    conf = {
        "SECRET_KEY": opts.secret_key,
        "INSTALLED_APPS": ["django.contrib.contenttypes", "django.contrib.auth",
                           "django.contrib.sessions"] + ([spec["app"]] if spec["app"] else []),
        "AUTH_USER_MODEL": spec["model"],
        "AUTHENTICATION_BACKENDS": catalogue.BACKENDS,
        "PASSWORD_HASHERS": [HASHER],
        "DATABASES": {"default": db},
        "MIDDLEWARE": ["django.contrib.sessions.middleware.SessionMiddleware",
                       "django.contrib.auth.middleware.AuthenticationMiddleware"],
        "ROOT_URLCONF": urls.__name__,
        "ALLOWED_HOSTS": ["testserver"],
        "SESSION_ENGINE": "django.contrib.sessions.backends.db",
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
    }
    has_fallbacks = version >= (4, 1)
    fallbacks = [opts.fallback_key] if has_fallbacks else []
    if has_fallbacks:
        conf["SECRET_KEY_FALLBACKS"] = fallbacks
    if version[:2] in ((3, 1), (3, 2)):
        conf["DEFAULT_HASHING_ALGORITHM"] = "sha256"
    djangoenv.configure(conf)
    if spec["app"]:
        _make_migrations(spec["app"], app_dir)

    from django.contrib.auth import hashers
    ref = _reference_time(opts.reference_time)
    clock = djangoenv.Clock(ref)
    keys = djangoenv.Keys(opts.seed)
    # Password salts (and the random tail of an unusable password) in the order the
    # scenario sets passwords, from the seed.
    salt_rng = random.Random("%s/%s/salts" % (opts.seed, variant))

    def seeded_string(length, allowed_chars=None):
        chars = allowed_chars or ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789")
        return "".join(salt_rng.choice(chars) for _ in range(length))

    with ExitStack() as stack:
        stack.enter_context(djangoenv.frozen(clock, keys))
        stack.enter_context(mock.patch.object(hashers, "get_random_string", seeded_string))
        return _scenario(opts, variant, spec, location, urls, ref, clock, keys, fallbacks)


def _scenario(opts, variant, spec, location, urls, ref, clock, keys, fallbacks):
    import django
    from django.conf import settings
    from django.contrib.auth import (BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY,
                                     authenticate, get_user_model, login, logout,
                                     update_session_auth_hash)
    from django.contrib.auth import hashers
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.db import connection
    from django.http import HttpResponse, JsonResponse
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import path
    from django.utils import timezone
    from django.utils.crypto import salted_hmac

    User = get_user_model()
    rng = random.Random("%s:%s" % (opts.seed, variant))
    vendor = connection.vendor

    # ---- database ------------------------------------------------------------------
    if vendor == "sqlite":
        # 512-byte pages (SQLite's smallest) instead of 4 KiB: a dozen near-empty
        # tables and their indexes take a page each, and the committed sets stay small.
        with connection.cursor() as c:
            c.execute("PRAGMA page_size = 512")
    call_command("migrate", verbosity=0)
    # `applied` is the wall clock (its default is bound before the clock is frozen):
    # pin it so that a rebuild gives the same bytes.
    with connection.cursor() as c:
        c.execute("UPDATE django_migrations SET applied = %s",
                  [connection.ops.adapt_datetimefield_value(ref - D(days=40))])
    if Session.objects.exists() or User._default_manager.exists():
        raise Problem("the %s database is not empty" % variant)
    user_table = User._meta.db_table
    pk_field = User._meta.pk
    pk_type = spec["pk"]
    username_field = User.USERNAME_FIELD
    email_field = (User.get_email_field_name() if hasattr(User, "get_email_field_name")
                   else "email")
    # What this Django checks, asked of Django itself rather than of a version table.
    hash_check = hasattr(User, "get_session_auth_hash")
    fallbacks_for_auth_hash = hasattr(AbstractBaseUser, "get_session_auth_fallback_hash")
    legacy_sha1_hash_accepted = hasattr(AbstractBaseUser, "_legacy_get_session_auth_hash")
    is_active_none_allowed = bool(ModelBackend().user_can_authenticate(
        types.SimpleNamespace(is_active=None)))
    hash_algorithm = getattr(settings, "DEFAULT_HASHING_ALGORITHM", "sha256")
    cookie = settings.SESSION_COOKIE_NAME

    # ---- key history -------------------------------------------------------------------
    K = {"retired": {"SECRET_KEY": opts.retired_key},
         "old": {"SECRET_KEY": opts.fallback_key},
         "transition": {"SECRET_KEY": opts.secret_key},
         "final": {"SECRET_KEY": opts.secret_key}}
    if fallbacks:
        K["retired"]["SECRET_KEY_FALLBACKS"] = []
        K["old"]["SECRET_KEY_FALLBACKS"] = [opts.retired_key]
        K["transition"]["SECRET_KEY_FALLBACKS"] = [opts.fallback_key, opts.retired_key]
        K["final"]["SECRET_KEY_FALLBACKS"] = fallbacks

    # ---- views -------------------------------------------------------------------------
    made_by = {}  # session key -> how a 6.x no-hash login was written

    def ok():
        return HttpResponse("ok")

    def v_login(request):
        user = authenticate(request, username=request.POST["username"],
                            password=request.POST["password"])
        if user is None:
            return HttpResponse("denied", status=403)
        login(request, user)
        return ok()

    def v_login_as(request):
        """Log a user in without a password (SSO / social-auth style)."""
        user = User._default_manager.get(pk=request.POST["pk"])
        backend = request.POST["backend"]
        try:
            login(request, user, backend=backend)
        except AttributeError:
            if hash_check:
                raise
            # Django 6.x login() calls user.get_session_auth_hash() unconditionally, so
            # it cannot log in a model without one; <= 5.2 wrote exactly this (such
            # sessions exist on sites that upgraded, and 6.x get_user() still reads them).
            request.session.cycle_key()
            request.session[SESSION_KEY] = user._meta.pk.value_to_string(user)
            request.session[BACKEND_SESSION_KEY] = backend
            request.session[HASH_SESSION_KEY] = ""
            request.session.save()
            made_by[request.session.session_key] = (
                "login() raises AttributeError for this model on Django %s: the view "
                "wrote the keys login() <= 5.2 writes (cycle_key, _auth_user_hash '')"
                % django.get_version())
        return ok()

    def v_cart(request):
        """Anonymous-safe: never reads request.user."""
        request.session["cart"] = request.session.get("cart", []) + [request.POST["item"]]
        return ok()

    def v_password(request):
        request.user.set_password(request.POST["new"])
        request.user.save()
        update_session_auth_hash(request, request.user)
        return ok()

    def v_logout(request):
        logout(request)
        return ok()

    def v_drop_hash(request):
        del request.session[HASH_SESSION_KEY]
        return ok()

    def v_legacy_hash(request):
        # What Django < 3.1 stored: salted_hmac(..., algorithm='sha1').hexdigest()
        request.session[HASH_SESSION_KEY] = salted_hmac(
            AUTH_HASH_SALT, request.user.password, algorithm="sha1").hexdigest()
        return ok()

    def v_whoami(request):
        u = request.user
        return JsonResponse({"authenticated": bool(u.is_authenticated),
                             "pk": pk_field.value_to_string(u) if u.is_authenticated
                             else None})

    urls.urlpatterns = [path("login/", v_login), path("login-as/", v_login_as),
                        path("cart/", v_cart), path("password/", v_password),
                        path("logout/", v_logout), path("drop-hash/", v_drop_hash),
                        path("legacy-hash/", v_legacy_hash), path("whoami/", v_whoami)]

    # ---- users -------------------------------------------------------------------------
    ppl = catalogue.people(rng, 14)
    int_ids = sorted(rng.sample(range(2, 9000), 14))
    users = {}

    def new_user(role):
        i = len(users)
        p = ppl[i]
        pw = catalogue.password_of(role, p["username"])
        active = role != "heidi"
        with clock.at(ref - D(days=30, hours=-i)):
            if variant == "default":
                u = User.objects.create_user(p["username"], p["email"], pw, id=int_ids[i],
                                             date_joined=timezone.now(), is_active=active)
            elif variant == "uuid":
                u = User.objects.create_user(
                    p["username"], p["email"], pw, date_joined=timezone.now(),
                    id=uuid.UUID(int=rng.getrandbits(128), version=4), is_active=active)
            elif variant == "email":
                u = User.objects.create_user("C-%06d" % int_ids[i], p["email"], pw,
                                             full_name=p["full_name"], is_active=active)
            else:
                u = User.objects.create(id=int_ids[i], username=p["username"],
                                        email=p["email"], is_active=active,
                                        password=hashers.make_password(pw))
        users[role] = {"obj": u, "password": pw, "pk": pk_field.value_to_string(u),
                       "username": getattr(u, username_field),
                       "email": getattr(u, email_field)}

    for role in catalogue.ROLES:
        if catalogue.has_role(variant, role):
            new_user(role)

    # ---- steps, run in time order once the scenario is laid out ------------------------
    steps = []

    def step(when, fn):
        steps.append((when, len(steps), fn))

    class Device:
        """One browser with its own cookie jar.  The session keys its requests draw
        derive from (seed, variant, device, request number): adding a device moves no
        other key."""

        def __init__(self, label):
            self.label = label
            self.client = Client()
            self.requests = 0

        def post(self, when, url, data=None, keys_at="final", extra=None, then=None):
            n = self.requests
            self.requests += 1

            def run():
                keys.under("%s/%s/%d" % (variant, self.label, n))
                with clock.at(when), override_settings(**dict(K[keys_at], **(extra or {}))):
                    r = self.client.post(url, data() if callable(data) else (data or {}))
                if r.status_code != 200:
                    raise Problem("%s %s -> %s" % (self.label, url, r.status_code))
                if then:
                    then()
            step(when, run)

        def login(self, role, when, keys_at="final", extra=None):
            u = users[role]
            self.post(when, "/login/", lambda: {"username": u["username"],
                                                "password": u["password"]}, keys_at, extra)

        def login_as(self, role, when, backend=catalogue.MODEL_BACKEND, keys_at="final"):
            self.post(when, "/login-as/", {"pk": users[role]["pk"], "backend": backend},
                      keys_at)

        @property
        def key(self):
            return self.client.cookies[cookie].value

    records = []

    def record(state, dev, role, notes="", item_id=None):
        records.append((item_id or state, state, dev, role, notes))

    def admin(when, fn):
        def run():
            with clock.at(when):
                fn()
        step(when, run)

    def set_password(role, raw):
        def fn():
            users[role]["password"] = raw
        return fn

    full = variant == "default"

    # ---- the scenario ------------------------------------------------------------------
    if variant == "nohash":
        d = Device("no_hash_check_valid")
        d.login_as("alice", ref - D(hours=3))
        record("no_hash_check", d, "alice", "login(): _auth_user_hash is ''",
               item_id="no_hash_check_valid")
        d = Device("no_hash_check_password_changed")
        d.login_as("bob", ref - D(days=2))
        admin(ref - D(hours=1), lambda: User.objects.filter(
            pk=users["bob"]["obj"].pk).update(password=hashers.make_password("changed")))
        record("no_hash_check", d, "bob", "password changed after login: still logged in",
               item_id="no_hash_check_password_changed")
        d = Device("no_hash_check_missing_hash")
        d.login_as("erin", ref - D(days=2))
        d.post(ref - D(days=2) + D(minutes=1), "/drop-hash/")
        record("no_hash_check", d, "erin", "no _auth_user_hash at all: still logged in",
               item_id="no_hash_check_missing_hash")
    else:
        d = Device("valid")
        d.login("alice", ref - D(hours=3))
        record("valid", d, "alice")
        d = Device("valid_second_device")
        d.post(ref - D(hours=1, minutes=5), "/cart/", {"item": "sku-17"})
        d.login("alice", ref - D(hours=1))
        record("valid", d, "alice", "second device; cart from before login kept",
               item_id="valid_second_device")
        # password change: b2 changes it (update_session_auth_hash), b1 goes stale
        b1, b2 = Device("stale_password"), Device("valid_after_password_change")
        b1.login("bob", ref - D(days=3))
        b2.login("bob", ref - D(days=2))
        b2.post(ref - D(days=1), "/password/", {"new": "a new password for bob"},
                then=set_password("bob", "a new password for bob"))
        record("stale_password", b1, "bob", "another device changed the password")
        record("valid_after_password_change", b2, "bob",
               "this device changed the password (update_session_auth_hash)")
        if fallbacks:
            c1 = Device("fallback_key")
            c1.login("carol", ref - D(days=8), keys_at="old")
            record("fallback_key", c1, "carol", "made while SECRET_KEY was the old key")
            if full:
                c2 = Device("fallback_hash_resigned")
                c2.login("carol", ref - D(days=8), keys_at="old")
                c2.post(ref - D(days=6), "/cart/", {"item": "sku-3"}, keys_at="transition")
                record("fallback_hash_resigned", c2, "carol",
                       "a /cart/ request after the rotation re-signed the data")
        d = Device("missing_hash")
        d.login("erin", ref - D(days=2))
        d.post(ref - D(days=2) + D(minutes=1), "/drop-hash/")
        record("missing_hash", d, "erin", "hash removed (sessions from before Django 1.7 "
               "or code that sets _auth_user_id itself)")
        if catalogue.has_role(variant, "ivan"):
            d = Device("unusable_password")
            d.login_as("ivan", ref - D(days=2))
            record("unusable_password", d, "ivan", "password starts with '!'")
    # deleted / inactive (all variants)
    f, g = Device("deleted_user"), Device("inactive_modelbackend")
    if variant == "nohash":
        f.login_as("frank", ref - D(days=2))
        g.login_as("grace", ref - D(days=2))
    else:
        f.login("frank", ref - D(days=2))
        g.login("grace", ref - D(days=2))

    def delete_frank():
        users["frank"]["deleted"] = True
        User._default_manager.filter(pk=users["frank"]["obj"].pk).delete()

    admin(ref - D(hours=1), delete_frank)
    admin(ref - D(hours=1), lambda: User._default_manager.filter(
        pk=users["grace"]["obj"].pk).update(is_active=False))
    record("deleted_user", f, "frank", "user row deleted after login")
    record("inactive_modelbackend", g, "grace", "deactivated after login")
    if full:
        if fallbacks:
            dv1 = Device("retired_key_hash")
            dv1.login("dave", ref - D(days=10), keys_at="retired")
            dv1.post(ref - D(days=8), "/cart/", {"item": "sku-9"}, keys_at="old")
            dv1.post(ref - D(days=6), "/cart/", {"item": "sku-10"}, keys_at="transition")
            record("retired_key_hash", dv1, "dave",
                   "hash from a key dropped from SECRET_KEY_FALLBACKS; data re-signed")
        dv2 = Device("undecodable")
        dv2.login("dave", ref - D(days=10), keys_at="retired")
        record("undecodable", dv2, "dave", "made under a key that is no longer configured")
        h = Device("inactive_allowall")
        h.login("heidi", ref - D(days=2))
        record("inactive_allowall", h, "heidi", "inactive from the start; ModelBackend "
               "refused, AllowAllUsersModelBackend logged her in")
        j = Device("unusable_password_set_after_login")
        j.login("judy", ref - D(days=2))

        def unusable_judy():
            ju = User.objects.get(pk=users["judy"]["obj"].pk)
            ju.set_unusable_password()
            ju.save()

        admin(ref - D(hours=1), unusable_judy)
        record("unusable_password_set_after_login", j, "judy")
        m = Device("backend_not_configured")
        m.login_as("mallory", ref - D(days=2), backend=catalogue.REMOTE_BACKEND)
        record("backend_not_configured", m, "mallory",
               "logged in through RemoteUserBackend, which is not configured")
        o = Device("legacy_sha1_hash")
        if legacy_sha1_hash_accepted:
            o.login("oscar", ref - D(days=5), extra={"DEFAULT_HASHING_ALGORITHM": "sha1"})
            o.post(ref - D(days=4), "/cart/", {"item": "sku-5"})
            legacy_note = ("logged in under DEFAULT_HASHING_ALGORITHM='sha1' (legacy "
                           "format), re-saved under 'sha256' by a /cart/ request")
        else:
            o.login("oscar", ref - D(days=5))
            o.post(ref - D(days=4), "/legacy-hash/")
            legacy_note = ("hash replaced by the SHA-1 form Django < 3.1 wrote (a session "
                           "carried over from 3.x)")
        record("legacy_sha1_hash", o, "oscar", legacy_note)
        e = Device("expired")
        e.login("alice", ref - D(days=20))
        record("expired", e, "alice", "logged in 20 days before the reference time")
        p = Device("anonymous_after_logout")
        p.login("peggy", ref - D(days=1))
        p.post(ref - D(days=1) + D(minutes=5), "/logout/")
        p.post(ref - D(days=1) + D(minutes=6), "/cart/", {"item": "sku-1"})
        record("anonymous_after_logout", p, "peggy", "logout() flushed the old row")
    an = Device("anonymous_cart")
    an.post(ref - D(minutes=30), "/cart/", {"item": "sku-42"})
    record("anonymous_cart", an, None, "never logged in")

    for _, _, fn in sorted(steps, key=lambda s: (s[0], s[1])):
        fn()
    for role in users:
        if not users[role].get("deleted"):
            users[role]["obj"] = User._default_manager.get(pk=users[role]["obj"].pk)

    # ---- user rows as an external tool sees them ---------------------------------------
    qn = connection.ops.quote_name
    cast = {"sqlite": "{}", "postgresql": "{}::text", "mysql": "CAST({} AS CHAR)"}[vendor]
    with connection.cursor() as c:
        c.execute("SELECT %s, %s, %s FROM %s" % (cast.format(qn(pk_field.column)),
                                                 qn("password"), qn("is_active"),
                                                 qn(user_table)))
        db_rows = c.fetchall()

    def lookup_value(text):
        """The pk column as text -> what rules.parse_pk() gives for the session value."""
        if pk_type == "integer":
            return int(text)
        if pk_type == "uuid":
            return uuid.UUID(hex=str(text))  # 32 hex (char(32)) or dashed (uuid types)
        return text

    rule_users = {lookup_value(t): {"password": pw,
                                    "is_active": None if a is None else bool(a)}
                  for t, pw, a in db_rows}
    pk_db_text = {str(lookup_value(t)) if pk_type != "integer" else str(t): str(t)
                  for t, _, _ in db_rows}

    def user_row(role):
        u = users[role]
        info = {"role": role, "pk": u["pk"], "pk_db_text": pk_db_text.get(u["pk"]),
                "username": u["username"], "email": u["email"],
                "exists": not u.get("deleted", False)}
        o = u["obj"]
        if info["exists"]:
            info.update(is_active=bool(o.is_active), last_login=manifest.iso(
                djangoenv.to_utc(o.last_login)), password=o.password,
                has_usable_password=not o.password.startswith("!"))
        else:
            info.update(is_active=None, last_login=None, password=None,
                        has_usable_password=None)
        return info

    user_rows = {role: user_row(role) for role in users}
    rule_set = {"secret_key": opts.secret_key, "fallbacks": fallbacks,
                "accept_sha1": hasattr(settings, "DEFAULT_HASHING_ALGORITHM"),
                "hash_algorithm": hash_algorithm,
                "legacy_sha1_hash_accepted": legacy_sha1_hash_accepted,
                "fallbacks_for_auth_hash": fallbacks_for_auth_hash,
                "backends": catalogue.BACKENDS, "pk_type": pk_type, "hash_check": hash_check,
                "is_active_none_allowed": is_active_none_allowed}

    # ---- Django's verdict on every session, each on a fresh copy -----------------------
    items = []
    table = Session._meta.db_table
    with override_settings(**K["final"]):
        for item_id, state, dev, role, notes in records:
            key = dev.key
            stored_expiry, raw = databases.stored_row(connection, table, key)
            expires = djangoenv.to_utc(Session.objects.get(session_key=key).expire_date)
            with clock.at(ref):
                decoded = SessionStore().decode(raw)
                verdict = oracle.judge(key, keys=keys,
                                       label="%s/verdict/%s" % (variant, item_id),
                                       cookie=cookie, pk_field=pk_field, Session=Session,
                                       SessionStore=SessionStore)
            data, secret_index = rules.decode(raw, [opts.secret_key] + fallbacks,
                                              rule_set["accept_sha1"])
            if (data or {}) != decoded:
                raise Problem("%s: Django decodes %r, the rules %r" % (item_id, decoded, data))
            r_user, r_action = rules.verdict(raw, expires, ref, rule_set, rule_users)
            r_user = None if r_user is None else str(r_user)
            if (r_user, r_action) != (verdict["user"], verdict["action"]):
                raise Problem("%s: the rules say %r, Django did %r" % (
                    item_id, (r_user, r_action), (verdict["user"], verdict["action"])))
            owner = user_rows[role] if role else None
            item = {"id": item_id, "state": state, "key": key, "notes": notes,
                    "session_data": raw, "expire_date": manifest.iso(expires),
                    "expire_date_raw": stored_expiry, "expired": not expires > ref,
                    "signed_with": (None if secret_index is None else
                                    "SECRET_KEY" if secret_index == 0 else
                                    "SECRET_KEY_FALLBACKS[%d]" % (secret_index - 1)),
                    "session": manifest.jsonable(decoded),
                    "user": owner,
                    "hash_matches": (None if not expires > ref else
                                     rules.hash_matches(decoded, owner, rule_set)),
                    "django": verdict,
                    "reference": {"user": r_user, "action": r_action}}
            if key in made_by:
                item["made_by"] = made_by[key]
            items.append(item)

    with connection.cursor() as c:
        columns = [d.name for d in connection.introspection.get_table_description(c, user_table)]
    if vendor == "sqlite":
        with connection.cursor() as c:
            c.execute("VACUUM")  # drop the pages the flushed and cycled rows left free
    database = {"vendor": vendor, "session_table": table, "user_table": user_table}
    if location:
        database["location"] = location
    else:
        database["database_url"] = opts.variant_database_url
    part = {
        "django_version": django.get_version(),
        "python_version": sys.version.split()[0],
        "reference_time": manifest.iso(ref),
        "seed": opts.seed,
        "secret_key": opts.secret_key,
        "secret_key_fallbacks": fallbacks,
        "old_secret_key": opts.fallback_key,
        "retired_secret_key": opts.retired_key,
        "settings": {"AUTHENTICATION_BACKENDS": catalogue.BACKENDS,
                     "SESSION_COOKIE_AGE": settings.SESSION_COOKIE_AGE,
                     "SESSION_COOKIE_NAME": cookie, "USE_TZ": settings.USE_TZ,
                     "TIME_ZONE": settings.TIME_ZONE,
                     "DEFAULT_HASHING_ALGORITHM": getattr(settings,
                                                          "DEFAULT_HASHING_ALGORITHM", None),
                     "PASSWORD_HASHERS": list(settings.PASSWORD_HASHERS),
                     "password_hasher_iterations": hashers.get_hasher().iterations},
        "auth_hash": {
            "key_salt": AUTH_HASH_SALT,
            "algorithm": hash_algorithm,
            "formula": "hex(HMAC_H(key = H(key_salt + secret), msg = password column))",
            "fallbacks_checked": fallbacks_for_auth_hash,
            "legacy_sha1_accepted": legacy_sha1_hash_accepted,
            "inactive_none_allowed": is_active_none_allowed},
        "variant": {
            "user_model": spec["model"],
            "has_get_session_auth_hash": hash_check,
            "database": database,
            "pk": {"column": pk_field.column, "type": pk_type,
                   "django_field": type(pk_field).__name__,
                   "db_type": pk_field.db_type(connection)},
            "username_field": username_field,
            "email_field": email_field,
            "columns": columns,
            "users": list(user_rows.values()),
            "items": items,
        },
    }
    connection.close()
    return part
