"""mangfold._deferred: importing mangfold and then nbformat does not compile rfc3987_syntax's grammar,
and jsonschema's ``iri`` format check answers as with the real module imported at once.

Each check runs in a fresh interpreter (the test process has imported its modules already)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("rfc3987_syntax")

VALUES = ["http://example.org/ä", "not an iri", "ftp://x", "", "urn:isbn:0451450523", "http://[::1]:80/a?b#c",
          "a b", "http://exa mple.org", "//relative", "mailto:ola@example.no", "http://例え.テスト/パス", 5]

CHECK = f"""
import json, sys
{{first}}
import nbformat, jsonschema
loaded_at_import = 'lark' in sys.modules
answers = [jsonschema.FormatChecker().conforms(v, 'iri') for v in {VALUES!r}]
print(json.dumps({{{{"loaded_at_import": loaded_at_import, "answers": answers,
                  "loaded_after": 'lark' in sys.modules,
                  "real": type(sys.modules['rfc3987_syntax']).__name__ == 'module'}}}}))
"""


def _run(first: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHECK.format(first=first)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_nbformat_after_mangfold_does_not_compile_the_grammar_and_iri_answers_the_same():
    plain = _run("")                   # jsonschema as it is: the grammar compiled at import
    deferred = _run("import mangfold")  # the stand-in
    assert plain["loaded_at_import"], "jsonschema no longer imports rfc3987_syntax: mangfold._deferred can go"
    assert not deferred["loaded_at_import"], "importing nbformat after mangfold compiled the grammar again"
    assert deferred["answers"] == plain["answers"]
    assert True in plain["answers"] and False in plain["answers"]  # the values tell valid from invalid
    assert deferred["loaded_after"] and deferred["real"]  # the first check imported the real module


def test_stand_in_gives_the_real_module_names_submodules_and_spec():
    code = """
import importlib.util, sys
import mangfold
m = sys.modules['rfc3987_syntax']
assert type(m).__name__ == '_StandIn', type(m)
assert importlib.util.find_spec('rfc3987_syntax') is not None
import rfc3987_syntax.utils  # a submodule imports through the stand-in's path
assert 'lark' not in sys.modules
from rfc3987_syntax import parse  # any other name: the real module
assert parse('iri', 'http://example.org/').data == 'iri'
assert type(sys.modules['rfc3987_syntax']).__name__ == 'module'
print('ok')
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
