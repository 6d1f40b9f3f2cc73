"""mangfold: research and reporting pipeline for diversity in municipal leadership,
recruitment and boards (Oslo kommune's action plan 2023-2027; KS's checkpoints)."""

from ._deferred import defer_rfc3987_syntax

__version__ = "0.1.0"

# start-up time: nbformat -> jsonschema would compile rfc3987_syntax's grammar in every process (see _deferred)
defer_rfc3987_syntax()
