"""Build one sessions set with the Django this interpreter imports.

Every stored value comes from Django: SessionStore.save() for db and file sessions,
contrib.auth.login() for logged-in ones, the Session model and django.core.signing for
rows Django cannot decode, the signed_cookies store for cookies.  What the manifest says
Django would do with each item (decode, load at the reference time, expiry age) is also
asked of Django, and each value is read again by `reference` (the build stops if the
two disagree).  The oracle (`oracle.run`) then records what clearsessions deletes.
"""

import copy
import datetime as dt
import os
import shutil
import sys

from .. import databases, djangoenv, manifest, reference
from . import catalogue, oracle

UTC = dt.timezone.utc


class Problem(SystemExit):
    pass


def _check_options(opts, version):
    if opts.legacy_sha1 and version[:2] not in ((3, 1), (3, 2)):
        raise Problem("--legacy-sha1 needs Django 3.1 or 3.2 (found %d.%d)" % version[:2])
    if opts.serializer == "pickle" and version >= (5, 0):
        raise Problem("PickleSerializer was removed in Django 5.0")


def _settings(opts, files_dir, db):
    conf = {
        "SECRET_KEY": opts.secret_key,
        "USE_TZ": opts.use_tz,
        "TIME_ZONE": opts.time_zone,
        "DATABASES": {"default": db},
        "SESSION_ENGINE": "django.contrib.sessions.backends.db",
        "SESSION_FILE_PATH": files_dir,
        "SESSION_COOKIE_NAME": opts.cookie_name,
        "SESSION_COOKIE_AGE": opts.cookie_age,
        "SESSION_SERIALIZER": "django.contrib.sessions.serializers."
                              + ("PickleSerializer" if opts.serializer == "pickle"
                                 else "JSONSerializer"),
    }
    return conf


def _clean(out):
    files_dir = os.path.join(out, "files")
    for name in ("files", "sessions.sqlite3", "manifest.json", "database-url"):
        path = os.path.join(out, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.remove(path)
    os.makedirs(files_dir)
    return files_dir


def build(opts):
    out = os.path.abspath(opts.out)
    os.makedirs(out, exist_ok=True)
    files_dir = _clean(out)
    db, location = databases.django_database(opts.database_url, out)

    import django
    version = django.VERSION
    _check_options(opts, version)
    conf = _settings(opts, files_dir, db)
    fallbacks = [opts.fallback_key] if version >= (4, 1) else []
    if fallbacks:
        conf["SECRET_KEY_FALLBACKS"] = fallbacks
    if version[:2] in ((3, 1), (3, 2)):
        conf["DEFAULT_HASHING_ALGORITHM"] = "sha1" if opts.legacy_sha1 else "sha256"
    djangoenv.configure(conf)

    ref = dt.datetime.fromisoformat(opts.reference_time)
    ref = (ref if ref.tzinfo else ref.replace(tzinfo=UTC)).astimezone(UTC)
    clock = djangoenv.Clock(ref)
    keys = djangoenv.Keys(opts.seed)
    with djangoenv.frozen(clock, keys):
        return _build(opts, out, files_dir, location, ref, clock, keys, fallbacks)


def _build(opts, out, files_dir, location, ref, clock, keys, fallbacks):
    import django
    from django.conf import settings
    from django.contrib.auth import login
    from django.contrib.auth.models import User
    from django.contrib.auth.signals import user_logged_in
    from django.contrib.sessions.backends.db import SessionStore as DBStore
    from django.contrib.sessions.backends.file import SessionStore as FileStore
    from django.contrib.sessions.backends.signed_cookies import SessionStore as CookieStore
    from django.contrib.sessions.backends.cache import SessionStore as CacheStore
    from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
    from django.contrib.sessions.models import Session
    from django.core import signing
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.http import HttpRequest

    # login() would save last_login into auth tables this set does not have.
    user_logged_in.disconnect(dispatch_uid="update_last_login")
    call_command("migrate", "sessions", verbosity=0)
    if Session.objects.exists():
        raise Problem("table %s is not empty: give a fresh database" % Session._meta.db_table)

    pickle = opts.serializer == "pickle"
    secrets = [opts.secret_key] + fallbacks
    db_salt = DBStore().key_salt
    legacy_salt = "django.contrib.sessions" + DBStore.__name__
    deserialize = None
    if pickle:
        import pickle as pickle_module
        deserialize = pickle_module.loads
    payloads = dict(catalogue.PAYLOADS, pickle_only=catalogue.PICKLE_PAYLOAD)
    object_expiry_ok = pickle or django.VERSION >= (4, 1)  # else 3.2 stores a datetime
    items = []

    def user(uid):
        return User(id=uid, username="user%d" % uid, password=catalogue.password_hash(uid))

    def codec_of(raw, decoded, salt, label):
        got, info = reference.read(raw, salt, secrets,
                                   legacy_salt if opts.legacy_sha1 else None, deserialize)
        if info["format"] == "undecodable":
            if decoded != {}:
                raise Problem("%s: Django decoded what the reference reading cannot" % label)
            return info
        if got != decoded:
            raise Problem("%s: Django and the reference reading disagree" % label)
        if not pickle and info["format"] != "legacy" and info["secret_index"] == 0:
            again = reference.sign_json(got, salt, secrets[0], info["timestamp"],
                                        info["algorithm"])
            if again != raw:
                raise Problem("%s: Django wrote %r, the reference %r" % (label, raw, again))
        return info

    def decoded_fields(store, raw, salt, label):
        data = store.decode(raw)
        fields = {"expected": manifest.jsonable(data)}
        if pickle:
            fields["expected_repr"] = repr(data)
        fields["codec"] = codec_of(raw, data, salt, label)
        return fields

    def save_session(Store, spec):
        made = ref - spec.made
        with clock.at(made):
            store = Store()
            if spec.login_uid is not None:
                request = HttpRequest()
                request.session = store
                store.update(copy.deepcopy(catalogue.BEFORE_LOGIN))
                login(request, user(spec.login_uid),
                      backend="django.contrib.auth.backends.ModelBackend")
            store.update(copy.deepcopy(payloads[spec.payload]))
            expiry = spec.expiry
            if isinstance(expiry, tuple):  # ("at", offset): an absolute instant
                expiry = clock.django_now(ref + expiry[1])
            if expiry is not None:
                store.set_expiry(expiry)
            store.save()
        return store, made

    # -- db and file sessions, through SessionStore ------------------------------------
    specs = [s for s in catalogue.sessions(opts.cookie_age, pickle)
             if object_expiry_ok or not s.needs_object_expiry]
    table = Session._meta.db_table
    for backend, Store in (("db", DBStore), ("file", FileStore)):
        for spec in specs:
            keys.under("%s/%s" % (backend, spec.id))
            store, made = save_session(Store, spec)
            key = store.session_key
            item = {"id": spec.id, "backend": backend, "key": key, "notes": spec.notes,
                    "created_at": manifest.iso(made), "salt": store.key_salt}
            if backend == "db":
                stored_expiry, raw = databases.stored_row(connection, table, key)
                expires = djangoenv.to_utc(Session.objects.get(session_key=key).expire_date)
                with clock.at(ref):
                    loaded = DBStore(key).load()
                item.update(raw=raw, expire_date_raw=stored_expiry,
                            expire_date=manifest.iso(expires), expired=expires < ref,
                            loadable_at_reference=expires > ref,
                            django_load_at_reference=manifest.jsonable(loaded))
            else:
                name = opts.cookie_name + key
                path = os.path.join(files_dir, name)
                djangoenv.set_mtime(path, made)
                with open(path, encoding="ascii") as f:
                    raw = f.read()
                reader = FileStore(key)
                with clock.at(ref):
                    # what the file backend's clear_expired() computes for this file
                    expiry = reader._expiry_date(reader.decode(raw))
                    age_left = reader.get_expiry_age(expiry=expiry)
                if isinstance(expiry, str):
                    expiry = dt.datetime.fromisoformat(expiry)
                item.update(file_name=name, raw=raw, mtime=manifest.iso(made),
                            expire_date=None if isinstance(expiry, int)
                            else manifest.iso(djangoenv.to_utc(expiry)),
                            expiry_age_at_reference=age_left, expired=age_left <= 0)
            item.update(decoded_fields(Store(), raw, store.key_salt, spec.id))
            items.append(item)

    # -- db rows Django cannot decode (or decodes only with a fallback key) ------------
    simple = next(i["raw"] for i in items if i["id"] == "simple" and i["backend"] == "db")
    serializer = DBStore().serializer
    with clock.at(ref - dt.timedelta(hours=1)):
        values = {
            "tampered_signature": simple[:-1] + ("B" if simple.endswith("A") else "A"),
            "wrong_secret": signing.dumps({"foo": "bar"}, key="some-other-secret",
                                          salt=db_salt, compress=True, serializer=serializer),
            "garbage": "not-a-session",
            "garbage_expired": "xyz:abc:def",
        }
        if fallbacks:
            values["fallback_secret"] = signing.dumps(
                {"migrated": True}, key=fallbacks[0], salt=db_salt, compress=True,
                serializer=serializer)
    for row_id, expires_in, notes in catalogue.BAD_ROWS:
        if row_id not in values:
            continue
        key = keys.under("db/" + row_id).draw()
        raw = values[row_id]
        Session.objects.create(session_key=key, session_data=raw,
                               expire_date=clock.django_now(ref + expires_in))
        stored_expiry, _ = databases.stored_row(connection, table, key)
        expires = djangoenv.to_utc(Session.objects.get(session_key=key).expire_date)
        item = {"id": row_id, "backend": "db", "key": key, "notes": notes, "raw": raw,
                "expire_date_raw": stored_expiry, "expire_date": manifest.iso(expires),
                "expired": expires < ref, "loadable_at_reference": expires > ref,
                "salt": db_salt}
        item.update(decoded_fields(DBStore(), raw, db_salt, row_id))
        items.append(item)

    # -- odd entries of the file directory ---------------------------------------------
    for odd in catalogue.ODD_FILES:
        name = odd.name if odd.foreign else opts.cookie_name + odd.name
        path = os.path.join(files_dir, name)
        if odd.content is None:
            os.mkdir(path)
            open(os.path.join(path, "keep"), "w").close()  # git keeps no empty folder
        else:
            with open(path, "wb") as f:
                f.write(odd.content)
        made = ref - odd.made
        djangoenv.set_mtime(path, made)
        items.append({"id": "file_" + odd.notes.partition(":")[0], "backend": "file",
                      "key": None, "file_name": name,
                      "raw": None if odd.content is None else odd.content.decode(),
                      "mtime": manifest.iso(made), "notes": odd.notes, "expired": None,
                      "clearsessions_expected": odd.clearsessions})

    # -- signed_cookies -----------------------------------------------------------------
    cookie_salt = "django.contrib.sessions.backends.signed_cookies"
    for cookie_id, payload, before in catalogue.cookies(opts.cookie_age):
        made = ref - before
        with clock.at(made):
            store = CookieStore()
            store.update(copy.deepcopy(payloads[payload]))
            store.save()
        value = store.session_key  # the cookie value is the signed data itself
        with clock.at(ref):
            loaded = CookieStore(value).load()
        signed = int(made.timestamp())
        got = signing.loads(value, salt=cookie_salt, serializer=store.serializer)
        items.append({"id": cookie_id, "backend": "signed_cookies", "key": None, "raw": value,
                      "salt": cookie_salt, "expected": manifest.jsonable(got),
                      "signed_at": manifest.iso(dt.datetime.fromtimestamp(signed, UTC)),
                      "max_age": opts.cookie_age,
                      "expired": ref.timestamp() - signed > opts.cookie_age,
                      "django_load_at_reference": manifest.jsonable(loaded),
                      "codec": codec_of(value, got, cookie_salt, cookie_id)})
    tampered = items[-1]["raw"][:-2] + "xx"
    with clock.at(ref):
        loaded = CookieStore(tampered).load()
    items.append({"id": "cookie_tampered", "backend": "signed_cookies", "key": None,
                  "raw": tampered, "salt": cookie_salt, "expected": {}, "expired": None,
                  "django_load_at_reference": manifest.jsonable(loaded),
                  "notes": "bad signature: load() returns {} and starts a new session"})

    # -- vectors: salts of custom stores, cache keys, auth hashes -------------------------
    # A project's own store class (module level, so its __qualname__ has no "<locals>").
    Custom = type("CustomSessionStore", (DBStore,), {})
    with clock.at(ref - dt.timedelta(hours=1)):
        custom_raw = Custom().encode({"foo": "bar"})
    cache_key = keys.under("vectors/cache_keys").draw()
    algorithm = "sha1" if opts.legacy_sha1 else "sha256"
    users = {}
    for uid in sorted({s.login_uid for s in specs if s.login_uid is not None}, reverse=True):
        u = user(uid)
        if reference.auth_hash(u.password, opts.secret_key, algorithm) != u.get_session_auth_hash():
            raise Problem("user %d: _auth_user_hash differs from the reference" % uid)
        users[str(uid)] = {"password": u.password, "hash": u.get_session_auth_hash()}
    vectors = {
        "custom_store_salt": {
            "class_qualname": Custom.__qualname__, "salt": Custom().key_salt,
            "raw": custom_raw, "expected": {"foo": "bar"},
            "decodes_with_default_db_store": DBStore().decode(custom_raw) != {},
            "notes": "key_salt is built from the *store* class __qualname__"},
        "cache_keys": {
            "session_key": cache_key,
            "cache_backend_key": cache.make_key(CacheStore.cache_key_prefix + cache_key),
            "cached_db_backend_key": cache.make_key(CachedDBStore.cache_key_prefix + cache_key),
            "notes": "Django cache key = KEY_PREFIX:VERSION:<key>; default KEY_PREFIX '' and "
                     "VERSION 1; the cached value is the pickled session dict, not signed"},
        "auth_hash_inputs": {
            "key_salt": "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            "algorithm": algorithm, "users": users},
    }

    verdicts = oracle.run(clock, ref, files_dir, FileStore, Session)
    oracle.attach(verdicts, items)

    doc = {
        "generator": "tools/django-fixtures sessions",
        "django_version": django.get_version(),
        "python_version": sys.version.split()[0],
        "reference_time": manifest.iso(ref),
        "seed": opts.seed,
        "secret_key": opts.secret_key,
        "secret_key_fallbacks": fallbacks,
        "settings": {"USE_TZ": settings.USE_TZ, "TIME_ZONE": settings.TIME_ZONE,
                     "SESSION_COOKIE_AGE": settings.SESSION_COOKIE_AGE,
                     "SESSION_COOKIE_NAME": settings.SESSION_COOKIE_NAME,
                     "SESSION_SERIALIZER": settings.SESSION_SERIALIZER,
                     "DEFAULT_HASHING_ALGORITHM": getattr(settings, "DEFAULT_HASHING_ALGORITHM",
                                                          None)},
        "database": {"vendor": connection.vendor, "location": location, "table": table},
        "file_dir": "files",
        "key_salt": db_salt,
        "legacy_key_salt": legacy_salt,
        "signed_cookies_salt": cookie_salt,
        "conventions": {
            "expire_date": "ISO-8601 in UTC (naive stored values converted using TIME_ZONE)",
            "expired": "db: expire_date < reference_time (what clearsessions deletes); file: "
                       "Django's get_expiry_age(...) <= 0 at reference_time; signed_cookies: "
                       "reference_time - signed_at > max_age",
            "expected": "what Django's SessionStore.decode() returns ({} when undecodable)",
            "codec": "what the generator's own reading of the value found (sessfix/reference.py)",
            "keys": "session keys derive from (seed, backend/item id): adding an item moves "
                    "no other key",
        },
        "items": items,
        "vectors": vectors,
        "oracle": verdicts,
    }
    manifest.write(os.path.join(out, "manifest.json"), doc)
    connection.close()
    counts = {b: sum(1 for i in items if i["backend"] == b) for b in ("db", "file", "signed_cookies")}
    return "Django %s: %d items %s, clearsessions deleted %d rows and %d files" % (
        django.get_version(), len(items), counts, len(verdicts["db"]["deleted"]),
        len(verdicts["file"]["deleted"]))
