"""The auth kind: sessions of logged-in users next to the user table they point at,
judged by what django.contrib.auth.get_user() does with each (the _auth_user_hash
check).  catalogue.py (states, user models, people), build.py (users and sessions
through real requests), oracle.py (Django's verdict at the reference time), rules.py
(the same verdict from the stored data alone, standard library only) and hashers.py
(a PBKDF2 hasher with few iterations, so a set builds in seconds)."""
