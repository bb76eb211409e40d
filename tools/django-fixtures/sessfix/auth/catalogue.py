"""What an auth set holds: the states a session can be in, the user models, the people.

A set has one Django project per user model (AUTH_USER_MODEL is fixed per process and
per database), each in its own database with its own django_session table:

    default   django.contrib.auth User: table auth_user, integer pk
    uuid      accounts.Member(AbstractUser): UUID pk, Meta.db_table "site_members"
    email     shop.Customer(AbstractBaseUser): CharField pk customer_no,
              USERNAME_FIELD = "email", table shop_customer
    nohash    legacy.Account(models.Model): no get_session_auth_hash(), so Django
              never checks _auth_user_hash; table legacy_account

The models are real apps written to a temporary folder (APPS) with a migration made by
makemigrations, so their tables are what a project's own migrations would create.
Only `default` has every state; the others have the ones whose reading depends on the
pk type or on the model (a reader must join them on another column type), which keeps
the set small.
"""

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
ALLOW_ALL_BACKEND = "django.contrib.auth.backends.AllowAllUsersModelBackend"
REMOTE_BACKEND = "django.contrib.auth.backends.RemoteUserBackend"
# What the sets configure: a site that lets inactive users in through one backend.
BACKENDS = [MODEL_BACKEND, ALLOW_ALL_BACKEND]

# state -> what happened to the session and what Django's get_user() does with it.
STATES = {
    "valid": "logged in, hash matches SECRET_KEY -> the user; row untouched",
    "valid_after_password_change": "password changed in this session via "
        "update_session_auth_hash() (key rotated then) -> the user",
    "unusable_password": "user has an unusable password ('!...') from the start and was "
        "logged in without one (SSO style) -> the user",
    "inactive_allowall": "is_active=False, logged in through AllowAllUsersModelBackend "
        "-> the (inactive) user",
    "fallback_key": "session data and hash made under the previous key, which is now in "
        "SECRET_KEY_FALLBACKS -> the user; cycle_key(): new key, hash rewritten",
    "fallback_hash_resigned": "hash made under the previous key, data re-signed with the "
        "current key by a later request that did not read request.user -> cycle_key()",
    "legacy_sha1_hash": "hash is the 40-hex SHA-1 form written by Django < 3.1 (or 3.1/3.2 "
        "with DEFAULT_HASHING_ALGORITHM='sha1'): 3.2 accepts it, 4.0+ flush",
    "stale_password": "password changed after login -> flush",
    "unusable_password_set_after_login": "set_unusable_password() after login: the "
        "password column changed -> flush",
    "retired_key_hash": "hash made under a key that is neither SECRET_KEY nor a fallback "
        "(data re-signed with the current key) -> flush",
    "missing_hash": "_auth_user_id and _auth_user_backend but no _auth_user_hash -> flush",
    "deleted_user": "the user row was deleted -> anonymous, row left as it is",
    "inactive_modelbackend": "is_active=False, session backend ModelBackend -> anonymous, "
        "row left as it is",
    "backend_not_configured": "_auth_user_backend not in AUTHENTICATION_BACKENDS -> "
        "anonymous, row left as it is",
    "expired": "logged-in session whose expire_date has passed -> anonymous, row left "
        "(clearsessions deletes it)",
    "undecodable": "signed with a key that is no longer configured -> {} -> anonymous, "
        "row left as it is",
    "anonymous_cart": "never logged in -> anonymous, row left as it is",
    "anonymous_after_logout": "logout() then new data -> anonymous, row left as it is",
    "no_hash_check": "user model without get_session_auth_hash(): the hash is not checked "
        "-> the user whatever _auth_user_hash holds",
}

# The custom user models, as the models.py of small apps.
APPS = {
    "accounts": '''
import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class Member(AbstractUser):
    """AbstractUser with a UUID primary key and a custom table name."""
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta(AbstractUser.Meta):
        db_table = "site_members"
''',
    "shop": '''
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models


class CustomerManager(BaseUserManager):
    def create_user(self, customer_no, email, password=None, **extra):
        user = self.model(customer_no=customer_no, email=self.normalize_email(email),
                          **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user


class Customer(AbstractBaseUser):
    """Email login, character primary key, no username, no PermissionsMixin."""
    customer_no = models.CharField(max_length=16, primary_key=True)
    email = models.EmailField(max_length=254, unique=True)
    full_name = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    objects = CustomerManager()
    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []
''',
    "legacy": '''
from django.db import models


class AccountManager(models.Manager):
    def get_by_natural_key(self, username):
        return self.get(username=username)


class Account(models.Model):
    """A user model that is not an AbstractBaseUser: no get_session_auth_hash()."""
    username = models.CharField(max_length=150, unique=True)
    email = models.EmailField(blank=True)
    password = models.CharField(max_length=128)
    last_login = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    objects = AccountManager()
    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []
    is_anonymous = False
    is_authenticated = True

    def get_username(self):
        return self.username
''',
}

# variant -> the app it needs (None: contrib.auth's User), AUTH_USER_MODEL, pk type.
VARIANTS = {
    "default": {"app": None, "model": "auth.User", "pk": "integer"},
    "uuid": {"app": "accounts", "model": "accounts.Member", "pk": "uuid"},
    "email": {"app": "shop", "model": "shop.Customer", "pk": "char"},
    "nohash": {"app": "legacy", "model": "legacy.Account", "pk": "integer"},
}

# Roles in the order their users are created, and which variants have them.
ROLES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
         "judy", "mallory", "oscar", "peggy")
DEFAULT_ONLY = {"dave", "heidi", "judy", "mallory", "oscar", "peggy"}


def has_role(variant, role):
    if role in DEFAULT_ONLY and variant != "default":
        return False
    if role == "carol" and variant == "nohash":
        return False
    if role == "ivan" and variant not in ("default", "uuid"):
        return False  # an unusable password needs AbstractUser's manager to be made
    return True


def password_of(role, username):
    """The raw password a role logs in with (None: unusable from the start)."""
    return None if role == "ivan" else "correct horse battery staple-" + username


# Non-ASCII user names: a reader must not assume ASCII in the user table.
FIRST_NAMES = ["zoë", "søren", "józef", "siân", "noël", "renée", "björn", "chloé", "amara",
               "kenji", "lucía", "mateo", "nadia", "olga", "priya", "quinn", "rafael",
               "sana", "tomás", "uma", "wen", "xavier", "yara", "zeynep", "aiko", "bruno",
               "dara", "emeka", "farah", "gustav", "hana", "ines", "jonas", "kofi", "leila",
               "milan", "nora", "omar", "pita", "rosa"]
ASCII = str.maketrans({"ë": "e", "ø": "o", "ó": "o", "â": "a", "é": "e", "ö": "o",
                       "í": "i", "á": "a"})
DOMAINS = ["example.com", "example.org", "example.net", "mail.example"]


def people(rng, n):
    """n people (username, email, full name) drawn from rng."""
    out = []
    for name in rng.sample(FIRST_NAMES, n):
        suffix = "" if rng.random() < 0.5 else str(rng.randint(1, 99))
        out.append({"username": name + suffix,
                    "email": "%s%s@%s" % (name.translate(ASCII), suffix, rng.choice(DOMAINS)),
                    "full_name": name.capitalize() + " " + rng.choice("KLMNPRSTW") + "."})
    return out
