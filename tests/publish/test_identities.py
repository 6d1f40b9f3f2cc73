"""The identities of published tables: parsing cells, repeated cells and counts shared between
tables, each checked against a naive hand-written loop (the rules as the module docstring states
them, one cell at a time)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from mangfold.publish.identities import (SEP, _equal_equations, Labels, build_model, parse_column,
                                         parse_frame)
from mangfold.publish.links import link_tables


# ------------------------------------------------------------------ parsing
def test_parse_frame_is_parse_column_of_each_column():
    df = pd.DataFrame({
        "text": ["<5", ":", " 12 ", "", "abc", "3.5"],
        "objects": pd.Series([True, 1, "2", None, np.nan, 2.5], dtype=object),
        "floats": [1.0, np.nan, np.inf, -2.0, 0.0, 7.5],
        "ints": [1, 2, 3, 4, 5, 6],
        "nullable": pd.array([1, None, 3, 4, None, 6], dtype="Int64"),
        "flags": [True, False, True, True, False, False],
        "category": pd.Categorical(["a", "<5", ":", "a", "4", "a"]),
        "strings": pd.array(["1", None, "<5", "x", ":", "9"], dtype="string"),
    })
    parsed = parse_frame(df)
    assert list(parsed) == list(df.columns)
    for c in df.columns:
        v, st = parse_column(df[c])
        np.testing.assert_array_equal(parsed[c][0], v, err_msg=c)
        np.testing.assert_array_equal(parsed[c][1], st, err_msg=c)
    # the arrays are the column's own: changing one leaves the others alone
    parsed["text"][1][0] = 0
    assert parse_frame(df)["text"][1][0] != 0 and parsed["ints"][1][0] != 0


def _cell_state(x) -> tuple[float, int]:
    """One cell by the rules (parse_column's docstring), the way a reader would apply them: missing
    or empty after stripping -> blank; text starting with "<" -> primary mark; ":" -> complement
    mark; a boolean -> text; what pandas reads as a finite number -> that number; anything else text."""
    from mangfold.publish.identities import BLANK, COMPLEMENT, PRIMARY, TEXT, VISIBLE

    if x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x)):
        return np.nan, BLANK
    t = str(x).strip()
    if t == "":
        return np.nan, BLANK
    if t.startswith("<"):
        return np.nan, PRIMARY
    if t == ":":
        return np.nan, COMPLEMENT
    if isinstance(x, (bool, np.bool_)):
        return np.nan, TEXT
    v = pd.to_numeric(pd.Series([x], dtype=object), errors="coerce").astype(float).iloc[0]
    return (float(v), VISIBLE) if np.isfinite(v) else (np.nan, TEXT)


CELLS = ["<5", "< 5", ":", " : ", " 12 ", "", "   ", "\u00a0", "abc", "3.5", "-0", "1e3", "1E-2", "inf", "-inf",
         "nan", "NaN", "1,5", "1_000", "١٢", "0x10", "+7", ".5", "5.", "12abc", "<", "<<", "::", "TRUE", "false",
         True, False, np.bool_(True), 0, 1, -3, 2.5, np.float64(4.25), np.int64(9), np.nan, None, pd.NA, np.inf,
         -np.inf, 10**20, "99999999999999999999", "\t8\n"]


@pytest.mark.parametrize("seed", range(12))
def test_text_cells_parse_by_the_rules_cell_by_cell(seed):
    rng = np.random.default_rng(seed)
    cells = [CELLS[i] for i in rng.integers(0, len(CELLS), size=int(rng.integers(1, 60)))]
    if seed % 3 == 0:  # an all-text column (the common case: a CSV read as text)
        cells = [c for c in cells if isinstance(c, str)] or ["x"]
    s = pd.Series(cells, dtype=object)
    v, st = parse_column(s)
    want = [_cell_state(x) for x in cells]
    np.testing.assert_array_equal(st, [w[1] for w in want], err_msg=repr(cells))
    np.testing.assert_array_equal(v, [w[0] for w in want], err_msg=repr(cells))
    # and inside a frame of several text columns, parsed as one long column
    df = pd.DataFrame({"a": s, "b": s[::-1].reset_index(drop=True), "n": np.arange(len(s), dtype=float)})
    for c, (pv, pst) in parse_frame(df).items():
        rv, rst = parse_column(df[c])
        np.testing.assert_array_equal(pst, rst)
        np.testing.assert_array_equal(pv, rv)


# ------------------------------------------------------------------ naive references
def _text(df: pd.DataFrame, cols: list[str]) -> list[tuple]:
    return [tuple(str(df[c].iloc[r]) for c in cols) for r in range(len(df))]


def _truth(df: pd.DataFrame, c: str) -> np.ndarray:
    """The count's cells: numbers, or NaN where hidden ("<5")."""
    return np.array([np.nan if isinstance(x, str) else float(x) for x in df[c]])


def _same_count(a: np.ndarray, b: np.ndarray) -> bool:
    known = np.isfinite(a) & np.isfinite(b)
    return (known.sum() >= max(2, len(a) / 2) and bool((a[known] == b[known]).all())
            and (a[known] > 0).sum() >= 2)


def _naive_equal_cells(df: pd.DataFrame, dims: list[str], counts: list[str]) -> list:
    """Cells repeated across the values of one dimension, pair of (count, value) by pair."""
    eqs = []
    for dim in dims:
        vals = [str(x) for x in df[dim]]
        levels = list(dict.fromkeys(vals))
        groups = list(dict.fromkeys(_text(df, [d for d in dims if d != dim])))
        if not 2 <= len(levels) <= 60 or len(groups) < 2:
            continue
        row = {}
        for r, (g, lv) in enumerate(zip(_text(df, [d for d in dims if d != dim]), vals)):
            row[g, lv] = r
        slots = [(c, lv) for c in counts for lv in levels]
        for (c1, l1), (c2, l2) in itertools.combinations(slots, 2):
            pairs = [(row[g, l1], row[g, l2]) for g in groups if (g, l1) in row and (g, l2) in row]
            if l1 == l2 or len(pairs) < 2:
                continue
            a = np.array([_truth(df, c1)[x] for x, _ in pairs])
            b = np.array([_truth(df, c2)[y] for _, y in pairs])
            if _same_count(a, b):
                eqs += [(((c1, x), 1.0), ((c2, y), -1.0)) for x, y in pairs]
    return eqs


def _naive_links(tables) -> tuple[list, int]:
    """Counts two tables share: for each count and value of a table's own dims, its rows by the
    shared dims' values, compared with every such slot of the other table. Returns the equations
    and how many pairs of slots they come from."""
    def slots(df, spec, counts, shared):
        own = [d for d in spec["dims"] if d not in shared]
        out = {}
        for c in counts:
            for r, (k, s) in enumerate(zip(_text(df, own), _text(df, shared))):
                out.setdefault((c, k), {})[s] = r
        return out

    eqs, pairs = [], 0
    for (na, sa, ta, _), (nb, sb, tb, _) in itertools.combinations(tables, 2):
        shared = [d for d in sa["dims"] if d in sb["dims"]]
        for (ca, _), rows_a in slots(ta, sa, sa["counts"], shared).items():
            for (cb, _), rows_b in slots(tb, sb, sb["counts"], shared).items():
                common = [k for k in rows_a if k in rows_b]
                if len(common) < 2:
                    continue
                a = np.array([_truth(ta, ca)[rows_a[k]] for k in common])
                b = np.array([_truth(tb, cb)[rows_b[k]] for k in common])
                if _same_count(a, b):
                    pairs += 1
                    eqs += [(((f"{na}{SEP}{ca}", rows_a[k]), 1.0), ((f"{nb}{SEP}{cb}", rows_b[k]), -1.0))
                            for k in common]
    return eqs, pairs


def _random_table(rng: np.random.Generator, dims: list[str], counts: list[str]) -> pd.DataFrame:
    values = {"year": [2024, 2025], "level": ["a", "b", "c", "all"], "sex": ["f", "m"], "sector": ["x", "y", "z"]}
    rows = list(itertools.product(*[values[d] for d in dims]))
    keep = [r for r in rows if rng.random() < 0.85] or rows
    if rng.random() < 0.2:
        keep.append(keep[0])  # a repeated row
    df = pd.DataFrame(keep, columns=dims)
    base = rng.choice([0, 3, 7, 12], size=len(df))
    for c in counts:  # some counts repeat others; some cells are hidden
        v = base if rng.random() < 0.4 else rng.choice([0, 3, 7, 12, 20], size=len(df))
        df[c] = pd.Series(v, dtype=object).where(rng.random(len(df)) >= 0.1, "<5")
    return df


@pytest.mark.parametrize("seed", range(30))
def test_repeated_cells_match_a_naive_loop(seed):
    rng = np.random.default_rng(seed)
    dims = list(rng.choice(["year", "level", "sex", "sector"], size=int(rng.integers(1, 4)), replace=False))
    df = _random_table(rng, dims, ["n", "k"])
    if rng.random() < 0.5:  # a count equal across levels: passed of one step is n of the next
        df["k"] = df.groupby([d for d in dims if d != dims[0]] or (lambda _: 0))["n"].transform("first")
    model = build_model({"name": "t", "counts": ["n", "k"], "dims": dims}, df)
    got = _equal_equations(model, Labels(df), dims, model.values)
    assert got == _naive_equal_cells(df, dims, ["n", "k"])


@pytest.mark.parametrize("seed", range(30))
def test_shared_counts_match_a_naive_loop(seed):
    rng = np.random.default_rng(100 + seed)
    tables = []
    for name in ("a", "b", "c"):
        dims = list(rng.choice(["year", "level", "sex", "sector"], size=int(rng.integers(1, 4)), replace=False))
        counts = ["n", "k"][:int(rng.integers(1, 3))]
        spec = {"name": name, "counts": counts, "dims": dims}
        df = _random_table(np.random.default_rng(seed), dims, counts)  # same seed: shared counts are likely
        tables.append((name, spec, df, build_model(spec, df)))
    eqs, described = link_tables(tables)
    naive, pairs = _naive_links(tables)
    assert eqs == naive
    assert len(described) == pairs
    # with_last (a notebook's new table against those before it): the naive loop's equations that
    # involve the last table, in the same order
    last = f"{tables[-1][0]}{SEP}"
    assert link_tables(tables, with_last=True)[0] == [eq for eq in naive if any(v[0].startswith(last) for v, _ in eq)]


def test_copy_model_copies_every_container_and_keeps_every_value():
    """copy_model (the plan and the audit share models built once): every field of Model is copied, equal
    in value and not the same container, so that a check that changes its copy leaves the others alone."""
    import dataclasses

    from mangfold.publish.identities import Model, build_model, copy_model

    df = pd.DataFrame({"sector": ["A", "B", "Total"], "n": [3, 7, 10], "hired": [1, 2, 3],
                       "share": [1 / 3, 2 / 7, 0.3]})
    spec = {"dims": ["sector"], "counts": ["n", "hired"], "derived": {"share": ["hired", "n"]}}
    m = build_model(spec, df)
    assert m.equations and m.values  # something to copy
    c = copy_model(m)
    names = [f.name for f in dataclasses.fields(Model)]
    assert names == ["counts", "closure", "linked", "rates", "shares", "equations", "described", "problems", "values"]
    for name in names:
        a, b = getattr(m, name), getattr(c, name)
        assert a is not b, name
        if name == "values":
            assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=True) and a[k] is not b[k]
                                                for k in a)
        else:
            assert a == b, name
    for k in ("closure", "linked"):
        assert all(getattr(m, k)[x] is not getattr(c, k)[x] for x in getattr(m, k))
