"""mangfold.text: the one way the report writes numbers and labels.

Expected strings follow Språkrådet's rules for writing numbers in bokmål (decimal comma; groups of
three digits from 10 000, separated by a (narrow) space; no grouping in years; a space before ``%``;
the minus sign U+2212) and SSB's practice for p-values (``p < 0,001``); they are written by hand here,
not produced by the functions under test."""

from __future__ import annotations

import math

import pytest

from mangfold import text

NNBSP, NBSP, MINUS = "\u202f", "\u00a0", "\u2212"


@pytest.mark.parametrize("x, digits, want", [
    (0.5, 1, "0,5"), (1234.5, 1, "1234,5"), (12345.678, 2, f"12{NNBSP}345,68"), (-0.5, 2, f"{MINUS}0,50"),
    (-0.0001, 2, "0,00"), (1_000_000, 0, f"1{NNBSP}000{NNBSP}000"), ("3.5", 1, "3,5"),
])
def test_number(x, digits, want):
    assert text.number(x, digits) == want


@pytest.mark.parametrize("x", [None, math.nan, "", "<5", ":", "abc", math.inf])
def test_anything_not_a_number_is_the_one_not_shown_mark(x):
    assert text.number(x) == text.NOT_SHOWN == "–"
    assert text.percent(x) == text.NOT_SHOWN and text.pvalue(x) == text.NOT_SHOWN
    assert not text.is_shown(x)


def test_years_are_never_grouped_counts_are():
    assert text.year(2021) == "2021" and text.year(2021.0) == "2021"
    assert text.integer(12345) == f"12{NNBSP}345" and text.integer(2021) == "2021"
    assert text.integer(4.5) == "5" and text.integer(-4.5) == f"{MINUS}5"


def test_percent_points_pvalues_intervals():
    assert text.percent(0.123) == f"12,3{NBSP}%" and text.percent(0.25, 0) == f"25{NBSP}%"
    assert text.points(0.052) == f"+5,2{NBSP}pp" and text.points(-0.052) == f"{MINUS}5,2{NBSP}pp"
    assert text.pvalue(2.0e-05) == "p < 0,001" and text.pvalue(0.0123) == "p = 0,012" and text.pvalue(0.43) == "p = 0,43"
    assert text.interval(0.71, 0.93) == "0,71–0,93"
    assert text.interval(-0.012, 0.034, 1, scale=100, unit="pp") == f"{MINUS}1,2{NBSP}pp til 3,4{NBSP}pp"
    assert text.estimate_ci(0.82, 0.71, 0.93) == "0,82 (0,71–0,93)"
    assert text.estimate_ci(0.82, None, 0.93) == "0,82"


def test_tick_labels_show_the_value_they_stand_at():
    """The issue's example: ticks at 7.5 %, 12.5 % and 17.5 % were labelled 8 %, 12 % and 18 %."""
    assert [text.percent_tick(v) for v in (0.075, 0.125, 0.175, 0.1)] == [
        f"7,5{NBSP}%", f"12,5{NBSP}%", f"17,5{NBSP}%", f"10{NBSP}%"]
    assert text.short(0.8) == "0,8" and text.short(10.0) == "10" and text.short(-2) == f"{MINUS}2"


def test_certainty_words_follow_the_interval():
    assert text.certainty(0.1, 0.3) == "tydelig" and text.certainty(-0.3, -0.1) == "tydelig"
    assert text.certainty(-0.1, 0.3) == "usikkert"
    assert text.certainty(None, 0.3) == "kan ikke avgjøres"
    assert text.certainty(0.06, 0.17, threshold=0.244) == "tydelig"  # all below the population share


def test_reasons_for_what_is_not_shown():
    assert text.not_shown() == "skjult: færre enn 5"
    assert text.not_shown("suppressed", min_cell=3) == "skjult: færre enn 3"
    assert text.not_shown("no_data") == "ingen data levert"
    assert text.not_shown("not_started", start_year=2026) == "piloten starter 2026"
    assert text.not_shown("too_few") == "for få besvarelser"


def test_codes_are_shown_by_their_labels_never_raw():
    assert text.label("top_leader") == "Toppledere" and text.label("units") == "Enheter"
    assert text.label("all") == "Alle" and text.label("all", column="sector") == "Alle sektorer"
    assert text.label("Bydel Frogner") == "Bydel Frogner"  # a name from the data stays as it is
    assert text.group_words("lbg2") == "landbakgrunnsgruppe 2"
    assert text.yes_no(True) == "ja" and text.yes_no(False) == "nei" and text.yes_no("") == text.NOT_SHOWN
    assert text.yes_no("True") == text.NOT_SHOWN  # text is never parsed: public tables are typed


def test_headers_are_bokmaal():
    assert text.header("impact_ratio") == "Rateforhold"
    assert text.header("qualified_ci_low") == "Kvalifiserte, KI nedre"
    assert text.header("n_focal") == "Antall i målgruppen"
    assert "_" not in text.header("share_of_loss_applied_to_qualified_ci_high")


def test_quarantine_reasons_in_bokmaal():
    from mangfold.contract.validate import REASON_DATE_ORDER, REASON_INTERVIEWED, REASON_PARENT

    assert text.label(REASON_INTERVIEWED) == "intervjuet, men ikke formelt kvalifisert"
    assert text.label(REASON_DATE_ORDER.format(start="start_date", end="end_date")) == "end_date før start_date"
    assert text.label(REASON_PARENT.format(parent="vacancies")) == "hører til en rad i vacancies som er satt til side"
