"""sessfix: the project's Django fixture generator (see ../README.md).

Real Django writes every stored value and decides every verdict; this package only
arranges the cases, freezes the clock, makes keys reproducible and records the
results.  Layout:

    cli.py          commands (djfix --help)
    venvs.py        virtualenvs with exact Django pins (standard library only)
    djangoenv.py    standalone Django: settings, frozen clock, seeded session keys
    databases.py    SQLite / PostgreSQL / MySQL targets, stored column text
    reference.py    an independent reading of Django's signed values (self-check)
    manifest.py     JSON view of session data, manifest.json, mtimes, set comparison
    oracle.py       fresh sets with random keys from the newest Django (CI)
    sessions/       the sessions kind: db, file and signed_cookies backends
    cache/          the cache kind: cache and cached_db engines in Django's caches
    auth/           the auth kind: users of four user models and their sessions,
                    judged by django.contrib.auth.get_user()

A new kind of fixture is a sibling package of sessions/ with the same three parts
(catalogue: what it holds; build: made through Django; oracle: Django's verdicts) and
its pair of commands in cli.py.
"""
