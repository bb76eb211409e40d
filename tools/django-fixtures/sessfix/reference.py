"""An independent reading of Django's signed values, standard library only.

Every value Django writes into a set is read back here too, and (uncompressed or not,
JSON, signed with SECRET_KEY) written again; the build stops when this reading and
Django disagree.  That catches a set that Django wrote under other settings than the
manifest says, and it gives each item its `codec` entry: what a decoder that follows
Django's rules must find (format, algorithm, timestamp, which secret signed it).

Django's rules, in short (django.core.signing, django.contrib.sessions.backends.base):
* signed value = payload ":" base62(unix time) ":" urlsafe-b64(HMAC) without padding;
  the HMAC key is hash(salt + "signer" + secret), SHA-256 (SHA-1 on 3.1/3.2 with
  DEFAULT_HASHING_ALGORITHM = "sha1");
* payload = urlsafe-b64(serialized), or "." + urlsafe-b64(zlib(serialized)) when the
  compressed form is shorter by more than one byte;
* before 3.1: base64(hex HMAC-SHA1 keyed with "django.contrib.sessions" + class name,
  ":" + serialized).
"""

import base64
import hashlib
import hmac
import json
import zlib

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def b62(n):
    digits = ""
    while True:
        n, r = divmod(n, 62)
        digits = _B62[r] + digits
        if n == 0:
            return digits


def from_b62(text):
    n = 0
    for ch in text:
        n = n * 62 + _B62.index(ch)
    return n


def _hmac(salt, secret, value, algorithm):
    digest = getattr(hashlib, algorithm)
    key = digest((salt + secret).encode()).digest()
    return hmac.new(key, value if isinstance(value, bytes) else value.encode(), digest)


def _b64(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_json(obj, salt, secret, timestamp, algorithm="sha256"):
    """Django's signing.dumps(obj, salt=salt, compress=True) with the JSON serializer."""
    plain = json.dumps(obj, separators=(",", ":")).encode("latin-1")
    packed = zlib.compress(plain)
    payload = "." + _b64(packed) if len(packed) < len(plain) - 1 else _b64(plain)
    value = "%s:%s" % (payload, b62(timestamp))
    return value + ":" + _b64(_hmac(salt + "signer", secret, value, algorithm).digest())


def read(raw, salt, secrets, legacy_salt=None, deserialize=None):
    """(data, codec info) for a value Django can load, (None, {"format": "undecodable"})
    for one it reads as an empty session."""
    deserialize = deserialize or (lambda b: json.loads(b.decode("latin-1")))
    head, _, signature = raw.rpartition(":")
    if head.count(":") >= 1:
        for algorithm in ("sha256", "sha1"):
            for index, secret in enumerate(secrets):
                want = _b64(_hmac(salt + "signer", secret, head, algorithm).digest())
                if not hmac.compare_digest(want, signature):
                    continue
                payload, _, stamp = head.rpartition(":")
                packed = payload.startswith(".")
                data = _unb64(payload[1:] if packed else payload)
                data = zlib.decompress(data) if packed else data
                return deserialize(data), {
                    "format": "signed-compressed" if packed else "signed",
                    "timestamp": from_b62(stamp), "algorithm": algorithm,
                    "secret_index": index}
    if legacy_salt:
        try:
            hexdigest, serialized = base64.b64decode(raw.encode("ascii")).split(b":", 1)
        except (ValueError, UnicodeEncodeError):
            return None, {"format": "undecodable"}
        want = _hmac(legacy_salt, secrets[0], serialized, "sha1").hexdigest().encode()
        if hmac.compare_digest(want, hexdigest):
            return deserialize(serialized), {"format": "legacy", "algorithm": "sha1"}
    return None, {"format": "undecodable"}


def auth_hash(password_hash, secret, algorithm):
    """AbstractBaseUser.get_session_auth_hash() for a user with that password hash."""
    salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
    return _hmac(salt, secret, password_hash, algorithm).hexdigest()
