"""What a published table is made of, for disclosure control.

Analyses describe each table they return with a :class:`TableSpec`; the publishing function
(:mod:`mangfold.publish`) uses it to drop person keys, suppress small counts with everything
derived from them, and apply complementary suppression. Imports nothing from mangfold.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TableSpec:
    """Disclosure metadata of one table.

    name: file stem (``funnel_disparity`` -> ``tables/funnel_disparity.csv``).
    counts: columns that count persons; a value 1..min_cell-1 is suppressed.
    derived: count column -> columns computed from it (rates, shares, intervals, ratios, tests);
        they are blanked wherever the count is suppressed.
    dims: the columns that identify a row (group, level, sector, year, ...).
    margins: (dim, total_label) pairs: rows with ``dim == total_label`` are totals over the other
        values of ``dim`` (with the other dims equal); used for complementary suppression. A
        partial total names its parts: ``("position_level", "leaders", ("top_leader", "leader"))``
        (without them, disclosure control finds the parts that add up in the data).
    row_sums: (total_column, (part columns...)) identities within a row, e.g.
        ``("rows_read", ("rows_used", "rows_quarantined"))``.
    keys: person-key columns (dropped from public output).
    restricted_only: vacancy-level or person-level lists: never published.
    not_counts: integer columns that do not count persons (years, rule thresholds, vacancies);
        the audit leaves them alone.
    rates: (rate_column, denominator_count) pairs for a rate or share whose numerator is a count
        that the table does not show (``rate * denominator`` persons): that hidden count is
        suppressed like a count. Optional: disclosure control also finds such columns in the data
        (a column whose product with a count is a whole number in every row).

    Disclosure control also finds identities that the spec does not declare (totals labelled
    ``all``, totals within a row, cells repeated across rows); see :mod:`mangfold.publish.disclosure`.
    """

    name: str
    counts: tuple[str, ...] = ()
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dims: tuple[str, ...] = ()
    margins: tuple[tuple[str, str], ...] = ()
    row_sums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    keys: tuple[str, ...] = ()
    restricted_only: bool = False
    not_counts: tuple[str, ...] = ("year",)
    title: str = ""
    rates: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "counts": list(self.counts),
            "derived": {k: list(v) for k, v in self.derived.items()},
            "dims": list(self.dims),
            "margins": [[m[0], m[1], list(m[2])] if len(m) > 2 else list(m) for m in self.margins],
            "row_sums": [[t, list(p)] for t, p in self.row_sums],
            "not_counts": list(self.not_counts),
            "rates": [list(r) for r in self.rates],
            "keys": list(self.keys),
        }
