"""mangfold: research and reporting pipeline for diversity in municipal leadership,
recruitment and boards (Oslo kommune's action plan 2023-2027; KS's checkpoints)."""

__version__ = "0.1.0"
