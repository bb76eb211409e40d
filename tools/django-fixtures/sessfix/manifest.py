"""Reading and writing sets: the JSON view of session data, manifest.json, file mtimes,
and the comparison of two sets that proves a rebuild reproduces a committed one.

A set on disk (the layout the Rust tests read):
    manifest.json       everything known about every item, and the oracle's verdicts
    sessions.sqlite3    the db backend's table (absent when the rows went to a server)
    files/              the file backend's directory, odd entries included
An auth set holds manifest.json and one <variant>.sqlite3 per user model instead.
git keeps neither mtimes nor modes, so readers restore mtimes from the manifest.
"""

import datetime as dt
import json
import os
import sqlite3

from . import djangoenv


def jsonable(value):
    """The JSON view of decoded session data, the one sessctl renders pickles to: str
    keys, tuples and lists as arrays, sets as sorted arrays, dates and times in ISO
    form, other objects as their repr."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def iso(instant):
    return None if instant is None else instant.isoformat()


def write(path, doc):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read(set_dir):
    return read_json(os.path.join(set_dir, "manifest.json"))


def restore_mtimes(set_dir):
    """Give every file-backend entry the mtime the manifest recorded; returns the count."""
    manifest = read(set_dir)
    restored = 0
    for item in manifest["items"]:
        if item["backend"] == "file" and item.get("mtime"):
            path = os.path.join(set_dir, manifest["file_dir"], item["file_name"])
            if os.path.lexists(path):
                djangoenv.set_mtime(path, dt.datetime.fromisoformat(item["mtime"]))
                restored += 1
    return restored


# -- comparing two sets --------------------------------------------------------------
# Fields that say what ran, not what Django wrote: another interpreter build of the same
# Python minor changes them without changing a single session.
PROVENANCE = ("python_version",)


def _rows(path):
    with sqlite3.connect("file:%s?mode=ro" % path, uri=True) as db:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        schema = db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        return schema, {t: db.execute('SELECT * FROM "%s" ORDER BY 1' % t).fetchall()
                        for t in tables}


def _tree(root):
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames) + dirnames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if os.path.isdir(path):
                found[rel + "/"] = None
            else:
                with open(path, "rb") as f:
                    found[rel] = f.read()
    return found


def compare(expected_dir, actual_dir):
    """(identical_bytes, problems, notes): problems are differences in content; notes are
    differences that change bytes but no session (provenance fields, SQLite's file
    header), each said in words."""
    problems, notes = [], []
    a, b = read(expected_dir), read(actual_dir)
    for field in PROVENANCE:
        if a.get(field) != b.get(field):
            notes.append("manifest %s: %r -> %r" % (field, a.get(field), b.get(field)))
            a.pop(field, None)
            b.pop(field, None)
    if a != b:
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                problems.append("manifest field %r differs" % key)
    # Every SQLite database of the set: sessions.sqlite3, or one per user model in an
    # auth set.
    databases = sorted({n for d in (expected_dir, actual_dir) for n in os.listdir(d)
                        if n.endswith(".sqlite3")})
    for name in databases:
        db_a = os.path.join(expected_dir, name)
        db_b = os.path.join(actual_dir, name)
        if os.path.exists(db_a) != os.path.exists(db_b):
            problems.append("%s exists in only one set" % name)
            continue
        with open(db_a, "rb") as f1, open(db_b, "rb") as f2:
            same = f1.read() == f2.read()
        if not same:
            if _rows(db_a) == _rows(db_b):
                notes.append("%s: same schema and rows, other bytes (the file header "
                             "records the SQLite library that wrote it)" % name)
            else:
                problems.append("%s: schema or rows differ" % name)
    files_a = _tree(os.path.join(expected_dir, "files"))
    files_b = _tree(os.path.join(actual_dir, "files"))
    if files_a != files_b:
        for name in sorted(set(files_a) | set(files_b)):
            if files_a.get(name, 0) != files_b.get(name, 0):
                problems.append("files/%s differs" % name)
    for extra in sorted(set(os.listdir(expected_dir)) ^ set(os.listdir(actual_dir))):
        problems.append("only in one set: %s" % extra)
    return not problems and not notes, problems, notes
