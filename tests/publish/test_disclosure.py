"""Disclosure control: primary suppression, derived figures, hidden numerators, complementary
suppression over margins, row sums, repeated cells and tables, idempotence, keys.

The complementary suppression is checked against an independent brute force: every whole-number
filling of the hidden cells that agrees with the published totals and with what the marks say
("<5" = 1..4, ":" = at least 5) is enumerated, and each small hidden count must have at least two
possible values.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from mangfold.contract.schemas import PERSON_KEYS
from mangfold.publish.disclosure import (COMPLEMENT_MARK, Published, apply_disclosure_control, build_model, mark,
                                         plan_across_tables, suppressed_count, table_findings)
from mangfold.tablespec import TableSpec

M = 5
SMALL = mark(M)


# ------------------------------------------------------------------ helpers
def _hidden(x) -> bool:
    return isinstance(x, str) and (x.startswith("<") or x == COMPLEMENT_MARK)


def brute_force(public: pd.DataFrame, col: str, sums: list[tuple[list[int], int]], *, cap: int = 60,
                limit: int = 2_000_000) -> dict[int, set[int]]:
    """Possible values of each hidden cell of ``col`` (row -> set), given the identities
    ``sums`` = [(part rows, total row)] and the marks: a depth-first enumeration of every
    whole-number filling ("<5" = 1..4, ":" = 5..cap), a cell being forced once it is the last
    unknown of an identity."""
    vals = public[col].tolist()
    hidden = [r for r, x in enumerate(vals) if _hidden(x)]
    ranges = {r: range(1, M) if vals[r] == SMALL else range(M, cap + 1) for r in hidden}
    eqs = [(list(parts), total) for parts, total in sums]
    possible: dict[int, set[int]] = {r: set() for r in hidden}
    nodes = 0

    def residual(eq, a):
        parts, total = eq
        cells = [*parts, total]
        unknown = [c for c in cells if c in ranges and c not in a]
        val = {c: a[c] if c in a else float(vals[c]) for c in cells if c not in unknown}
        s = sum(val[c] for c in parts if c in val) - (val[total] if total in val else 0.0)
        return unknown, s

    def dfs(i: int, a: dict[int, int]) -> None:
        nonlocal nodes
        nodes += 1
        assert nodes <= limit, "brute force too large"
        for eq in eqs:
            unknown, s = residual(eq, a)
            if not unknown and abs(s) > 1e-9:
                return
        if i == len(hidden):
            for r, v in a.items():
                possible[r].add(v)
            return
        r = hidden[i]
        forced = None
        for eq in eqs:
            unknown, s = residual(eq, a)
            if unknown == [r]:
                forced = -s if r in eq[0] else s
                break
        choices = [int(round(forced))] if forced is not None else list(ranges[r])
        for v in choices:
            if v in ranges[r] and (forced is None or abs(v - forced) < 1e-9):
                a[r] = v
                dfs(i + 1, a)
                del a[r]

    dfs(0, {})
    return possible


def assert_protected(public: pd.DataFrame, col: str, sums, **kw) -> None:
    possible = brute_force(public, col, sums, **kw)
    for r, values in possible.items():
        assert values, f"row {r}: the marks contradict the totals"
        if public[col].iloc[r] == SMALL:
            assert len(values) >= 2, f"row {r} of {col} is given away: only {values} possible"


def one_margin_table(values: list[int], *, extra: dict | None = None) -> tuple[pd.DataFrame, TableSpec]:
    levels = [f"L{i}" for i in range(len(values))]
    df = pd.DataFrame({"year": 2025, "level": [*levels, "all"], "n": [*values, sum(values)]})
    for k, v in (extra or {}).items():
        df[k] = v
    spec = TableSpec(name="t", counts=("n",), dims=("year", "level"), margins=(("level", "all"),))
    return df, spec


def two_margin_table(grid: np.ndarray) -> tuple[pd.DataFrame, TableSpec, list]:
    """group x level counts with 'all' rows over both; returns the identities by row number."""
    ng, nl = grid.shape
    full = np.zeros((ng + 1, nl + 1), dtype=int)
    full[:ng, :nl] = grid
    full[ng, :nl] = grid.sum(axis=0)
    full[:ng, nl] = grid.sum(axis=1)
    full[ng, nl] = grid.sum()
    groups = [f"g{i}" for i in range(ng)] + ["all"]
    levels = [f"l{j}" for j in range(nl)] + ["all"]
    rows = [(g, lv, int(full[i, j])) for i, g in enumerate(groups) for j, lv in enumerate(levels)]
    df = pd.DataFrame(rows, columns=["group", "level", "n"])
    idx = {(i, j): i * (nl + 1) + j for i in range(ng + 1) for j in range(nl + 1)}
    sums = [([idx[i, j] for j in range(nl)], idx[i, nl]) for i in range(ng + 1)]
    sums += [([idx[i, j] for i in range(ng)], idx[ng, j]) for j in range(nl + 1)]
    spec = TableSpec(name="t2", counts=("n",), dims=("group", "level"),
                     margins=(("level", "all"), ("group", "all")))
    return df, spec, sums


# ------------------------------------------------------------------ primary suppression
def test_primary_suppression_marks_counts_1_to_4_and_nothing_else():
    df = pd.DataFrame({"year": [2025] * 7, "unit": list("abcdefg"), "n": [0, 1, 2, 3, 4, 5, 120]})
    spec = TableSpec(name="p", counts=("n",), dims=("year", "unit"))
    pub = apply_disclosure_control(df, spec, min_cell=M)
    assert pub["n"].tolist() == [0, SMALL, SMALL, SMALL, SMALL, 5, 120]
    assert pub["year"].tolist() == [2025] * 7
    assert suppressed_count(pub, M) == 4
    # the mark is text, so a spreadsheet shows it as text
    assert all(isinstance(x, str) for x in pub["n"] if _hidden(x))


def test_min_cell_is_a_parameter():
    df = pd.DataFrame({"unit": list("abcd"), "n": [1, 2, 3, 9]})
    pub = apply_disclosure_control(df, TableSpec(name="p", counts=("n",), dims=("unit",)), min_cell=3)
    assert pub["n"].tolist() == ["<3", "<3", 3, 9]


def test_non_counts_are_left_alone():
    df = pd.DataFrame({"event_time": [-2, -1, 0, 1, 2], "n_vacancies": [1, 2, 3, 4, 1],
                       "n": [50, 60, 70, 80, 90], "estimate": [0.1, 0.2, 0.3, 0.4, 0.5]})
    spec = TableSpec(name="e", counts=("n",), dims=("event_time",), derived={"n": ("estimate",)},
                     not_counts=("event_time", "n_vacancies"))
    pub = apply_disclosure_control(df, spec, min_cell=M)
    pd.testing.assert_frame_equal(pub, df)


# ------------------------------------------------------------------ derived figures
def test_figures_derived_from_a_suppressed_count_are_blanked():
    df = pd.DataFrame({"unit": ["a", "b"], "n": [3, 40], "share": [0.1, 0.2], "ci_low": [0.0, 0.1],
                       "ci_high": [0.4, 0.3], "met": [True, False], "verdict": ["x", "y"]})
    spec = TableSpec(name="d", counts=("n",), dims=("unit",),
                     derived={"n": ("share", "ci_low", "ci_high", "met", "verdict")})
    pub = apply_disclosure_control(df, spec, min_cell=M)
    assert pub.loc[0, "n"] == SMALL
    assert pub.loc[0, ["share", "ci_low", "ci_high", "met", "verdict"]].isna().all()
    assert pub.loc[1, ["share", "ci_low", "ci_high", "met", "verdict"]].tolist() == [0.2, 0.1, 0.3, False, "y"]


def test_share_whose_numerator_is_suppressed_is_blanked_even_if_declared_under_the_denominator():
    # share * applications = undeclared: with the share visible, 0.0375 * 80 = 3 gives the count away
    df = pd.DataFrame({"level": ["a", "b"], "applications": [80, 90], "undeclared": [3, 30]})
    df["share"] = df["undeclared"] / df["applications"]
    df["ci_low"] = df["share"] - 0.01
    spec = TableSpec(name="s", counts=("applications", "undeclared"), dims=("level",),
                     derived={"applications": ("share", "ci_low")})
    pub = apply_disclosure_control(df, spec, min_cell=M)
    assert pub.loc[0, "undeclared"] == SMALL and pub.loc[0, "applications"] == 80
    assert pd.isna(pub.loc[0, "share"]) and pd.isna(pub.loc[0, "ci_low"])
    assert pub.loc[1, "share"] == pytest.approx(1 / 3)


def test_share_declared_under_its_denominator_is_blanked_with_its_numerator():
    # pct is declared derived from n only; it equals 100 k / n, so it is blanked with k too
    df = pd.DataFrame({"level": ["a", "b", "c"], "n": [80, 90, 70], "k": [2, 30, 35]})
    df["pct"] = 100 * df["k"] / df["n"]
    spec = TableSpec(name="s", counts=("n", "k"), dims=("level",), derived={"n": ("pct",)})
    pub = apply_disclosure_control(df, spec, min_cell=M)
    assert pub.loc[0, "k"] == SMALL and pd.isna(pub.loc[0, "pct"])
    assert pub.loc[2, "pct"] == pytest.approx(50.0)


def test_no_role_is_guessed_from_values():
    # a ratio of exactly 1 and p-values whose product with a count is whole are not counts: with the
    # roles declared nothing is hidden (the old value-based guessing refused such tables)
    df = pd.DataFrame({"level": ["a", "b", "c"], "n": [40, 50, 60], "ratio": [1.0, 1.0, 0.5],
                       "p_value": [1.0, 0.2, 0.5]})
    spec = TableSpec(name="q", counts=("n",), dims=("level",), derived={"n": ("ratio", "p_value")})
    pub = apply_disclosure_control(df, spec, min_cell=M)
    assert pub["ratio"].tolist() == [1.0, 1.0, 0.5] and pub["p_value"].tolist() == [1.0, 0.2, 0.5]


def test_rate_times_visible_denominator_is_a_count():
    # no column holds the number hired; rate * n does: 0.075 * 40 = 3 persons
    df = pd.DataFrame({"level": ["a", "b", "c"], "n": [40, 50, 60], "rate": [3 / 40, 10 / 50, 12 / 60],
                       "ci_low": [0.01, 0.1, 0.11], "p_value": [0.2, 0.3, 0.4]})
    spec = TableSpec(name="r", counts=("n",), dims=("level",), derived={"n": ("rate", "ci_low", "p_value")},
                     rates=(("rate", "n"),))
    pub = apply_disclosure_control(df, spec, min_cell=M)
    assert pub["n"].tolist() == [40, 50, 60]
    assert pub.loc[0, ["rate", "ci_low", "p_value"]].isna().all()
    assert pub.loc[1, "rate"] == pytest.approx(0.2)
    assert table_findings(pub, spec, min_cell=M, truth=df) == []


def test_hidden_numerators_are_protected_over_a_margin():
    n = [40, 50, 60]
    k = [3, 10, 12]
    df = pd.DataFrame({"level": ["a", "b", "c", "all"], "n": [*n, sum(n)]})
    df["rate"] = np.array([*k, sum(k)]) / df["n"]
    spec = TableSpec(name="r", counts=("n",), dims=("level",), margins=(("level", "all"),),
                     derived={"n": ("rate",)}, rates=(("rate", "n"),))
    pub = apply_disclosure_control(df, spec, min_cell=M)
    # 'all': 25 hired; a visible rate in b and c would give a = 25 - 10 - 12 = 3 away
    assert pub["rate"].isna().sum() >= 2
    assert table_findings(pub, spec, min_cell=M, truth=df) == []


# ------------------------------------------------------------------ complementary suppression
def test_complementary_suppression_over_a_margin():
    df, spec = one_margin_table([30, 3, 50, 9])
    pub = apply_disclosure_control(df, spec, min_cell=M)
    assert pub.loc[1, "n"] == SMALL
    assert (pub["n"] == COMPLEMENT_MARK).sum() >= 1
    assert pub.loc[4, "n"] == 92, "the total stays visible when a part can protect it"
    assert_protected(pub, "n", [([0, 1, 2, 3], 4)])
    assert table_findings(pub, spec, min_cell=M, truth=df) == []


def test_the_complement_is_the_smallest_other_part():
    df, spec = one_margin_table([30, 3, 50, 9])
    pub = apply_disclosure_control(df, spec, min_cell=M)
    assert pub["n"].tolist() == [30, SMALL, 50, COMPLEMENT_MARK, 92]


def test_marks_narrowing_a_count_to_one_value_are_caught():
    # a + b = 42 - 40 = 2: with "<5" meaning 1..4 both are 1
    public = pd.DataFrame({"level": ["a", "b", "c", "all"], "n": [SMALL, SMALL, 40, 42]})
    truth = pd.DataFrame({"level": ["a", "b", "c", "all"], "n": [1, 1, 40, 42]})
    spec = TableSpec(name="m", counts=("n",), dims=("level",), margins=(("level", "all"),))
    kinds = {f.kind for f in table_findings(public, spec, min_cell=M, truth=truth)}
    assert kinds == {"narrow"}
    pub = apply_disclosure_control(truth, spec, min_cell=M)
    assert (pub["n"] == COMPLEMENT_MARK).sum() >= 1
    assert table_findings(pub, spec, min_cell=M, truth=truth) == []
    assert_protected(pub, "n", [([0, 1, 2], 3)])


def test_a_colon_may_hide_any_value():
    # "<5" + 5 hidden as ":" = 46 - 40: ":" says any value from 0 up, so a is 1..4 and b 2..5
    public = pd.DataFrame({"level": ["a", "b", "c", "all"], "n": [SMALL, COMPLEMENT_MARK, 40, 46]})
    truth = pd.DataFrame({"level": ["a", "b", "c", "all"], "n": [1, 5, 40, 46]})
    spec = TableSpec(name="m", counts=("n",), dims=("level",), margins=(("level", "all"),))
    assert table_findings(public, spec, min_cell=M, truth=truth) == []


def test_marks_alone_pinning_small_parts_turn_one_mark_into_a_colon():
    # four parts "<5" whose total is "<5": each part is at least 1 and they sum to at most 4, so
    # each is 1 (seed 1024 of the generated municipalities); no visible cell is left to hide
    truth = pd.DataFrame({"level": ["a", "b", "c", "d", "all"], "n": [1, 1, 1, 1, 4]})
    spec = TableSpec(name="m", counts=("n",), dims=("level",), margins=(("level", "all"),))
    public = truth.assign(n=[SMALL] * 5)
    assert {f.kind for f in table_findings(public, spec, min_cell=M, truth=truth)} == {"narrow"}
    pub = apply_disclosure_control(truth, spec, min_cell=M)
    assert (pub["n"] == COMPLEMENT_MARK).sum() == 1 and (pub["n"] == SMALL).sum() == 4
    assert table_findings(pub, spec, min_cell=M, truth=truth) == []


def test_a_suppressed_total_with_visible_parts_is_protected():
    df, spec = one_margin_table([1, 1, 1])  # every part small, and so the total (3)
    pub = apply_disclosure_control(df, spec, min_cell=M)
    assert pub["n"].tolist() == [SMALL] * 4
    df, spec = one_margin_table([0, 0, 2])  # a total of 2 equals its only non-zero part
    pub = apply_disclosure_control(df, spec, min_cell=M)
    assert pub["n"].tolist() == [0, 0, SMALL, SMALL]
    assert table_findings(pub, spec, min_cell=M, truth=df) == []


def test_complementary_suppression_over_a_row_sum():
    df = pd.DataFrame({"table": ["a", "b", "c"], "rows_read": [100, 60, 40], "rows_used": [98, 50, 40],
                       "rows_quarantined": [2, 10, 0]})
    spec = TableSpec(name="q", counts=("rows_read", "rows_used", "rows_quarantined"), dims=("table",),
                     row_sums=(("rows_read", ("rows_used", "rows_quarantined")),))
    pub = apply_disclosure_control(df, spec, min_cell=M)
    assert pub.loc[0, "rows_quarantined"] == SMALL
    assert COMPLEMENT_MARK in (pub.loc[0, "rows_read"], pub.loc[0, "rows_used"])
    assert pub.loc[1].tolist() == ["b", 60, 50, 10]
    assert table_findings(pub, spec, min_cell=M, truth=df) == []


def test_an_undeclared_row_total_is_found_from_the_data():
    df = pd.DataFrame({"board": list("abcd"), "members": [7, 9, 8, 6], "women": [3, 4, 4, 3],
                       "men": [4, 5, 4, 3]})
    spec = TableSpec(name="g", counts=("members", "women", "men"), dims=("board",))  # no row_sums
    pub = apply_disclosure_control(df, spec, min_cell=M)
    for r in range(4):  # members - men would give women away
        assert sum(_hidden(x) for x in pub.loc[r, ["members", "women", "men"]]) != 1


def test_two_margins_brute_force():
    grid = np.array([[12, 3, 20], [15, 9, 2], [30, 25, 18]])
    df, spec, sums = two_margin_table(grid)
    pub = apply_disclosure_control(df, spec, min_cell=M)
    assert table_findings(pub, spec, min_cell=M, truth=df) == []
    assert_protected(pub, "n", sums)
    assert pub["n"].iloc[-1] == grid.sum(), "the grand total stays visible"


def test_partial_total_is_found_from_the_data():
    # 'leaders' = top_leader + leader (not employee): an undeclared partial total
    rows = []
    for s, (top, lead, emp) in {"s1": (2, 30, 100), "s2": (8, 40, 90), "s3": (6, 12, 70)}.items():
        rows += [(s, "top_leader", top), (s, "leader", lead), (s, "leaders", top + lead), (s, "employee", emp)]
    df = pd.DataFrame(rows, columns=["sector", "position_level", "n"])
    spec = TableSpec(name="rep", counts=("n",), dims=("sector", "position_level"),
                     margins=(("position_level", "leaders"),))
    model = build_model(spec, df)
    assert any("top_leader + leader" in d for d in model.described)
    pub = apply_disclosure_control(df, spec, min_cell=M)
    assert pub.loc[0, "n"] == SMALL
    assert sum(_hidden(x) for x in pub.loc[0:2, "n"]) >= 2
    assert table_findings(pub, spec, min_cell=M, truth=df) == []


def test_repeated_cells_across_rows_are_hidden_alike():
    # passed at one transition = n at the next; the 'all' level makes level 'a' recoverable at
    # the second transition unless the repeated cells are hidden alike
    rows = []
    for lv, (n1, p1, p2) in {"a": (30, 3, 1), "b": (40, 20, 9), "c": (50, 25, 10)}.items():
        rows += [(lv, "t1", n1, p1), (lv, "t2", p1, p2)]
    df = pd.DataFrame(rows, columns=["level", "transition", "n", "passed"])
    tot = df.groupby("transition", as_index=False)[["n", "passed"]].sum().assign(level="all")
    df = pd.concat([df, tot], ignore_index=True)
    spec = TableSpec(name="f", counts=("n", "passed"), dims=("level", "transition"), margins=(("level", "all"),))
    pub = apply_disclosure_control(df, spec, min_cell=M)
    t1 = pub[pub["transition"] == "t1"].set_index("level")["passed"]
    t2 = pub[pub["transition"] == "t2"].set_index("level")["n"]
    for lv in ("a", "b", "c", "all"):
        assert _hidden(t1[lv]) == _hidden(t2[lv]), lv
    assert table_findings(pub, spec, min_cell=M, truth=df) == []


def test_ambiguous_total_rows_are_reported():
    df = pd.DataFrame({"level": ["a", "b", "all", "a", "b", "all"], "sex": list("ffmmmm") and ["f", "f", "f",
                       "m", "m", "m"], "n": [3, 20, 23, 4, 30, 34]})
    spec = TableSpec(name="amb", counts=("n",), dims=("level",), margins=(("level", "all"),))
    # 'sex' is a dimension the spec forgot: it is found, so the totals are still checked
    pub = apply_disclosure_control(df, spec, min_cell=M)
    assert table_findings(pub, spec, min_cell=M, truth=df) == []
    assert (pub["n"] == COMPLEMENT_MARK).sum() >= 2
    # two 'all' rows that nothing tells apart cannot be checked: the audit says so
    df2 = pd.DataFrame({"level": ["a", "b", "all", "all"], "n": [3, 20, 23, 23]})
    kinds = {f.kind for f in table_findings(df2, spec, min_cell=M)}
    assert "structure" in kinds


# ------------------------------------------------------------------ idempotence and keys
def test_idempotent():
    grid = np.array([[12, 3, 20], [15, 9, 2], [30, 25, 18]])
    df, spec, _ = two_margin_table(grid)
    df["share"] = df["n"] / df["n"].max()
    once = apply_disclosure_control(df, spec, min_cell=M)
    twice = apply_disclosure_control(once, spec, min_cell=M)
    pd.testing.assert_frame_equal(once.astype(str), twice.astype(str))


def test_no_person_keys_in_output():
    df = pd.DataFrame({c: ["x1", "x2"] for c in PERSON_KEYS} | {"Applicant_ID": ["y", "z"], "secret": ["s", "t"],
                                                              "unit": ["a", "b"], "n": [10, 20]})
    spec = TableSpec(name="k", counts=("n",), dims=("unit",), keys=("secret",))
    pub = apply_disclosure_control(df, spec, min_cell=M)
    assert list(pub.columns) == ["unit", "n"]


# ------------------------------------------------------------------ several tables
def _shared_pair():
    """Two tables that share the counts per level: one also splits them by sex."""
    levels = ["a", "b", "c"]
    f = [1, 5, 20]   # level a: 3 persons, hidden in both tables; the first hides level b (10) as well,
    m = [2, 5, 20]   # which the second would show as 5 + 5
    by_level = pd.DataFrame({"year": 2025, "level": [*levels, "all"],
                             "n": [x + y for x, y in zip(f, m)] + [sum(f) + sum(m)]})
    by_sex = pd.DataFrame({"year": 2025, "level": levels * 3, "sex": ["f"] * 3 + ["m"] * 3 + ["all"] * 3,
                           "n": f + m + [x + y for x, y in zip(f, m)]})
    s1 = TableSpec(name="by_level", counts=("n",), dims=("year", "level"), margins=(("level", "all"),))
    s2 = TableSpec(name="by_sex", counts=("n",), dims=("year", "level", "sex"), margins=(("sex", "all"),))
    return by_level, s1, by_sex, s2


def _cross_findings(tables):
    from mangfold.publish.disclosure import View, global_findings, link_tables, merge_views

    items = [(s.name, s.to_json(), t, build_model(s, t)) for s, t, _ in tables]
    cross, _ = link_tables(items)
    merged = merge_views([(n, View(p, m)) for (n, _, _, m), (_, _, p) in zip(items, tables)], cross)
    return cross, [f for g in global_findings(merged, min_cell=M) for f in g.findings]


def test_counts_shared_with_an_earlier_table_are_hidden_alike():
    t1, s1, t2, s2 = _shared_pair()
    p1 = apply_disclosure_control(t1, s1, min_cell=M)
    alone = apply_disclosure_control(t2, s2, min_cell=M)
    cross, leaks = _cross_findings([(s1, t1, p1), (s2, t2, alone)])
    assert cross, "the shared counts are found"
    assert leaks, "published alone, the second table hides a count the first shows"
    together = apply_disclosure_control(t2, s2, min_cell=M, published=[Published(s1.to_json(), t1, p1)])
    assert _cross_findings([(s1, t1, p1), (s2, t2, together)])[1] == []
    assert table_findings(together, s2, min_cell=M, truth=t2) == []


def test_plan_across_tables_makes_tables_of_different_notebooks_safe_together():
    t1, s1, t2, s2 = _shared_pair()
    p1 = apply_disclosure_control(t1, s1, min_cell=M)
    p2 = apply_disclosure_control(t2, s2, min_cell=M)
    plan = plan_across_tables([Published(s1.to_json(), t1, p1), Published(s2.to_json(), t2, p2)], min_cell=M)
    assert plan
    q1 = apply_disclosure_control(t1, s1, min_cell=M, hidden=plan.get("by_level", []))
    q2 = apply_disclosure_control(t2, s2, min_cell=M, hidden=plan.get("by_sex", []))
    assert _cross_findings([(s1, t1, q1), (s2, t2, q2)])[1] == []


# ------------------------------------------------------------------ property: random tables
def _random_table(rng: np.random.Generator, kind: str):
    if kind == "1d":
        values = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 20, 35], size=int(rng.integers(2, 6))).tolist()
        df, spec = one_margin_table(values)
        return df, spec, [(list(range(len(values))), len(values))], "n"
    if kind == "2d":
        grid = rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 25], size=(int(rng.integers(2, 4)), int(rng.integers(2, 4))))
        df, spec, sums = two_margin_table(grid)
        return df, spec, sums, "n"
    # row sums with a derived share and a rate
    n = int(rng.integers(2, 6))
    used = rng.choice([0, 1, 3, 7, 15, 40], size=n)
    quarantined = rng.choice([0, 1, 2, 6, 11], size=n)
    df = pd.DataFrame({"t": [f"t{i}" for i in range(n)], "read": used + quarantined, "used": used,
                       "quarantined": quarantined})
    df["share"] = np.where(df["read"] > 0, df["quarantined"] / df["read"].where(df["read"] > 0), np.nan)
    spec = TableSpec(name="rs", counts=("read", "used", "quarantined"), dims=("t",),
                     derived={"read": ("share",)}, row_sums=(("read", ("used", "quarantined")),))
    return df, spec, None, None


@pytest.mark.parametrize("seed", range(45))
def test_random_tables_leave_nothing_recoverable(seed):
    rng = np.random.default_rng(seed)
    kind = ("1d", "2d", "rows")[seed % 3]
    df, spec, sums, col = _random_table(rng, kind)
    pub = apply_disclosure_control(df, spec, min_cell=M)
    assert table_findings(pub, spec, min_cell=M, truth=df) == []
    # every small count is marked, and only whole tables' own cells changed
    for c in spec.counts:
        v = pd.to_numeric(df[c])
        assert all(pub[c][(v >= 1) & (v < M)] == SMALL)
    pd.testing.assert_frame_equal(apply_disclosure_control(pub, spec, min_cell=M).astype(str), pub.astype(str))
    if sums is not None:
        hidden = sum(_hidden(x) for x in pub[col])
        if hidden <= 6:
            assert_protected(pub, col, sums, cap=int(pd.to_numeric(df[col]).max()))


def test_brute_force_helper_catches_a_single_hidden_part():
    # the independent check itself can fail: a lone "<5" in a total is given away
    public = pd.DataFrame({"n": [10, SMALL, 20, 33]})
    with pytest.raises(AssertionError, match="given away"):
        assert_protected(public, "n", [([0, 1, 2], 3)])
    assert list(itertools.chain(*brute_force(public, "n", [([0, 1, 2], 3)]).values())) == [3]


@pytest.mark.parametrize("seed", range(25))
def test_random_rate_tables_leave_no_small_numerator_recoverable(seed):
    """Rates whose numerator is not a column, with an 'all' row: every small numerator that the
    public table hides has at least two values consistent with the visible rates and the total
    (brute force over 0..n for each hidden numerator)."""
    rng = np.random.default_rng(1000 + seed)
    n = rng.integers(5, 40, size=int(rng.integers(2, 5)))
    k = np.array([int(rng.choice([0, 1, 2, 3, 5, 8])) if x >= 8 else int(rng.integers(0, x + 1)) for x in n])
    df = pd.DataFrame({"level": [f"l{i}" for i in range(len(n))] + ["all"], "n": [*n, n.sum()]})
    df["rate"] = np.array([*k, k.sum()]) / df["n"]
    spec = TableSpec(name="rt", counts=("n",), dims=("level",), margins=(("level", "all"),),
                     derived={"n": ("rate",)}, rates=(("rate", "n"),))
    pub = apply_disclosure_control(df, spec, min_cell=M)
    assert table_findings(pub, spec, min_cell=M, truth=df) == []
    ks = [None if pd.isna(r) or _hidden(nn) else round(float(r) * float(nn)) for r, nn in zip(pub["rate"], pub["n"])]
    hidden = [i for i, x in enumerate(ks) if x is None]
    total = len(ks) - 1
    options = {i: range(0, int(df["n"].iloc[i]) + 1) for i in hidden}
    possible = {i: set() for i in hidden}
    for combo in itertools.product(*[options[i] for i in hidden]):
        v = dict(zip(hidden, combo))
        full = [v.get(i, ks[i]) for i in range(len(ks))]
        if sum(full[:total]) == full[total]:
            for i in hidden:
                possible[i].add(v[i])
    truth_k = [*k, k.sum()]
    for i in hidden:
        if 1 <= truth_k[i] < M:
            assert len(possible[i]) >= 2, (i, possible[i])


def test_a_published_table_keeps_the_model_disclosure_built_for_it(tmp_path):
    """ctx.table hands the model it built for a table to the Published table that the notebook's later
    tables are checked against: the same model build_model makes from the table, not one built again."""
    import dataclasses

    from mangfold.publish import open_context
    from mangfold.publish.disclosure import disclose, disclose_with_model
    from mangfold.publish.identities import build_model

    ctx = open_context(2025, tmp_path / "none.duckdb", None, tmp_path / "out")
    spec = TableSpec(name="levels", counts=("n",), dims=("year", "level"), margins=(("level", "all"),))
    df = pd.DataFrame({"year": 2025, "level": ["a", "b", "c", "all"], "n": [3, 20, 30, 53]})
    ctx.table(df, spec, show=False)
    got, fresh = ctx._published[0].model, build_model(spec.to_json(), df)
    assert got is not None
    for f in dataclasses.fields(got):
        a, b = getattr(got, f.name), getattr(fresh, f.name)
        if f.name == "values":
            assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)
        else:
            assert a == b, f.name
    public, model = disclose_with_model(df, spec, min_cell=5)
    assert public.equals(disclose(df, spec, min_cell=5)) and model.equations == fresh.equations
