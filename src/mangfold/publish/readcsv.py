"""Reading the CSV files of a report folder, once per content.

Publishing one report reads each of its tables several times: the disclosure plan, the audit, the
workbook check and the ledger each read the public CSV and its unsuppressed copy, and the run's ledger
reads them again for every report published together. :func:`read_text` and :func:`read_typed_csv`
parse a file's bytes once per process and hand out copies: the key is a hash of the bytes read now
(not the file's name or time), so a file that changed is always parsed afresh.
"""

from __future__ import annotations

import hashlib
import io
from collections import OrderedDict
from pathlib import Path
from typing import Iterable

import pandas as pd

from .safe import restore_frame

#: parsed files kept per process (tables are small; a national report has a few hundred)
CACHE_SIZE = 1024
_cache: OrderedDict[tuple, pd.DataFrame] = OrderedDict()


def parts_digest(parts: Iterable[bytes]) -> bytes:
    """A hash of a sequence of byte strings (each with its length, so that no two sequences share one):
    the key of what was computed from a set of files' names and contents."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.digest()


def _parsed(path: str | Path, kind: str) -> pd.DataFrame:
    """The cached parse of ``kind`` ("text", "restored" or "typed") of the file's current bytes."""
    data = Path(path).read_bytes()
    digest = hashlib.blake2b(data, digest_size=20).digest()
    key = (kind, digest)
    df = _cache.get(key)
    if df is None:
        if kind == "typed":
            df = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
        else:
            text = _cache.get(("text", digest)) if kind == "restored" else None  # parsed once for both
            if text is None:
                text = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
                if kind == "restored":  # the audit reads the same file as written, too
                    _cache[("text", digest)] = text
            df = restore_frame(text) if kind == "restored" else text
        _cache[key] = df
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return df.copy()


def read_text(path: str | Path, *, restored: bool = True) -> pd.DataFrame:
    """A CSV as text (every cell a string, an empty cell ""), as ``pd.read_csv(path, dtype=str,
    keep_default_na=False, encoding="utf-8-sig")`` reads it; with ``restored`` the formula-like cells
    that ``ctx.table`` neutralised are restored (:func:`mangfold.publish.safe.restore_frame`)."""
    return _parsed(path, "restored" if restored else "text")


def read_typed_csv(path: str | Path) -> pd.DataFrame:
    """A CSV with pandas' own types, as ``pd.read_csv(path, encoding="utf-8-sig")`` reads it."""
    return _parsed(path, "typed")
