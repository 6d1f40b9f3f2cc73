"""Regenerate docs/data-contract.md from the schemas (tests check it is up to date)."""
from pathlib import Path

from mangfold.contract.schemas import data_dictionary_markdown

HEAD = Path("docs/_data-contract-head.md").read_text(encoding="utf-8")
TAIL = Path("docs/_data-contract-tail.md").read_text(encoding="utf-8")


def render() -> str:
    return HEAD + "\n" + data_dictionary_markdown() + "\n\n" + TAIL


if __name__ == "__main__":
    Path("docs/data-contract.md").write_text(render(), encoding="utf-8")
    print("wrote docs/data-contract.md")
