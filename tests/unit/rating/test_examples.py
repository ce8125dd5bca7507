"""Reading cards: fences, sections, example checks, requirements."""

from __future__ import annotations

from registry.rating.examples import (
    check_example,
    check_examples,
    clean,
    code_blocks,
    prose_words,
    python_examples,
    requirements,
    runnable_example,
    sections,
    strip_front_matter,
)

CARD = """---
license: mit
---
# Model

Some words about the model.

## Usage

```python
from transformers import pipeline
pipe = pipeline("text-classification")
```

```
>>> import torch
>>> x = torch.ones(2)
>>> x
tensor([1., 1.])
```

```bash
pip install transformers
```

### Notes
## Results
"""


def test_front_matter_is_stripped() -> None:
    assert strip_front_matter(CARD).lstrip().startswith("# Model")
    assert strip_front_matter("no front matter") == "no front matter"


def test_code_blocks_and_languages() -> None:
    blocks = code_blocks(CARD)
    assert [b.lang for b in blocks] == ["python", "", "bash"]
    assert "pipeline" in blocks[0].code


def test_sections_nest_and_ignore_headings_in_code() -> None:
    found = {s.title: s for s in sections(CARD + "```\n# not a heading\n```\n")}
    assert set(found) == {"Model", "Usage", "Notes", "Results"}
    assert "pipeline" in found["Usage"].body
    assert "### Notes" in found["Usage"].body  # a subsection belongs to its parent
    assert "Results" not in found["Usage"].body


def test_doctest_prompts_and_shell_escapes_are_cleaned() -> None:
    assert clean(">>> import os\n>>> os.getcwd()\n'/tmp'") == "import os\nos.getcwd()"
    assert clean("!pip install torch\nimport torch") == "import torch"


def test_python_examples_include_bare_fences_that_are_code_only() -> None:
    examples = python_examples(CARD + "```\njust some words here\n```\n")
    assert len(examples) == 2
    assert examples[1].startswith("import torch")


def test_check_example_resolves_stdlib_and_well_known_packages() -> None:
    check = check_example("import os\nimport transformers\nfrom sklearn import svm")
    assert check.parses
    assert check.runnable
    assert check.imports == ("os", "transformers", "sklearn")


def test_unknown_imports_and_syntax_errors_are_not_runnable() -> None:
    missing = check_example("import zz_surely_not_a_module_42")
    assert missing.parses
    assert missing.unresolved == ("zz_surely_not_a_module_42",)
    assert not missing.runnable
    broken = check_example("def f(:\n")
    assert not broken.parses
    assert broken.error is not None
    assert not check_example("from .model import Net").runnable


def test_requirements_make_imports_resolvable() -> None:
    code = "import zz_custom_pkg"
    assert not check_example(code).runnable
    assert check_example(code, known={"zz-custom-pkg"}).runnable


def test_runnable_example_prefers_runnable_ml_snippets() -> None:
    card = (
        "```python\nimport zz_surely_not_a_module_42\nzz_surely_not_a_module_42.go()\n```\n"
        "```python\nprint('hi')\n```\n"
        "```python\nfrom transformers import pipeline\np = pipeline('x')\n```\n"
    )
    assert runnable_example(card) == "from transformers import pipeline\np = pipeline('x')"
    assert runnable_example("no code here") is None
    assert runnable_example("```python\ndef f(:\n```\n") is None
    assert len(check_examples(card)) == 3


def test_requirements_from_every_manifest() -> None:
    reqs = requirements(
        {
            "requirements.txt": "torch==2.0  # pinned\nnumpy>=1.2\n-r dev.txt\n",
            "pyproject.toml": '[project]\ndependencies = ["requests==2.31"]\n',
            "setup.py": "setup(install_requires=['pyyaml', \"tqdm>=4\"])",
            "poetry.lock": "",
        }
    )
    assert {(r.name, r.spec) for r in reqs} == {
        ("torch", "==2.0"),
        ("numpy", ">=1.2"),
        ("requests", "==2.31"),
        ("pyyaml", ""),
        ("tqdm", ">=4"),
        ("poetry.lock", "lock"),
    }


def test_prose_words_ignore_code_tables_and_template_fillers() -> None:
    text = "One two three.\n\n```\nfour five\n```\n| six | seven |\n[More Information Needed]\n"
    assert prose_words(text) == 3
