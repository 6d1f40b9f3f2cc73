"""Generated municipalities through the whole pipeline with the real command line, then attacked.

``MANGFOLD_GEN_N`` (default 25) generated municipalities (seeds ``MANGFOLD_GEN_SEED`` ..., default
1000) go through ``mangfold ingest`` + ``mangfold run``:

* all but two of them together in one export folder (distinct municipality codes and ids), run once
  with ``--municipality all --years 2024-2025``: one report per municipality and year plus the
  national report;
* the last two each on their own, as a user with one municipality runs it:
  ``mangfold run --data DIR --years A-B`` over (up to three of) the years the data has.

Every run must exit 0 and publish folders that ``mangfold audit`` passes, or exit 2 with a message a
user can act on; exit 1 (an audit that fails on valid input, a crash) fails the test. Then the
independent attacker (:mod:`tests.generative.attacker`) reads only the ``public/`` folders and must
recover nothing. Failure messages name the seeds, the edges each seed chose and the output's tail.

``@pytest.mark.slow`` ``test_many_generated_municipalities``: ``MANGFOLD_GEN_SLOW_N`` (default 200)
municipalities in one ``--municipality all`` run for 2025.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.generative.attacker import attack
from tests.generative.municipalities import describe, generate, write_batch, write_municipality

ROOT = Path(__file__).resolve().parents[2]
MANGFOLD = str(Path(sys.executable).with_name("mangfold"))
PARAMS = ROOT / "params" / "default.yaml"
N = int(os.environ.get("MANGFOLD_GEN_N", "25"))
SEED0 = int(os.environ.get("MANGFOLD_GEN_SEED", "1000"))
SLOW_N = int(os.environ.get("MANGFOLD_GEN_SLOW_N", "200"))
N_SINGLE = 2 if N >= 4 else 0
BATCH_SEEDS = list(range(SEED0, SEED0 + N - N_SINGLE))
SINGLE_SEEDS = list(range(SEED0 + N - N_SINGLE, SEED0 + N))
TIMEOUT = 1800
#: the batch reports one year (time: every report costs its notebooks); the single runs cover several years
BATCH_YEARS = os.environ.get("MANGFOLD_GEN_YEARS", "2025")

pytestmark = [pytest.mark.xdist_group("generated"), pytest.mark.slow]


@dataclass
class Run:
    """One ``mangfold`` run over generated data."""

    label: str
    out: Path
    edges: dict[int, dict]  # seed -> edges
    steps: list[tuple[list[str], int, str]] = field(default_factory=list)  # (argv, rc, output)
    seconds: float = 0.0

    @property
    def rc(self) -> int:
        return next((rc for _, rc, _ in self.steps if rc != 0), 0)

    def tail(self, n: int = 3000) -> str:
        return "\n".join(f"$ mangfold {' '.join(a)}  -> exit {rc}\n{o[-n:]}" for a, rc, o in self.steps)

    def seeds_of(self, path: str) -> list[int]:
        """The seeds behind a file of the output (by the municipality code in its folder)."""
        first = Path(path).parts[0] if Path(path).parts else ""
        hits = [s for s, e in self.edges.items() if first[:4] == e["municipality"][:4]]
        return hits or sorted(self.edges)

    def explain(self, seeds=None) -> str:
        seeds = sorted(self.edges) if seeds is None else seeds
        return "\n".join(f"  seed {s}: {describe(self.edges[s])}" for s in seeds)


def _mangfold(run: Run, *args: str) -> int:
    argv = [str(a) for a in args]
    p = subprocess.run([MANGFOLD, *argv], capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT,
                       env={**os.environ, "PYTHONHASHSEED": "0"})
    run.steps.append((argv, p.returncode, p.stdout + p.stderr))
    return p.returncode


def _batch(base: Path, seeds: list[int], years: str, label: str) -> Run:
    data, store, out = base / "data", base / "store.duckdb", base / "out"
    run = Run(label, out, write_batch(data, seeds))
    t0 = time.perf_counter()
    if _mangfold(run, "ingest", data, "--store", store, "--params", PARAMS) == 0:
        _mangfold(run, "run", "--years", years, "--store", store, "--out", out, "--params", PARAMS,
                  "--municipality", "all", "--jobs", "2")
    run.seconds = time.perf_counter() - t0
    return run


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory) -> Run:
    if not BATCH_SEEDS:
        pytest.skip("MANGFOLD_GEN_N too small for a batch")
    return _batch(tmp_path_factory.mktemp("gen-batch"), BATCH_SEEDS, BATCH_YEARS, "batch")


# seed -> reason, for a generated municipality that meets a known open defect (its tests are
# expected to fail until it is fixed). Seeds 1023 and 1024 (marks alone pinning small counts) were
# fixed by letting ":" hide any value, a small count included.
KNOWN_DEFECTS: dict[int, str] = {}


@pytest.fixture(scope="module", params=SINGLE_SEEDS, ids=[f"seed{s}" for s in SINGLE_SEEDS])
def single_run(request, tmp_path_factory) -> Run:
    seed = request.param
    base = tmp_path_factory.mktemp(f"gen-single-{seed}")
    edges = write_municipality(base / "data", seed)
    y0, y1 = edges["years"]
    y0 = max(y0, y1 - 2)
    run = Run(f"single {seed}", base / "out", {seed: edges})
    t0 = time.perf_counter()
    _mangfold(run, "run", "--years", f"{y0}-{y1}", "--data", base / "data", "--store", base / "s.duckdb",
              "--out", run.out, "--params", PARAMS, "--jobs", "2")
    run.seconds = time.perf_counter() - t0
    return run


@pytest.fixture(autouse=True)
def _known_defect(request):
    """Mark the tests of a seed with a known open defect as expected to fail (not strict: a fix
    shows as XPASS)."""
    seed = getattr(request.node, "callspec", None) and request.node.callspec.params.get("single_run")
    if seed in KNOWN_DEFECTS:
        request.node.add_marker(pytest.mark.xfail(reason=f"seed {seed}: {KNOWN_DEFECTS[seed]}", strict=False))


# ------------------------------------------------------------------ checks
def _public_folders(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("public") if p.is_dir())


def check_exit(run: Run) -> None:
    rc = run.rc
    msg = f"{run.label}: exit {rc}\nseeds and edges:\n{run.explain()}\n--- output tail ---\n{run.tail()}"
    assert rc in (0, 2), msg
    if rc == 2:  # bad input: a message that names what to fix, no traceback
        text = run.steps[-1][2]
        assert text.strip() and "Traceback" not in text, msg
        pytest.xfail(f"{run.label}: generated data rejected with exit 2 (valid by construction?)\n{msg}")
    assert _public_folders(run.out), msg


def check_audit(run: Run) -> None:
    from mangfold.cli import main

    failed = []
    for pub in _public_folders(run.out):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
            rc = main(["audit", str(pub)])
        if rc != 0:
            rel = str(pub.relative_to(run.out))
            failed.append(f"{rel}: exit {rc} (seeds {run.seeds_of(rel)})\n{buf.getvalue()[-1500:]}")
    assert not failed, f"{run.label}: mangfold audit failed on published folders:\n" + "\n".join(failed) + \
        f"\nseeds and edges:\n{run.explain()}"


def check_attacker(run: Run) -> None:
    result = attack(run.out)
    if result.notes:
        print(f"{run.label}: complementary cells shown in another report ({len(result.notes)}):", *result.notes[:20],
              sep="\n  ")
    if result.findings:
        seeds = sorted({s for f in result.findings for s in run.seeds_of(f.file)})
        lines = [f"  {f}  (seeds {run.seeds_of(f.file)})" for f in result.findings[:80]]
        more = len(result.findings) - len(lines)
        pytest.fail(f"{run.label}: the attacker recovered hidden counts ({len(result.findings)} findings)"
                    + (f", first {len(lines)} shown" if more > 0 else "") + ":\n" + "\n".join(lines)
                    + f"\nseeds and edges:\n{run.explain(seeds)}", pytrace=False)


def check_narrative(run: Run) -> None:
    sus = attack(run.out).narrative
    assert not sus, f"{run.label}: report text with small person counts:\n" + \
        "\n".join(f"  {f}  (seeds {run.seeds_of(f.file)})" for f in sus[:40])


# ------------------------------------------------------------------ tests
def test_generator_is_deterministic_and_varied():
    a, ea = generate(SEED0)
    b, eb = generate(SEED0)
    assert ea == eb and all(a[k].equals(b[k]) for k in a)
    edges = [generate(s)[1] for s in range(SEED0, SEED0 + max(N, 25))]
    seen = {
        "one unit": any(e["n_units"] == 1 for e in edges),
        "one vacancy a year": any(e["vacancies_per_year"] == 1 for e in edges),
        "no lbg2 applicants": any(e["no_lbg2_applicants"] for e in edges),
        "all qualified": any(e["all_qualified"] for e in edges),
        "all interviewees hired": any(e["all_interviewees_hired"] for e in edges),
        "inconsistent rows": any(e["inconsistent_rows"] for e in edges),
        "pilots in the future": any(e["pilots"] == "future" for e in edges),
        "no pilots": any(e["pilots"] == "none" for e in edges),
        "boards": any(e["boards"] for e in edges),
        "optional missing": any(e["missing_optional"] for e in edges),
        "two years": any(e["n_years"] == 2 for e in edges),
    }
    assert all(seen.values()), [k for k, v in seen.items() if not v]


def test_batch_exits_0_or_2(batch_run):
    print(f"batch of {len(BATCH_SEEDS)} municipalities: {batch_run.seconds:.0f} s")
    check_exit(batch_run)


def test_batch_publishes_one_report_per_municipality_and_year(batch_run):
    check_exit(batch_run)
    for seed, e in batch_run.edges.items():
        folders = [p for p in batch_run.out.iterdir() if p.name[:4] == e["municipality"][:4]]
        assert folders, f"no report folder for seed {seed} ({e['municipality']})\n{batch_run.tail()}"
        years = BATCH_YEARS.split("-")
        # the years of the run that the municipality has data for (a year before its first is left out)
        first = max(int(years[0]), e["years"][0])
        assert all((folders[0] / str(y) / "public" / "report.html").is_file()
                   for y in range(first, int(years[-1]) + 1)), \
            f"seed {seed}: {describe(e)}"
    assert (batch_run.out / "national").is_dir()


def test_batch_audit_passes(batch_run):
    check_exit(batch_run)
    check_audit(batch_run)


def test_batch_attacker_recovers_nothing(batch_run):
    check_exit(batch_run)
    check_attacker(batch_run)


def test_batch_report_text_has_no_small_counts(batch_run):
    check_exit(batch_run)
    check_narrative(batch_run)


def test_single_exits_0_or_2(single_run):
    print(f"{single_run.label}: {single_run.seconds:.0f} s")
    check_exit(single_run)


def test_single_audit_passes(single_run):
    check_exit(single_run)
    check_audit(single_run)


def test_single_attacker_recovers_nothing(single_run):
    check_exit(single_run)
    check_attacker(single_run)


def test_single_report_text_has_no_small_counts(single_run):
    check_exit(single_run)
    check_narrative(single_run)


@pytest.mark.stress
def test_many_generated_municipalities(tmp_path_factory):
    seeds = list(range(SEED0 + 10_000, SEED0 + 10_000 + SLOW_N))
    run = _batch(tmp_path_factory.mktemp("gen-many"), seeds, "2025", f"{SLOW_N} municipalities")
    check_exit(run)
    check_audit(run)
    check_attacker(run)
    check_narrative(run)



# Defects that generated data found, each kept as a run of its own: (seed, index in the batch's list of
# municipalities, years) -> what went wrong.
REGRESSIONS: dict[tuple[int, int, str], str] = {
    (1207, 7, "2024"): "1508 Ålesund, 8 applications: the plan across tables chased the complementary cells that "
                       "each table chose again around the new ones; after three passes the audit refused the year",
}


@pytest.mark.parametrize("case", sorted(REGRESSIONS), ids=[f"seed{s}" for s, _, _ in sorted(REGRESSIONS)])
def test_found_defects_stay_fixed(case, tmp_path):
    seed, index, years = case
    base = tmp_path
    run = Run(f"regression {seed}", base / "out", write_batch(base / "data", [seed], start_index=index))
    _mangfold(run, "run", "--years", years, "--data", base / "data", "--store", base / "s.duckdb",
              "--out", run.out, "--params", PARAMS, "--jobs", "2")
    assert run.rc == 0, f"{REGRESSIONS[case]}\n{run.tail()}"
    check_exit(run)
    check_audit(run)
    check_attacker(run)
    check_narrative(run)
