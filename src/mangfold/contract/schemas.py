"""The input data contract: tables, columns, types and code lists.

This module is the single source for validation (:mod:`mangfold.contract.validate`),
the generated data dictionary (``docs/data-contract.md``) and the demo generator.
It imports nothing from the rest of the package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "int", "float", "date", "bool", "code"]

# ---------------------------------------------------------------- code lists
BACKGROUND = ("none", "lbg1", "lbg2", "immigrant_unspecified", "undeclared")
#: Backgrounds that are a *declared immigrant background* (measure 2.3).
IMMIGRANT_BACKGROUNDS = ("lbg1", "lbg2", "immigrant_unspecified")
POSITION_LEVEL = ("top_leader", "leader", "employee")
LEADER_LEVELS = ("top_leader", "leader")
GENDER = ("female", "male", "other", "undeclared")
PILOT = ("job_analysis", "reverse_mentoring", "strengthened_training", "min_two_interviews")
PROGRAM = ("recruitment_course", "leadership_development", "strengthened_training")
AD_TEMPLATE = ("standard", "inclusive")
POPULATION_BACKGROUND = ("none", "lbg1", "lbg2")
COMPANY_FORM = ("AS", "KF", "IKS", "stiftelse", "other")
BOARD_ROLE = ("chair", "deputy_chair", "member", "deputy_member")
RESPONDENT = ("mentor", "mentee")
WAVE = ("pre", "post")
CHECKPOINTS = (
    "political_anchoring",
    "employer_strategy",
    "admin_resources",
    "leadership_development",
    "role_models",
    "top_level_readiness",
)
#: Funnel stages in order, as boolean columns of ``applications`` (``applied`` is implicit).
STAGES = ("qualified", "interviewed", "recommended", "hired")
#: Person keys: never in public output.
PERSON_KEYS = ("applicant_id", "person_id", "pair_id", "mentor_id", "mentee_id", "application_id")

# ---------------------------------------------------------------- aliases
# What HR, payroll and board systems write instead of a code (Norwegian exports). A code cell is
# matched ignoring case against the codes and these aliases and stored as the code.
GENDER_ALIASES = (("kvinne", "female"), ("kvinner", "female"), ("kvinnelig", "female"), ("k", "female"),
                  ("mann", "male"), ("menn", "male"), ("mannlig", "male"), ("m", "male"),
                  ("annet", "other"), ("annen", "other"), ("ukjent", "undeclared"), ("uoppgitt", "undeclared"),
                  ("ikke oppgitt", "undeclared"), ("vil ikke oppgi", "undeclared"))
BACKGROUND_ALIASES = (("ingen", "none"), ("ingen innvandringsbakgrunn", "none"),
                      ("uten innvandringsbakgrunn", "none"), ("landbakgrunnsgruppe 1", "lbg1"), ("lbg 1", "lbg1"),
                      ("landbakgrunnsgruppe 2", "lbg2"), ("lbg 2", "lbg2"),
                      ("innvandringsbakgrunn", "immigrant_unspecified"),
                      ("ukjent", "undeclared"), ("uoppgitt", "undeclared"), ("ikke oppgitt", "undeclared"))
POPULATION_BACKGROUND_ALIASES = tuple((a, c) for a, c in BACKGROUND_ALIASES if c in POPULATION_BACKGROUND)
POSITION_LEVEL_ALIASES = (("toppleder", "top_leader"), ("toppledelse", "top_leader"), ("leder", "leader"),
                          ("mellomleder", "leader"), ("ansatt", "employee"), ("medarbeider", "employee"))
BOARD_ROLE_ALIASES = (("styreleder", "chair"), ("leder", "chair"), ("nestleder", "deputy_chair"),
                      ("styremedlem", "member"), ("medlem", "member"), ("varamedlem", "deputy_member"),
                      ("vara", "deputy_member"))
COMPANY_FORM_ALIASES = (("annet", "other"), ("annen", "other"))
WAVE_ALIASES = (("før", "pre"), ("etter", "post"))
AD_TEMPLATE_ALIASES = (("inkluderende", "inclusive"),)

# ---------------------------------------------------------------- limits
#: Longest cell (characters) a file may hold; longer is a structural fault.
MAX_CELL_CHARS = 1000
#: Far-future dates that HR and board systems write for "no end" (the usual ``31.12.9999``): in an
#: optional date column they mean open-ended (stored as missing); in a required one they are a fault.
OPEN_ENDED_DATES = ("9999-12-31",)


@dataclass(frozen=True)
class Column:
    """One column of a contract table.

    ``required``: the column must be present in the file. ``nullable``: empty cells allowed.
    ``codes``: the closed list of allowed values (type ``code``). ``minimum``/``maximum``:
    inclusive bounds for numbers. ``default``: value used when an optional column is absent
    or a cell is empty.
    """

    name: str
    type: ColumnType
    required: bool = True
    nullable: bool = False
    codes: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    default: object = None
    description: str = ""
    #: (alias, code) pairs accepted for a ``code`` column (see the ``*_ALIASES`` lists)
    aliases: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ForeignKey:
    """``columns`` of this table must exist as ``ref_columns`` of ``table``."""

    columns: tuple[str, ...]
    table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    required: bool = False
    key: tuple[str, ...] | None = None
    foreign_keys: tuple[ForeignKey, ...] = ()
    description: str = ""
    #: (column, column) pairs where the second must not be before the first (quarantine rule)
    date_order: tuple[tuple[str, str], ...] = field(default=())

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _c(name, type_, *, optional=False, nullable=None, **kw) -> Column:
    """Shorthand: ``optional`` columns may be absent and empty."""
    if nullable is None:
        nullable = optional
    return Column(name, type_, required=not optional, nullable=nullable, **kw)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "units",
            (
                _c("unit_id", "text", description="unique unit (agency, district) key"),
                _c("unit_name", "text"),
                _c("sector", "text", description="the city department (byrådsavdeling) the unit reports to"),
                _c("municipality", "text", optional=True, description="e.g. `0301 Oslo`; default from params"),
            ),
            required=True,
            key=("unit_id",),
            description="Organisational units.",
        ),
        Table(
            "vacancies",
            (
                _c("vacancy_id", "text"),
                _c("unit_id", "text"),
                _c("posted_date", "date", description="the vacancy's year is the year of this date"),
                _c("position_level", "code", codes=POSITION_LEVEL, aliases=POSITION_LEVEL_ALIASES),
                _c("n_positions", "int", optional=True, minimum=1, default=1),
                _c("job_analysis", "bool", optional=True, description="a thorough job analysis was made (pilot 1)"),
                _c("ad_template", "code", optional=True, codes=AD_TEMPLATE, aliases=AD_TEMPLATE_ALIASES,
                   description="measure 3.2"),
                _c("agency", "bool", optional=True, description="a recruitment agency assisted (measure 3.4)"),
                _c("recruiter_trained", "bool", optional=True,
                   description="the recruiting leader took the recruitment course (measure 2.1)"),
                _c("justification_given", "bool", optional=True,
                   description="an active justification was recorded in the recommendation (measure 2.3)"),
            ),
            required=True,
            key=("vacancy_id",),
            foreign_keys=(ForeignKey(("unit_id",), "units", ("unit_id",)),),
            description="Advertised vacancies.",
        ),
        Table(
            "applications",
            (
                _c("application_id", "text"),
                _c("vacancy_id", "text"),
                _c("applicant_id", "text", description="pseudonymous person key, the same person across tables"),
                _c("background", "code", codes=BACKGROUND, aliases=BACKGROUND_ALIASES),
                _c("gender", "code", optional=True, codes=GENDER, aliases=GENDER_ALIASES, default="undeclared"),
                _c("qualified", "bool", description="formally qualified"),
                _c("interviewed", "bool"),
                _c("recommended", "bool", description="in the recommendation (innstilling)"),
                _c("hired", "bool"),
            ),
            required=True,
            key=("application_id",),
            foreign_keys=(ForeignKey(("vacancy_id",), "vacancies", ("vacancy_id",)),),
            description="One row per application, with the stages it reached.",
        ),
        Table(
            "workforce",
            (
                _c("person_id", "text"),
                _c("year", "int", minimum=1900, maximum=2200, description="snapshot at 31 December"),
                _c("unit_id", "text"),
                _c("position_level", "code", codes=POSITION_LEVEL, aliases=POSITION_LEVEL_ALIASES),
                _c("background", "code", codes=BACKGROUND, aliases=BACKGROUND_ALIASES,
                   description="from register data"),
                _c("gender", "code", optional=True, codes=GENDER, aliases=GENDER_ALIASES, default="undeclared"),
            ),
            key=("person_id", "year"),
            foreign_keys=(ForeignKey(("unit_id",), "units", ("unit_id",)),),
            description="One row per person and year (31 December snapshot).",
        ),
        Table(
            "population",
            (
                _c("year", "int", minimum=1900, maximum=2200),
                _c("area", "text", description="municipality, as in units"),
                _c("background", "code", codes=POPULATION_BACKGROUND, aliases=POPULATION_BACKGROUND_ALIASES),
                _c("persons", "int", minimum=0),
            ),
            key=("year", "area", "background"),
            description="Population by background (register data).",
        ),
        Table(
            "boards",
            (
                _c("person_id", "text"),
                _c("board_id", "text", description="the company or foundation"),
                _c("board_name", "text"),
                _c("company_form", "code", codes=COMPANY_FORM, aliases=COMPANY_FORM_ALIASES),
                _c("owner_department", "text", description="the city department that follows up the ownership"),
                _c("appointed_by_municipality", "bool", description="only these seats count towards the targets"),
                _c("role", "code", codes=BOARD_ROLE, aliases=BOARD_ROLE_ALIASES,
                   description="deputy members are not counted in composition"),
                _c("start_date", "date"),
                _c("end_date", "date", optional=True, description="empty = still serving"),
                _c("reappointed", "bool", description="false = a new board member on this board"),
                _c("gender", "code", codes=GENDER, aliases=GENDER_ALIASES),
                _c("background", "code", codes=BACKGROUND, aliases=BACKGROUND_ALIASES),
            ),
            date_order=(("start_date", "end_date"),),
            description="Board seats in companies and foundations the municipality owns.",
        ),
        Table(
            "pilots",
            (
                _c("unit_id", "text"),
                _c("pilot", "code", codes=PILOT),
                _c("start_date", "date"),
                _c("end_date", "date", optional=True),
            ),
            foreign_keys=(ForeignKey(("unit_id",), "units", ("unit_id",)),),
            date_order=(("start_date", "end_date"),),
            description="Units' participation in the four pilots.",
        ),
        Table(
            "mentoring",
            (
                _c("pair_id", "text"),
                _c("mentor_id", "text", description="the employee with immigrant background who mentors"),
                _c("mentee_id", "text", description="the top leader (or member of the top team)"),
                _c("unit_id", "text", description="the mentee's unit"),
                _c("start_date", "date"),
                _c("end_date", "date", optional=True),
            ),
            key=("pair_id",),
            foreign_keys=(ForeignKey(("unit_id",), "units", ("unit_id",)),),
            date_order=(("start_date", "end_date"),),
            description="Reverse-mentoring pairs (pilot 2).",
        ),
        Table(
            "mentoring_survey",
            (
                _c("pair_id", "text"),
                _c("respondent", "code", codes=RESPONDENT),
                _c("wave", "code", codes=WAVE, aliases=WAVE_ALIASES),
                _c("item", "text"),
                _c("score", "int", minimum=1, maximum=5),
            ),
            foreign_keys=(ForeignKey(("pair_id",), "mentoring", ("pair_id",)),),
            description="Survey answers of mentors and mentees before and after.",
        ),
        Table(
            "training",
            (
                _c("person_id", "text"),
                _c("program", "code", codes=PROGRAM),
                _c("start_date", "date"),
                _c("completed", "bool"),
            ),
            description="Participation in training programmes.",
        ),
        Table(
            "maturity",
            (
                _c("municipality", "text"),
                _c("year", "int", minimum=1900, maximum=2200),
                *(
                    _c(name, "int", minimum=0, maximum=2,
                       description="0 = not started, 1 = partly, 2 = in place")
                    for name in CHECKPOINTS
                ),
            ),
            key=("municipality", "year"),
            description="KS's six checkpoints for diversity in leadership, per municipality and year.",
        ),
    )
}

REQUIRED_TABLES = tuple(name for name, t in TABLES.items() if t.required)
#: Order in which tables are validated so that foreign keys resolve.
TABLE_ORDER = tuple(TABLES)


def data_dictionary_markdown() -> str:
    """The contract as a Markdown table (the docs are generated from this)."""
    lines = ["| table | column | type | required | rule |", "| --- | --- | --- | --- | --- |"]
    for t in TABLES.values():
        for i, c in enumerate(t.columns):
            rule = []
            if c.codes:
                rule.append("one of " + ", ".join(f"`{x}`" for x in c.codes))
            if c.minimum is not None:
                rule.append(f">= {c.minimum:g}")
            if c.maximum is not None:
                rule.append(f"<= {c.maximum:g}")
            if t.key and c.name in t.key:
                rule.append("unique" if len(t.key) == 1 else f"unique ({', '.join(t.key)})")
            for fk in t.foreign_keys:
                if c.name in fk.columns:
                    rule.append(f"must exist in {fk.table}")
            if c.default is not None:
                rule.append(f"default {c.default}")
            if c.description:
                rule.append(c.description)
            lines.append(
                f"| {t.name if i == 0 else ''} | {c.name} | {c.type} | "
                f"{'yes' if c.required else 'optional'} | {'; '.join(rule)} |"
            )
    lines += ["", "### Code aliases", "",
              "A code cell is matched ignoring case (and surrounding spaces) against the codes above and these",
              "spellings that HR, payroll and board systems write; the store holds the code.", "",
              "| code list (columns) | alias | code |", "| --- | --- | --- |"]
    lists: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for t in TABLES.values():
        for c in t.columns:
            if c.aliases:
                lists.setdefault(c.aliases, []).append(f"{t.name}.{c.name}")
    for aliases, where in lists.items():
        for j, (alias, code) in enumerate(aliases):
            lines.append(f"| {', '.join(where) if j == 0 else ''} | `{alias}` | `{code}` |")
    lines += ["", "### Limits", "",
              f"- A cell holds at most {MAX_CELL_CHARS:,} characters; a CSV file holds no NUL byte (0x00)."
              .replace(",", " "),
              "- Far-future dates that mean \"no end\": " + ", ".join(f"`{d}`" for d in OPEN_ENDED_DATES) +
              " (also written `" + ", ".join(".".join(reversed(d.split("-"))) for d in OPEN_ENDED_DATES) + "`). "
              "In an optional date column (`end_date`) such a date means open-ended and is stored as missing, like an "
              "empty cell; in a required date column it is a fault. Every other date of the years 1-9999 is a date."]
    return "\n".join(lines)
