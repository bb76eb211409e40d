"""The password hasher the auth sets are made with.

Django's own PBKDF2PasswordHasher with a fixed, low iteration count: every login of a
set checks a password, and Django's default (260 000 in 3.2, 1 500 000 in 6.1) would
make a build take minutes.  The stored form is Django's ordinary
`pbkdf2_sha256$<iterations>$<salt>$<hash>`, which any Django reads with its stock
hasher; `_auth_user_hash` is an HMAC of that string, so nothing a reader of the set
checks depends on the iteration count.  The same count in every version also keeps
`must_update()` quiet: a login never re-hashes (and so never re-salts) a password.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FixturePBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1000
