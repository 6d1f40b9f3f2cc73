"""The disclosure model, in one place: the names the modules of :mod:`mangfold.publish` share.

A public table is read as a :class:`View` over a :class:`Model` (its counts, the rates derived from
them, and the identities between its cells: :func:`build_model`); each count cell has a state
(:data:`VISIBLE`, :data:`PRIMARY` ``"<min_cell"``, :data:`COMPLEMENT` ``":"``, :data:`BLANK`,
:data:`TEXT`); the checks (:func:`table_findings`, :func:`global_findings`) return
:class:`Finding` s, grouped by linked hidden cells (:class:`FindingGroup`). Tables checked together
name their columns ``table`` + :data:`SEP` + ``column`` (:func:`merge_views`).

``identities`` finds the identities, ``checks`` runs the checks, ``disclosure`` hides cells until
they are clean, ``audit`` runs them again on the published files, ``ledger`` keeps reports published
together consistent. They import each other's public names only; other packages import from here.
"""

from __future__ import annotations

from .checks import (FindingGroup, UnitIndex, Var, View, determined_unknowns, global_findings, local_findings,
                     merge_views, table_findings, unit_hidden, unit_index, unit_value, view_findings)
from .identities import (BLANK, COMPLEMENT, COMPLEMENT_MARK, PRIMARY, SEP, TEXT, VISIBLE, Equation, Finding, Model,
                         Rate, build_model, copy_model, dim_columns, key_columns, parse_column, parse_frame, spec_dict)

__all__ = [
    "BLANK", "COMPLEMENT", "COMPLEMENT_MARK", "PRIMARY", "SEP", "TEXT", "VISIBLE", "Equation", "Finding",
    "FindingGroup", "Model", "Rate", "UnitIndex", "Var", "View", "build_model", "copy_model", "determined_unknowns",
    "dim_columns", "global_findings", "key_columns", "local_findings", "merge_views", "parse_column", "parse_frame",
    "spec_dict", "table_findings", "unit_hidden", "unit_index", "unit_value", "view_findings",
]
