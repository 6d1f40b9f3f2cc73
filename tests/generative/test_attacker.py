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
