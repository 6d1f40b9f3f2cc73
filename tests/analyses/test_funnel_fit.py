"""Tests for mangfold.analyses.funnel.fit (guarded fits of the funnel tables)."""

from __future__ import annotations

import warnings

import numpy as np

from mangfold.analyses.funnel.fit import NOTE_LENGTH, fit_or_note


def test_skip_conditions_in_order_without_fitting():
    calls = []

    def fit():
        calls.append(1)
        return {"estimate": 1.0}

    assert fit_or_note(fit, skip=((False, "a"), (True, "b"), (True, "c"))) == {"note": "b"}
    assert calls == []
    assert fit_or_note(fit, skip=((False, "a"),)) == {"estimate": 1.0} and calls == [1]


def test_arguments_passed_and_warnings_silenced():
    def fit(x, *, y):
        warnings.warn("not converged", RuntimeWarning)
        return {"estimate": x + y}

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fit_or_note(fit, 1.0, y=2.0) == {"estimate": 3.0}


def test_errors_become_a_short_note():
    def singular():
        raise np.linalg.LinAlgError("Singular matrix")

    def long_error():
        raise ValueError("x" * 500)

    # the note is bokmål (the report and the Excel copy show it), never the English error
    assert fit_or_note(singular) == {"note": "ikke beregnet: dataene skiller ikke alle leddene i modellen fra "
                                             "hverandre (for lite variasjon)"}
    note = fit_or_note(long_error)["note"]
    assert note == "ikke beregnet: modellen kan ikke tilpasses disse dataene" and len(note) <= NOTE_LENGTH
