"""Django's verdict on one session of an auth set: what a request carrying its cookie
at the reference time gets as request.user, and what it does to the row.

Each session is judged alone, on a copy: the request runs inside a transaction that is
rolled back, so the rows stay exactly as the scenario wrote them and one verdict
(a flush, a cycle_key) cannot change the next.  The same is asked of get_user() on a
bare request, which must agree; then the pure reading of rules.py must agree too
(build.py stops otherwise).
"""

import json


def judge(key, *, keys, label, cookie, pk_field, Session, SessionStore):
    """The `django` entry of an item: {user, authenticated, action, flushed,
    session_row, cookie[, new_key, new_session_data, new_session, new_expire_date]}."""
    from django.contrib.auth import get_user
    from django.db import transaction
    from django.http import HttpRequest
    from django.test import Client

    from .. import djangoenv, manifest

    row = Session.objects.get(session_key=key)
    n_rows = Session.objects.count()
    keys.under(label)  # a cycle_key() draws the new key from here
    with transaction.atomic():
        client = Client()
        client.cookies[cookie] = key
        who = json.loads(client.get("/whoami/").content)
        after = Session.objects.filter(session_key=key).first()
        new_value = client.cookies[cookie].value
        new_key = new_value if new_value and new_value != key else None
        new = Session.objects.filter(session_key=new_key).first() if new_key else None
        total = Session.objects.count()
        transaction.set_rollback(True)
    keys.under(label + "/get_user")
    with transaction.atomic():
        request = HttpRequest()
        request.session = SessionStore(key)
        user = get_user(request)
        direct = (pk_field.value_to_string(user) if user.is_authenticated else None,
                  Session.objects.filter(session_key=key).exists())
        transaction.set_rollback(True)
    if after is not None:
        if after.session_data != row.session_data or after.expire_date != row.expire_date:
            raise SystemExit("%s: the request rewrote the row in place" % label)
        action = "none"
    elif new is not None:
        action = "cycle_key"
    else:
        action = "flush"
    if total != n_rows - (action == "flush"):
        raise SystemExit("%s: %d rows after the request, expected %d"
                         % (label, total, n_rows - (action == "flush")))
    if direct != (who["pk"], action == "none"):
        raise SystemExit("%s: get_user() gives %r, the request %r/%s"
                         % (label, direct, who, action))
    verdict = {"user": who["pk"], "authenticated": who["authenticated"], "action": action,
               "flushed": action == "flush",
               "session_row": "kept" if action == "none" else "deleted",
               "cookie": ("deleted" if new_value == "" else
                          "replaced" if new_key else "unchanged")}
    if new is not None:
        verdict.update(new_key=new_key, new_session_data=new.session_data,
                       new_session=manifest.jsonable(SessionStore().decode(new.session_data)),
                       new_expire_date=manifest.iso(djangoenv.to_utc(new.expire_date)))
    return verdict
