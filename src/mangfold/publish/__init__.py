"""Publishing: the notebook context, disclosure control, audit, provenance and rendering."""

from .context import Context, open_context, show_table

__all__ = ["Context", "open_context", "show_table"]
