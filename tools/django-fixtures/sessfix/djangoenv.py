"""A standalone Django with a frozen clock and reproducible session keys.

Every kind of fixture runs Django the same way: settings.configure() (no project),
the process time zone set to TIME_ZONE as a real project's settings module would do,
and three things made deterministic so that the same seed gives the same bytes:
* the clock: django.utils.timezone.now, the signing timestamp and the clocks of the cache
  backends (the expiry `BaseCache` computes, the expiry checks of DatabaseCache and
  FileBasedCache) read `Clock.at`;
* session keys: Django draws them with get_random_string in the sessions base module;
  `Keys` answers instead, deriving each key from (seed, label, n) so that a key does
  not move when items are added to or removed from the catalogue;
* file mtimes: set with os.utime by whoever writes a file.
Nothing else is patched: encoding, signing, expiry and clearsessions are Django's.
"""

import contextlib
import datetime as dt
import os
import random
import time
import types
import warnings
from unittest import mock

UTC = dt.timezone.utc
KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"  # Django's VALID_KEY_CHARS


def configure(settings_overrides):
    """settings.configure() with the apps sessions need, then django.setup()."""
    import django
    from django.conf import settings

    conf = {
        "INSTALLED_APPS": ["django.contrib.contenttypes", "django.contrib.auth",
                           "django.contrib.sessions"],
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        "DEFAULT_AUTO_FIELD": "django.db.models.AutoField",
    }
    conf.update(settings_overrides)
    warnings.simplefilter("ignore")  # deprecation notes of old settings (pickle, sha1)
    os.environ["TZ"] = conf.get("TIME_ZONE", "UTC")
    time.tzset()
    settings.configure(**conf)
    django.setup()
    return django.VERSION


class Clock:
    """Django's notion of now, moved explicitly with `at(instant)` (aware, UTC)."""

    def __init__(self, instant):
        self.instant = instant

    @contextlib.contextmanager
    def at(self, instant):
        before, self.instant = self.instant, instant
        try:
            yield
        finally:
            self.instant = before

    def django_now(self, instant=None):
        """What timezone.now() returns: aware under USE_TZ, naive local time otherwise."""
        from django.conf import settings
        from django.utils import timezone
        instant = self.instant if instant is None else instant
        if settings.USE_TZ:
            return instant
        return timezone.make_naive(instant, timezone.get_default_timezone())


class Keys:
    """Session keys derived from (seed, label, n): the n-th key drawn under a label."""

    def __init__(self, seed):
        self.seed = seed
        self.label = "unlabelled"
        self.drawn = 0

    def under(self, label):
        self.label, self.drawn = label, 0
        return self

    def draw(self, length=32, allowed_chars=KEY_CHARS):
        rng = random.Random("%s/%s/%d" % (self.seed, self.label, self.drawn))
        self.drawn += 1
        return "".join(rng.choice(allowed_chars) for _ in range(length))


@contextlib.contextmanager
def frozen(clock, keys):
    """Patch Django's clock and session-key source for the duration."""
    from django.contrib.sessions.backends import base
    from django.core import signing
    from django.core.cache.backends import base as cache_base, db as cache_db
    from django.core.cache.backends import filebased as cache_file
    from django.utils import timezone

    epoch = types.SimpleNamespace(time=lambda: clock.instant.timestamp())
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(timezone, "now", lambda: clock.django_now()))
        stack.enter_context(mock.patch.object(signing, "time", epoch))
        # time.time() + timeout is every cache's expiry; DatabaseCache compares with
        # timezone.now (newer releases import it as tz_now), FileBasedCache with
        # time.time().
        stack.enter_context(mock.patch.object(cache_base, "time", epoch))
        if hasattr(cache_db, "tz_now"):
            stack.enter_context(mock.patch.object(cache_db, "tz_now",
                                                  lambda: clock.django_now()))
        stack.enter_context(mock.patch.object(cache_file, "time", epoch))
        stack.enter_context(mock.patch.object(
            base, "get_random_string",
            lambda length, allowed_chars=KEY_CHARS: keys.draw(length, allowed_chars)))
        yield


def to_utc(value):
    """A datetime Django stored or returned, as an aware UTC datetime (naive values are
    local time in TIME_ZONE, as under USE_TZ=False)."""
    from django.utils import timezone
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value.astimezone(UTC)


def set_mtime(path, instant):
    """mtime (and atime) to the microsecond, also for a directory."""
    ns = _ns(instant)
    os.utime(path, ns=(ns, ns), follow_symlinks=False)


def _ns(instant):
    delta = instant - dt.datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000
