"""The notebook-facing publishing API.

Every table and figure leaves a notebook through :class:`Context`: ``ctx.table`` writes the
restricted copy (``restricted/tables``) and the disclosure-controlled public copy
(``public/tables``) and shows the public one; ``ctx.figure`` saves a figure drawn from public
tables into ``public/figures``. Nothing else writes under ``public/``.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import text
from ..config import default_out, default_store, load_params, project_root
from ..tablespec import TableSpec, column_role
from .disclosure import Published, disclose_with_model, key_columns, mark
from .ledger import HINTS_FILE, KEEP_FILE
from .png import save_png
from .render import FIGURE_ALT
from .safe import neutralise_frame, restore_frame, show_markdown
from .typed import TYPED_DIR, as_published, read_typed, write_typed

CSV_ENCODING = "utf-8-sig"  # BOM: Excel then reads æ, ø, å correctly
#: the notebook a run's kernel is executing (set by :mod:`mangfold.run.execute` before each notebook):
#: ``ctx.table`` and ``ctx.figure`` list what it wrote in ``restricted/outputs/<notebook>.json``, so
#: that a second pass of disclosure control runs again only the notebooks whose tables change
NOTEBOOK_ENV = "MANGFOLD_NOTEBOOK"
OUTPUTS_DIR = "outputs"


def write_csv(df: pd.DataFrame, path: Path, *, public: bool = False) -> None:
    """Write ``df`` as CSV; a ``public`` copy with formula-like text cells neutralised (a leading
    ``'``, :func:`mangfold.publish.safe.neutralise_frame`) so that a spreadsheet shows them as
    text. Restricted copies are written as they are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if public:
        df = neutralise_frame(df)
    df.to_csv(path, index=False, encoding=CSV_ENCODING, lineterminator="\n")


def read_csv(path: Path) -> pd.DataFrame:
    """A table written by :func:`write_csv` (cells neutralised against formulas restored)."""
    return restore_frame(pd.read_csv(path, encoding=CSV_ENCODING, keep_default_na=True))


@dataclass
class Context:
    year: int
    store: Path
    params: dict[str, Any]
    out: Path
    params_file: Path | None = None
    # tables published through this context, so that a count two tables share is hidden in both
    _published: list = field(default_factory=list, repr=False)

    # folders --------------------------------------------------------------
    @property
    def public(self) -> Path:
        return self.out / "public"

    @property
    def restricted(self) -> Path:
        return self.out / "restricted"

    @property
    def min_cell(self) -> int:
        return int(self.params["min_cell"])

    # publishing -----------------------------------------------------------
    def table(self, df: pd.DataFrame, spec: TableSpec, *, show: bool = True, caption: str | None = None,
              columns: dict[str, str] | None = None) -> pd.DataFrame:
        """Write ``df`` to restricted/tables and its public copy to public/tables; show and return
        the public copy, typed (:mod:`mangfold.publish.typed`: hidden counts are
        :class:`~mangfold.text.Hidden`, blanked cells missing; no rows for restricted-only tables)."""
        unroled = [c for c in spec.unroled(df.columns) if c not in key_columns(df.columns, spec.to_json())]
        if unroled and not spec.restricted_only:  # refused before anything is written
            raise ValueError(f"{spec.name}: columns without a declared role in its TableSpec: {', '.join(unroled)} "
                             "(declare each as a dimension, count, derived, constant or statistic)")
        write_csv(df, self.restricted / "tables" / f"{spec.name}.csv")
        if spec.restricted_only:
            if show:
                _display_markdown(f"*{caption or spec.title or spec.name}: {len(df)} rader i den "
                                  "skjermede tabellen (ikke publisert).*")
            return df.iloc[0:0]
        public, model = disclose_with_model(df, spec, min_cell=self.min_cell, published=self._published,
                                            hidden=self._hints().get(spec.name, []),
                                            keep=self._hints(KEEP_FILE).get(spec.name, []))
        written = as_published(public)
        self._published.append(Published(spec.to_json(), df, written, model))
        public.attrs["mf_spec"] = spec  # show_table labels the columns with their roles (copies keep it)
        write_csv(written, self.public / "tables" / f"{spec.name}.csv", public=True)
        write_typed(public, self.restricted / TYPED_DIR / f"{spec.name}.json")
        self._record("tables", spec.name)
        spec_path = self.public / "tables" / f"{spec.name}.spec.json"
        spec_path.write_text(json.dumps(spec.to_json(), indent=1, ensure_ascii=False), encoding="utf-8")
        if show:
            show_table(public, caption=caption or spec.title, columns=columns, spec=spec)
        return public

    def _record(self, kind: str, name: str) -> None:
        """Note in ``restricted/outputs/<notebook>.json`` that this notebook wrote ``name`` (see
        :data:`NOTEBOOK_ENV`; nothing outside a run)."""
        nb = os.environ.get(NOTEBOOK_ENV)
        if not nb:
            return
        path = self.restricted / OUTPUTS_DIR / f"{nb}.json"
        try:
            have = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        except (OSError, json.JSONDecodeError):
            have = {}
        if name not in have.setdefault(kind, []):
            have[kind].append(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(have, ensure_ascii=False), encoding="utf-8")

    def _hints(self, file: str = HINTS_FILE) -> dict:
        """Cells that the pipeline found must be hidden for the tables of all notebooks, and of the
        reports published with this one, to be safe together (``restricted/disclosure_hints.json``,
        written between two runs of the notebooks); with ``file=KEEP_FILE`` the cells that reports
        published before show (not to be used as complements)."""
        path = self.restricted / file
        try:
            return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        except (OSError, json.JSONDecodeError):
            return {}

    def restricted_table(self, df: pd.DataFrame, name: str) -> None:
        """A vacancy- or person-level list: restricted/tables only, never public."""
        write_csv(df, self.restricted / "tables" / f"{name}.csv")

    def figure(self, fig, name: str, *, caption: str | None = None) -> Path:
        """Save a figure (drawn from public tables) to public/figures/<name>.png and show it."""
        path = self.public / "figures" / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        save_png(fig, path, dpi=110)
        self._record("figures", name)
        try:
            from IPython.display import Image, display

            display(Image(filename=str(path), alt=caption or FIGURE_ALT))  # the report's alt text
            if caption:
                _display_markdown(f"*{caption}*")
        except ImportError:  # pragma: no cover
            pass
        import matplotlib.pyplot as plt

        plt.close(fig)
        return path

    def public_table(self, name: str) -> pd.DataFrame | None:
        """A public table that another notebook of this year's report published, typed as
        :meth:`table` returned it there (the summary reads these); None when none did."""
        path = self.restricted / TYPED_DIR / f"{name}.json"
        return read_typed(path) if path.is_file() else None

    def missing(self, *tables: str) -> bool:
        """True (and one line in the report) when any of ``tables`` is absent from the store."""
        from ..store import tables_present

        absent = [t for t in tables if t not in tables_present(self.store)]
        if absent:
            names = ", ".join(f"`{t}`" for t in absent)
            _display_markdown(f"**Ikke med i dataene:** tabellen {names} finnes ikke i datagrunnlaget, "
                              "så denne delen er hoppet over.")
        return bool(absent)

    @property
    def suppression_mark(self) -> str:
        return mark(self.min_cell)


def open_context(year: int | None = None, store: str | Path | None = None, params: str | Path | None = None,
                 out: str | Path | None = None) -> Context:
    """Resolve a notebook's parameters. Defaults suit a researcher in JupyterLab: the default store,
    ``params/default.yaml``, the latest year in the store and ``outputs/interactive/<year>``."""
    from ..store import years as store_years

    store_path = Path(store) if store else default_store()
    p = load_params(params)
    if year is None:
        ys = store_years(store_path)
        year = ys[-1] if ys else None
    if year is None:
        raise ValueError("no year given and the store has no vacancies")
    out_path = Path(out) if out else default_out(project_root()) / "interactive" / str(year)
    for sub in ("public/tables", "public/figures", "restricted/tables"):
        (out_path / sub).mkdir(parents=True, exist_ok=True)
    return Context(int(year), store_path, p, out_path, Path(params) if params else None)


# --------------------------------------------------------------- display
_INTEGER_ROLES = ("count", "constant", "dimension", None)


def _fmt(x: Any, role: str | None = None, *, percent: bool = False) -> str:
    """One cell as the report shows it, written by :mod:`mangfold.text` (decimal comma, grouped
    thousands, minus sign, the one not-shown mark, codes by their bokmål label). A whole number is
    shown as an integer only in a column whose role allows counts (count, constant, dimension, or
    undeclared); in a derived column or a statistic, 1.0 is a ratio and is shown as ``1,000``. In a
    ``percent`` column (a proportion, :attr:`TableSpec.percent`) a number is shown as ``12,3 %``."""
    if isinstance(x, text.Hidden):
        return x.mark
    if x is None or (isinstance(x, float) and pd.isna(x)) or x is pd.NA:
        return text.NOT_SHOWN
    if isinstance(x, (bool, np.bool_)):
        return text.yes_no(bool(x))
    if percent and isinstance(x, (int, float, np.integer, np.floating)):
        return text.percent(float(x), 1)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if x.is_integer() and abs(x) < 1e12 and role in _INTEGER_ROLES:
            return text.integer(x)
        if abs(x) < 1e-3 and x != 0:
            return "< 0,001" if x > 0 else f"> {text.MINUS}0,001"
        return text.number(x, 3)
    if isinstance(x, (int, np.integer)):
        return text.integer(int(x))
    return text.label(x)


def column_roles(columns, spec: TableSpec | None = None, roles: dict[str, str] | None = None) -> dict[str, str | None]:
    """The declared role of each column (``roles`` first, then ``spec``; None where neither says)."""
    roles = roles or {}
    sp = spec.to_json() if spec is not None else {}
    return {c: roles.get(c, column_role(sp, c) if spec is not None else None) for c in columns}


#: a cell that holds text (a name, a label, a verdict) is left-aligned; numbers and marks align right
_TEXT_CELL = ' class="mf-t"'


def table_html(df: pd.DataFrame, *, name: str = "", roles: dict[str, str | None] | None = None,
               headers: dict[str, str] | None = None, percent=()) -> str:
    """A table as HTML: every header and cell escaped as text; the table carries its source
    (``data-mf-table``) and each header its column and declared role (``data-mf-col``,
    ``data-mf-role``), which the audit reads; ``percent``: the columns shown as percent
    (``data-mf-unit="percent"``)."""
    roles = roles or {}
    headers = headers or {}
    pct = set(percent)
    attr = f' data-mf-table="{html.escape(name, quote=True)}"' if name else ""
    head = "".join(
        f'<th data-mf-col="{html.escape(str(c), quote=True)}"'
        + (f' data-mf-role="{roles[c]}"' if roles.get(c) else "")
        + (' data-mf-unit="percent"' if c in pct else "")
        + f">{html.escape(str(headers.get(c, c)))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False, name=None):
        cells = "".join(f"<td{_TEXT_CELL if isinstance(v, str) else ''}>"
                        f"{html.escape(_fmt(v, roles.get(c), percent=c in pct))}</td>"
                        for c, v in zip(df.columns, row))
        body.append(f"<tr>{cells}</tr>")
    return (f'<table class="mf-table"{attr}><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def show_table(df: pd.DataFrame, *, caption: str | None = None, columns: dict[str, str] | None = None,
               max_rows: int = 60, spec: TableSpec | None = None, roles: dict[str, str] | None = None,
               percent=()) -> None:
    """Show a table in the notebook/report (presentation rounding happens only here). ``spec``: the
    public table it shows (or is derived from), whose declared roles label its columns and whose
    :attr:`~TableSpec.percent` columns are shown as percent; ``roles`` and ``percent``: the same
    for columns the spec does not have (a reshaped table). ``columns``: which columns to show, and
    their headers."""
    try:
        from IPython.display import HTML, display
    except ImportError:  # pragma: no cover
        return
    if spec is None:
        spec = df.attrs.get("mf_spec") if isinstance(df.attrs.get("mf_spec"), TableSpec) else None
    shown = df if columns is None else df[[c for c in columns if c in df.columns]]
    more = ""
    if len(shown) > max_rows:
        more = f"<p><em>Viser {max_rows} av {len(shown)} rader; hele tabellen ligger i tables/.</em></p>"
        shown = shown.head(max_rows)
    pct = set(percent) | set(spec.percent if spec is not None else ())
    out = table_html(shown, name=spec.name if spec is not None else "",
                     roles=column_roles(shown.columns, spec, roles), headers=columns, percent=pct)
    cap = f"<p class='mf-caption'><strong>{html.escape(caption)}</strong></p>" if caption else ""
    display(HTML(cap + out + more))


def _display_markdown(text: str) -> None:
    """Show a sentence of Markdown, with names from the data as text (:func:`~mangfold.publish.safe.show_markdown`)."""
    show_markdown(text)
