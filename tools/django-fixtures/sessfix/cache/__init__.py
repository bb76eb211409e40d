"""The cache kind: sessions of the cache and cached_db engines in Django's Redis cache
backends, its DatabaseCache and its FileBasedCache (build.py), and the end-to-end proof
against a real Django app (e2e.py)."""
