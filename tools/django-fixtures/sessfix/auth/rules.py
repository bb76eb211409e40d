"""What Django does with one db session of a logged-in user, from the stored data alone
(standard library only): the rules a tool like sessctl must follow, written down
independently of Django so that the build can check them against Django's verdicts
(oracle.py).  The build stops when the two disagree.

The order is get_user()'s (django.contrib.auth.get_user with the db session engine):
 1. the row loads: expire_date > now, and the signature verifies with SECRET_KEY or a
    fallback (3.2: also SHA-1 signatures and the pre-3.1 format) - else {};
 2. both _auth_user_id and _auth_user_backend are present;
 3. _auth_user_id parses for the pk type (else get_user() raises: "error");
 4. the backend string is in AUTHENTICATION_BACKENDS;
 5. the user row exists, and for ModelBackend / RemoteUserBackend is active
    (NULL is_active: active on 3.2, inactive from 4.x on);
 6. only for a model with get_session_auth_hash(): the hash matches SECRET_KEY
    (3.2: also its SHA-1 form), else one of SECRET_KEY_FALLBACKS (4.1.8+: then
    cycle_key()), else flush() - a missing or empty hash is a flush too.
"""

import hmac
import uuid

from .. import reference

SESSION_SALT = "django.contrib.sessions.SessionStore"
LEGACY_SESSION_SALT = "django.contrib.sessionsSessionStore"
ACTIVE_CHECKING = {"django.contrib.auth.backends.ModelBackend",
                   "django.contrib.auth.backends.RemoteUserBackend"}
NOT_CHECKING = {"django.contrib.auth.backends.AllowAllUsersModelBackend",
                "django.contrib.auth.backends.AllowAllUsersRemoteUserBackend"}


def decode(raw, secrets, accept_sha1):
    """(session dict, index of the secret that verified it) or (None, None)."""
    data, info = reference.read(raw, SESSION_SALT, secrets,
                                LEGACY_SESSION_SALT if accept_sha1 else None)
    if info["format"] == "undecodable":
        return None, None
    if info.get("algorithm") == "sha1" and not accept_sha1:
        return None, None  # SHA-1 signatures were read until 3.2 only
    return data, info.get("secret_index", 0)


def parse_pk(value, pk_type):
    """_auth_user_id -> the value looked up (what pk.to_python() gives); ValueError
    where Django's raises ValidationError."""
    try:
        if pk_type == "integer":
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                raise ValueError("not an integer")
            return int(value)
        if pk_type == "uuid":
            return uuid.UUID(int=value) if isinstance(value, int) else uuid.UUID(hex=value)
    except (AttributeError, TypeError) as e:
        raise ValueError(str(e))
    return str(value)


def verdict(raw, expire_date, now, rules, users):
    """(user pk or None, action) with action none / flush / cycle_key / error.

    rules: secret_key, fallbacks, accept_sha1 (3.1/3.2: DEFAULT_HASHING_ALGORITHM
    exists), hash_algorithm, legacy_sha1_hash_accepted, fallbacks_for_auth_hash,
    backends, pk_type, hash_check, is_active_none_allowed.
    users: {parsed pk: {"password": ..., "is_active": ...}}, a SELECT of the user table.
    """
    if not expire_date > now:
        return None, "none"
    secrets = [rules["secret_key"]] + rules["fallbacks"]
    data, _ = decode(raw, secrets, rules["accept_sha1"])
    if data is None:
        return None, "none"
    if "_auth_user_id" not in data or "_auth_user_backend" not in data:
        return None, "none"
    try:
        pk = parse_pk(data["_auth_user_id"], rules["pk_type"])
    except ValueError:
        return None, "error"
    backend = data["_auth_user_backend"]
    if backend not in rules["backends"]:
        return None, "none"
    row = users.get(pk)
    if row is None:
        return None, "none"
    if backend in ACTIVE_CHECKING:
        active = row["is_active"]
        if not (active or (active is None and rules["is_active_none_allowed"])):
            return None, "none"
    elif backend not in NOT_CHECKING:
        raise SystemExit("unknown backend semantics: " + backend)
    if not rules["hash_check"]:
        return pk, "none"
    stored = data.get("_auth_user_hash")
    if not stored:
        return None, "flush"

    def made_with(secret, algorithm):
        return hmac.compare_digest(stored, reference.auth_hash(row["password"], secret,
                                                               algorithm))

    if made_with(rules["secret_key"], rules["hash_algorithm"]):
        return pk, "none"
    if rules["legacy_sha1_hash_accepted"] and made_with(rules["secret_key"], "sha1"):
        return pk, "none"
    if rules["fallbacks_for_auth_hash"] and any(made_with(fb, "sha256")
                                                for fb in rules["fallbacks"]):
        return pk, "cycle_key"
    return None, "flush"


def hash_matches(data, user, rules):
    """Which secret makes _auth_user_hash match the user's current password (for the
    manifest): SECRET_KEY, sha1(SECRET_KEY), SECRET_KEY_FALLBACKS[i], none, missing,
    not-checked; None when get_user() never gets to the hash."""
    if not data or "_auth_user_id" not in data or user is None or not user["exists"]:
        return None
    backend = data.get("_auth_user_backend")
    if backend not in rules["backends"]:
        return None
    if backend in ACTIVE_CHECKING and not user["is_active"]:
        return None
    if not rules["hash_check"]:
        return "not-checked"
    stored = data.get("_auth_user_hash")
    if not stored:
        return "missing"
    pw = user["password"]
    if stored == reference.auth_hash(pw, rules["secret_key"], rules["hash_algorithm"]):
        return "SECRET_KEY"
    if stored == reference.auth_hash(pw, rules["secret_key"], "sha1"):
        return "sha1(SECRET_KEY)"
    for i, fb in enumerate(rules["fallbacks"]):
        if stored == reference.auth_hash(pw, fb, "sha256"):
            return "SECRET_KEY_FALLBACKS[%d]" % i
    return "none"
