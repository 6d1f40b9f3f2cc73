"""Publishing: the notebook context, disclosure control, audit, provenance and rendering."""

from .context import Context, open_context, show_table
from .safe import show_markdown

__all__ = ["Context", "open_context", "show_markdown", "show_table"]
