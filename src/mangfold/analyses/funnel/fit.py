"""A guarded model fit for the funnel tables: fit only when the data allow it, quietly, and turn a
failure into a ``note`` on the table row instead of an error."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...text import not_estimable

#: the longest ``note`` a failed fit leaves
NOTE_LENGTH = 120
#: the note of a row fitted across units when there are fewer than two (bokmål, as every note)
NOTE_ONE_UNIT = "ikke beregnet: færre enn to virksomheter"


def fit_or_note(fit: Callable[..., dict[str, Any]], /, *args: Any, skip: Sequence[tuple[bool, str]] = (),
                **kwargs: Any) -> dict[str, Any]:
    """The row values ``fit(*args, **kwargs)`` returns, or ``{"note": ...}`` saying why there are none.

    ``skip``: ``(condition, note)`` pairs checked in order; the first true condition gives
    ``{"note": note}`` without fitting. Otherwise ``fit`` runs with warnings silenced (convergence
    and separation warnings of the GLM; the standard errors carry what matters), and a
    ``ValueError``, ``ArithmeticError`` or ``LinAlgError`` gives ``{"note": "ikke beregnet: <why>"}`` in bokmål
    (:func:`mangfold.text.not_estimable`), cut to :data:`NOTE_LENGTH` characters.
    """
    for condition, note in skip:
        if condition:
            return {"note": note}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fit(*args, **kwargs)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:  # ArithmeticError: a safety net
        return {"note": not_estimable(exc)[:NOTE_LENGTH]}
