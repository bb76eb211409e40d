"""Django's own `manage.py clearsessions`, run at the reference time, as the verdict a
set carries: which db rows and which files it deletes.

The set itself is left whole: the db engine runs inside a transaction that is rolled
back, the file engine on a scratch copy of files/ (copytree keeps the mtimes).  The
other engines are run too (cache and signed_cookies do nothing, cached_db purges the
table: rolled back as well), and one engine without clear_expired() gives the error
Django prints for it.  Each item's own prediction (`expired`, or for odd files the
expected outcome) must agree with the verdict, or the build stops.
"""

import logging
import os
import shutil
import sys
import tempfile
import types


def run(clock, ref, files_dir, FileStore, Session):
    from django.conf import settings
    from django.contrib.sessions.backends.base import SessionBase
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.db import transaction

    def engine(name):
        settings.SESSION_ENGINE = "django.contrib.sessions.backends." + name

    def keys():
        return set(Session.objects.values_list("session_key", flat=True))

    verdicts = {"run_at": ref.isoformat()}
    with clock.at(ref):
        engine("db")
        before = keys()
        with transaction.atomic():
            call_command("clearsessions")
            after = keys()
            transaction.set_rollback(True)
        verdicts["db"] = {"remaining": sorted(after), "deleted": sorted(before - after)}

        scratch = tempfile.mkdtemp(prefix="sessfix-clearsessions-")
        copy = os.path.join(scratch, "files")
        try:
            shutil.copytree(files_dir, copy, symlinks=True)
            _point_file_store(FileStore, settings, copy)
            engine("file")
            logging.disable(logging.CRITICAL)  # it logs the entries it cannot read
            try:
                call_command("clearsessions")
            finally:
                logging.disable(logging.NOTSET)
            remaining = set(os.listdir(copy))
        finally:
            _point_file_store(FileStore, settings, files_dir)
            shutil.rmtree(scratch)
        present = set(os.listdir(files_dir))
        verdicts["file"] = {"remaining": sorted(remaining), "deleted": sorted(present - remaining)}

        others = {}
        for name in ("cache", "cached_db", "signed_cookies"):
            engine(name)
            with transaction.atomic():
                call_command("clearsessions")
                transaction.set_rollback(True)
            others[name] = "ok (runs the db purge)" if name == "cached_db" else "ok (no-op)"
        module = types.ModuleType("sessfix_store_without_clear_expired")
        module.SessionStore = type("SessionStore", (SessionBase,), {})
        sys.modules[module.__name__] = module
        settings.SESSION_ENGINE = module.__name__
        try:
            call_command("clearsessions")
        except CommandError as e:
            others["unsupported_engine_error"] = str(e)
        engine("db")
        verdicts["other_engines"] = others
    return verdicts


def _point_file_store(FileStore, settings, path):
    """SESSION_FILE_PATH = path; the file store caches the path on its class."""
    settings.SESSION_FILE_PATH = path
    if "_storage_path" in vars(FileStore):
        del FileStore._storage_path


def attach(verdicts, items):
    """Give each db and file item `clearsessions_deletes`; stop on a wrong prediction."""
    for item in items:
        if item["backend"] == "db":
            deleted = item["key"] in verdicts["db"]["deleted"]
            predicted = item["expired"]
        elif item["backend"] == "file":
            deleted = item["file_name"] in verdicts["file"]["deleted"]
            expected = item.get("clearsessions_expected")
            predicted = item["expired"] if expected is None else expected == "deleted"
        else:
            continue
        item["clearsessions_deletes"] = deleted
        if deleted != predicted:
            raise SystemExit("%s %s: clearsessions %s it, the item says otherwise"
                             % (item["backend"], item["id"], "deleted" if deleted else "kept"))
