"""The sessions kind: Django's db, file and signed_cookies session backends.

catalogue.py  what a set holds (payloads, expiry cases, odd files, cookies)
build.py      makes the set through Django's SessionStore classes
oracle.py     runs Django's clearsessions and records its verdicts
"""
