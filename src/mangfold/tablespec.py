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
    constants: labels and constants that do not depend on any count of the table: years, rule
        thresholds, targets, reference-group names, method names, notes, and numbers of units or
        municipalities (organisations, not persons). Shown as they are.
    not_counts: the older name of ``constants`` (both are read).
    statistics: model outputs computed from aggregates whose counts are published in another table
        (a trend coefficient, a power calculation): never a count, never suppressed here; the
        analysis itself leaves them empty when their inputs are too small.
    rates: (rate_column, denominator_count) pairs for a rate or share whose numerator is a count
        that the table does not show (``rate * denominator`` persons): that hidden count is
        suppressed like a count. Only declared rates are treated so (nothing is guessed from values).

    Every column of a published table has exactly one declared role (:meth:`role`): ``key``,
    ``dimension``, ``count``, ``derived`` (from named counts: rates, shares, ratios, intervals,
    tests, and categorical columns too: statuses, flags, verdicts, compliance), ``constant`` or
    ``statistic``. Publishing a table with a column that has none is an error; disclosure control
    and the audit read only the declared roles, never the values, to decide what a column is.

    Disclosure control also finds identities between count cells that the spec does not declare
    (totals labelled ``all``, totals within a row, cells repeated across rows); see
    :mod:`mangfold.publish.disclosure`. Those can only make it hide more.
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
    constants: tuple[str, ...] = ()
    statistics: tuple[str, ...] = ()
    #: links to the same quantities in another report published with this one: ``{"dim": column
    #: whose value names the other report (a municipality), "table": its table, "where": {column:
    #: value} selecting the row there, "columns": {column here: column there}}``; the publication
    #: ledger hides a cell on both sides when either side hides it
    same_as: tuple[dict, ...] = ()
    #: proportions (0 to 1: shares, rates and their intervals) that the report and the Excel copy show
    #: as percent (``12,3 %``); the CSV keeps the proportion. Presentation only, not a role.
    percent: tuple[str, ...] = ()

    def __deepcopy__(self, memo) -> "TableSpec":
        """Itself: a spec is not changed once made, and pandas deep-copies a frame's ``attrs`` (where
        ``ctx.table`` keeps the spec) on every operation on the frame."""
        return self

    def role(self, column: str) -> str | None:
        """The declared role of ``column`` (None: none declared)."""
        return column_role(self.to_json(), column)

    def unroled(self, columns) -> list[str]:
        """The columns of ``columns`` without a declared role."""
        sp = self.to_json()
        return [c for c in columns if column_role(sp, str(c)) is None]

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
            "constants": list(self.constants),
            "statistics": list(self.statistics),
            "same_as": [dict(x) for x in self.same_as],
            "percent": list(self.percent),
        }


def column_role(spec: dict, column: str) -> str | None:
    """The declared role of ``column`` in a spec as written beside a public table (its JSON)."""
    column = str(column)
    if column in spec.get("keys", []):
        return "key"
    if column in spec.get("dims", []):
        return "dimension"
    if column in spec.get("counts", []):
        return "count"
    if any(column in v for v in spec.get("derived", {}).values()) or any(
            r[0] == column for r in spec.get("rates", [])):
        return "derived"
    if column in spec.get("constants", []) or column in spec.get("not_counts", ["year"]) or column == "year":
        return "constant"
    if column in spec.get("statistics", []):
        return "statistic"
    return None
