"""The attacker's oracle (tests/generative/attacker.py): what it recovers is checked against the
unsuppressed tables."""

from __future__ import annotations

from tests.generative.attacker import Finding, confirm


def test_attacker_recovery_is_checked_against_the_unsuppressed_table(tmp_path):
    """The attacks read public files only; a value they 'recover' that the unsuppressed copy
    contradicts (their assumption did not hold) is refuted, a right one stays a finding."""
    (tmp_path / "2025" / "restricted" / "tables").mkdir(parents=True)
    (tmp_path / "2025" / "restricted" / "tables" / "t.csv").write_text("g,n\na,3\nb,1\n", encoding="utf-8")
    right = Finding("b:margin", "2025/public/tables/t.csv row 3", "b", "n", "recovered as 1", value=1.0)
    wrong = Finding("d:years-union", "2025/public/tables/t.csv row 2", "a", "n", "recovered as 2", value=2.0)
    kept, refuted = confirm(tmp_path, [right, wrong])
    assert kept == [right] and refuted == [wrong]


_COHORT_SPEC = {"name": "pairs", "counts": ["pairs", "pairs_ended"], "dims": ["start_year"],
                "margins": [["start_year", "all"]], "not_counts": ["units"]}


def _series(tmp_path, reports: dict[str, tuple[str, str]]):
    """One report series (``kommune/<year>``) of a ``pairs`` table by start year: public and
    unsuppressed CSV text per report year."""
    import json

    for year, (public, truth) in reports.items():
        for part, text in (("public", public), ("restricted", truth)):
            d = tmp_path / "kommune" / year / part / "tables"
            d.mkdir(parents=True)
            (d / "pairs.csv").write_text("start_year,pairs,pairs_ended,units\n" + text, encoding="utf-8")
        (tmp_path / "kommune" / year / "public" / "tables" / "pairs.spec.json").write_text(
            json.dumps(_COHORT_SPEC), encoding="utf-8")


def test_a_cohort_the_reports_contradict_is_no_union(tmp_path):
    """Generated seed 10405 (Tromsø, 2023-2025): pairs ended by start year grow from report to report.
    The 2024 report shows 0 for the 2024 cohort, the 2025 report <5 (1). Taken as one cell across the
    reports, that cell's interval is empty, and propagating it pinned the 2025 total to 3, which
    happened to be right. No value fits both reports, so the attacker takes such a cell per report;
    from the public tables the total is then 2 or 3, and nothing is recovered."""
    from tests.generative.attacker import attack

    _series(tmp_path, {
        "2023": ("2021,<5,0,1\n2022,<5,<5,1\nall,<5,<5,1\n", "2021,1,0,1\n2022,2,2,1\nall,3,2,1\n"),
        "2024": ("2021,<5,0,1\n2022,<5,<5,1\n2024,<5,0,1\nall,<5,<5,1\n",
                 "2021,1,0,1\n2022,2,2,1\n2024,1,0,1\nall,4,2,1\n"),
        "2025": ("2021,<5,0,1\n2022,<5,<5,1\n2024,<5,<5,1\nall,<5,<5,1\n",
                 "2021,1,0,1\n2022,2,2,1\n2024,1,1,1\nall,4,3,1\n"),
    })
    result = attack(tmp_path)
    assert result.findings == [] and result.refuted == []


def test_a_cohort_the_reports_agree_on_is_still_one_cell(tmp_path):
    """The union is kept where the reports agree: the 2021 cohort hidden in 2024 and shown as 2 in 2025
    gives the 2022 cohort away through the 2024 total (5 = 2 + 3), in both reports."""
    from tests.generative.attacker import attack

    _series(tmp_path, {
        "2024": ("2021,<5,0,1\n2022,<5,0,1\nall,5,0,1\n", "2021,2,0,1\n2022,3,0,1\nall,5,0,1\n"),
        "2025": ("2021,2,0,1\n2022,<5,0,1\nall,:,0,1\n", "2021,2,0,1\n2022,3,0,1\nall,5,0,1\n"),
    })
    found = {(f.attack, f.file, f.column, f.value) for f in attack(tmp_path).findings}
    assert ("d:years-union", "kommune/2024/public/tables/pairs.csv row 3", "pairs", 3.0) in found
    assert ("d:years-union", "kommune/2025/public/tables/pairs.csv row 3", "pairs", 3.0) in found
