"""The notebook-facing publishing API.

Every table and figure leaves a notebook through :class:`Context`: ``ctx.table`` writes the
restricted copy (``restricted/tables``) and the disclosure-controlled public copy
(``public/tables``) and shows the public one; ``ctx.figure`` saves a figure drawn from public
tables into ``public/figures``. Nothing else writes under ``public/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import default_out, default_store, load_params, project_root
from ..tablespec import TableSpec
from .disclosure import Published, apply_disclosure_control, mark

CSV_ENCODING = "utf-8-sig"  # BOM: Excel then reads æ, ø, å correctly


def write_csv(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, encoding=CSV_ENCODING, lineterminator="\n")


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding=CSV_ENCODING, keep_default_na=True)


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
        the public copy (``None`` rows shown for restricted-only tables)."""
        write_csv(df, self.restricted / "tables" / f"{spec.name}.csv")
        if spec.restricted_only:
            if show:
                _display_markdown(f"*{caption or spec.title or spec.name}: {len(df)} rader i den "
                                  "skjermede tabellen (ikke publisert).*")
            return df.iloc[0:0]
        public = apply_disclosure_control(df, spec, min_cell=self.min_cell, published=self._published,
                                          hidden=self._hints().get(spec.name, []))
        self._published.append(Published(spec.to_json(), df, public))
        write_csv(public, self.public / "tables" / f"{spec.name}.csv")
        spec_path = self.public / "tables" / f"{spec.name}.spec.json"
        spec_path.write_text(json.dumps(spec.to_json(), indent=1, ensure_ascii=False), encoding="utf-8")
        if show:
            show_table(public, caption=caption or spec.title, columns=columns)
        return public

    def _hints(self) -> dict:
        """Cells that the pipeline found must be hidden for the tables of all notebooks to be safe
        together (``restricted/disclosure_hints.json``, written between two runs of the notebooks)."""
        path = self.restricted / "disclosure_hints.json"
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
        fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
        try:
            from IPython.display import Image, display

            display(Image(filename=str(path)))
            if caption:
                _display_markdown(f"*{caption}*")
        except ImportError:  # pragma: no cover
            pass
        import matplotlib.pyplot as plt

        plt.close(fig)
        return path

    def public_table(self, name: str) -> pd.DataFrame | None:
        """A public table written earlier in this year's run (the summary reads these)."""
        path = self.public / "tables" / f"{name}.csv"
        return read_csv(path) if path.is_file() else None

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
def _fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and pd.isna(x)) or x is pd.NA:
        return "–"
    if isinstance(x, bool):
        return "ja" if x else "nei"
    if isinstance(x, float):
        if x.is_integer() and abs(x) < 1e12:
            return f"{int(x):,}".replace(",", "\u00a0")
        if abs(x) < 1e-3 and x != 0:
            return f"{x:.1e}"
        return f"{x:.3f}".replace(".", ",")
    if isinstance(x, int):
        return f"{x:,}".replace(",", "\u00a0")
    return str(x)


def show_table(df: pd.DataFrame, *, caption: str | None = None, columns: dict[str, str] | None = None,
               max_rows: int = 60) -> None:
    """Show a table in the notebook/report (presentation rounding happens only here)."""
    try:
        from IPython.display import HTML, display
    except ImportError:  # pragma: no cover
        return
    shown = df if columns is None else df[[c for c in columns if c in df.columns]].rename(columns=columns)
    more = ""
    if len(shown) > max_rows:
        more = f"<p><em>Viser {max_rows} av {len(shown)} rader; hele tabellen ligger i tables/.</em></p>"
        shown = shown.head(max_rows)
    body = shown.map(_fmt) if hasattr(shown, "map") else shown.applymap(_fmt)
    html = body.to_html(index=False, escape=True, classes="mf-table", border=0)
    cap = f"<p class='mf-caption'><strong>{caption}</strong></p>" if caption else ""
    display(HTML(cap + html + more))


def _display_markdown(text: str) -> None:
    try:
        from IPython.display import Markdown, display

        display(Markdown(text))
    except ImportError:  # pragma: no cover
        print(text)
