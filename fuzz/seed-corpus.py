#!/usr/bin/env python3
"""Seeds fuzz/corpus/decode with every raw value made by real Django in the fixture sets
(tests/fixtures/*/manifest.json), one file per value."""
import hashlib
import json
import pathlib

here = pathlib.Path(__file__).resolve().parent
repo = here.parent
corpus = here / "corpus" / "decode"
corpus.mkdir(parents=True, exist_ok=True)
manifests = sorted(repo.glob("tests/fixtures/*/manifest.json"))
count = 0
for manifest in manifests:
    doc = json.loads(manifest.read_text())
    for item in doc["items"]:
        raw = item.get("raw")
        if raw:
            data = raw.encode()
            (corpus / hashlib.sha1(data).hexdigest()).write_bytes(data)
            count += 1
print(f"{count} values from {len(manifests)} sets in {corpus}")
