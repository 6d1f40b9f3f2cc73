"""The project's own promises: dependency lists in step, docs generated from the schemas,
README commands true, notebooks thin and output-free, every command has --help."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from mangfold.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req.strip(), maxsplit=1)[0].lower()


def test_environment_yml_lists_the_same_packages_as_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    deps = py["project"]["dependencies"] + py["project"]["optional-dependencies"]["test"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))]
    assert sorted(map(_name, deps)) == sorted(map(_name, conda))
    for d in deps + conda:
        assert ">=" in d and "==" not in d, f"{d}: lower bounds, no exact pins"
    for pkg in ("jupyterlab", "papermill", "pandas", "seaborn", "statsmodels", "nbconvert"):
        assert pkg in map(_name, deps)


def test_data_contract_doc_is_generated_from_schemas():
    sys.path.insert(0, str(ROOT))
    import os

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        from tools.build_docs import render

        assert (ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8") == render(), \
            "docs/data-contract.md is stale: run `python -m tools.build_docs`"
    finally:
        os.chdir(cwd)


def test_every_command_has_help(capsys):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) >= {"demo-data", "ingest", "run", "audit"}
    for name in sub.choices:
        with pytest.raises(SystemExit) as e:
            main([name, "--help"])
        assert e.value.code == 0
        out = capsys.readouterr().out
        assert "usage: mangfold " + name in out and len(out) > 200


def test_bad_arguments_exit_2():
    with pytest.raises(SystemExit) as e:
        main(["run", "--years", "soon"])
    assert e.value.code == 2


def test_readme_shows_the_two_commands_first_and_they_exist_in_the_makefile():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```")[1]
    assert "make report" in first_block and "make test" in first_block
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"^\s*make ([a-z-]+)", readme, flags=re.M):
        assert re.search(rf"^{target}:", make, flags=re.M), f"README mentions `make {target}` but Makefile lacks it"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
    # every `mangfold ...` command line in the README parses
    parser = build_parser()
    for line in re.findall(r"^\s*(mangfold [^\n#]+)", readme, flags=re.M):
        args = line.split()[1:]
        if "--help" in args:
            continue
        parser.parse_args(args)


def test_notebooks_are_thin_and_output_free():
    nbs = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert nbs
    for nb in nbs:
        data = json.loads(nb.read_text(encoding="utf-8"))
        tagged = [c for c in data["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{nb.name}: exactly one parameters cell"
        src = "".join(tagged[0]["source"])
        for p in ("year", "store", "params", "out"):
            assert re.search(rf"^{p} = ", src, flags=re.M), f"{nb.name}: parameter {p}"
        for c in data["cells"]:
            if c["cell_type"] == "code":
                s = "\n" + "".join(c["source"])
                assert not c.get("outputs"), f"{nb.name}: stored outputs"
                assert "\ndef " not in s and "\nclass " not in s, f"{nb.name}: def/class belongs in the package"
                assert "SELECT " not in s.upper() or "query(" not in s, f"{nb.name}: SQL belongs in analyses"
        assert re.match(r"^\d\d-[a-z0-9-]+\.ipynb$", nb.name)


def test_console_script_runs():
    r = subprocess.run([sys.executable, "-m", "mangfold", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "demo-data" in r.stdout


def test_lock_pins_every_package_and_make_installs_from_it():
    """requirements.lock (made by `make lock`) pins every package `.[test]` installs, once, sorted, and
    make setup / CI install with it as constraints."""
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    header = [line for line in lock if line.startswith("#")]
    assert any("make lock" in line for line in header) and any("Python 3.11." in line for line in header), \
        "requirements.lock: the header says how it was made (make lock) and with which Python (3.11)"
    pins = [line for line in lock if line.strip() and not line.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[^\s=]+", p) for p in pins), "name==version lines only"
    names = [re.sub(r"[-_.]+", "-", _name(p)) for p in pins]
    assert names == sorted(names) and len(set(names)) == len(names), "sorted by name, each package once"
    assert "mangfold" not in names, "the project itself is not in the lock"
    py = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    deps = py["project"]["dependencies"] + py["project"]["optional-dependencies"]["test"]
    missing = [d for d in deps if re.sub(r"[-_.]+", "-", _name(d)) not in names]
    assert not missing, f"requirements.lock lacks {missing}: run `make lock`"
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"pip install .*-c \$\(LOCK\) -e \"\.\[test\]\"", make) and "LOCK   := requirements.lock" in make
    assert re.search(r"^\$\(STAMP\): .*\$\(LOCK\)", make, flags=re.M), "the venv is rebuilt when the lock changes"
    assert re.search(r"^lock:", make, flags=re.M) and re.search(r"^test-fast:", make, flags=re.M)
    assert "requirements.lock" in (ROOT / "environment.yml").read_text(encoding="utf-8")


def test_xdist_loadgroup_keeps_a_group_on_one_worker(tmp_path):
    """``make test`` runs ``pytest -n 2 --dist loadgroup``: the tests that share the demo run or a
    generated batch carry one ``xdist_group`` so that one worker builds it. Some pytest/xdist pairs
    silently ignore the mark (pytest 9.2 with xdist 3.8: pytest-xdist#1386) and every worker then
    builds it again; this fails loudly instead."""
    (tmp_path / "test_grouped.py").write_text(
        "import os, pytest\n"
        "@pytest.mark.xdist_group('g')\n"
        "@pytest.mark.parametrize('i', range(6))\n"
        "def test_a(i):\n"
        "    open(os.path.join(os.path.dirname(__file__), 'workers.txt'), 'a').write("
        "os.environ.get('PYTEST_XDIST_WORKER', '-') + '\\n')\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup", "-p",
                        "no:cacheprovider", str(tmp_path / "test_grouped.py")], cwd=tmp_path, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    workers = set((tmp_path / "workers.txt").read_text(encoding="utf-8").split())
    assert len(workers) == 1, f"one xdist_group ran on {sorted(workers)}: loadgroup does not group"
