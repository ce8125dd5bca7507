"""Reading a model card: its sections, its fenced code blocks, and whether its Python
examples could run as written. Static only: nothing here imports or executes the code.

An import counts as resolvable when it is in the standard library, in `WELL_KNOWN` (the
packages ML examples use, which a user installs as a matter of course), named by the
linked repository's requirements or shipped as one of its modules, or importable here
(`importlib.util.find_spec`, which looks the name up without importing it).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
import textwrap
import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath

from registry.rating.pyparse import parse

PYTHON_LANGS = {"python", "py", "python3", "py3", "ipython", "ipython3", "pycon"}
# Import names of the packages ML examples use, which a user installs as a matter of
# course. Several install under another name: sklearn is scikit-learn, PIL is pillow,
# cv2 is opencv-python, skimage is scikit-image, yaml is pyyaml.
WELL_KNOWN = frozenset({
    "transformers", "torch", "torchvision", "torchaudio", "datasets", "diffusers",
    "sentence_transformers", "tensorflow", "keras", "tf_keras", "jax", "flax", "numpy",
    "pandas", "sklearn", "timm", "accelerate", "peft", "huggingface_hub", "safetensors",
    "tokenizers", "PIL", "scipy", "cv2", "skimage", "librosa", "soundfile", "evaluate",
    "onnxruntime", "optimum", "bitsandbytes", "sentencepiece", "spacy", "nltk", "gensim",
    "matplotlib", "requests", "tqdm", "yaml", "open_clip", "ultralytics", "xgboost",
    "lightgbm", "fastai", "lightning", "pytorch_lightning", "einops", "trl", "vllm",
    "llama_cpp", "gguf", "openai",
})  # fmt: skip


@dataclass(frozen=True)
class CodeBlock:
    lang: str  # first word of the info string, lowercased; "" for a bare fence
    code: str
    line: int  # 1-based line of the opening fence


@dataclass(frozen=True)
class Section:
    title: str
    level: int
    body: str  # up to the next heading of the same or a higher level


@dataclass(frozen=True)
class ExampleCheck:
    code: str  # cleaned: doctest prompts and shell escapes removed
    parses: bool
    error: str | None  # the syntax error, when it does not parse
    imports: tuple[str, ...]  # top-level modules it imports
    unresolved: tuple[str, ...]

    @property
    def runnable(self) -> bool:
        return self.parses and not self.unresolved


@dataclass(frozen=True)
class Requirement:
    name: str  # distribution name as written
    spec: str  # version specifier ("==1.2", ">=2", "") or "lock" for lock files
    source: str  # the file it came from


def strip_front_matter(readme: str) -> str:
    if readme.startswith("---"):
        end = re.search(r"^---\s*$", readme[3:], re.M)
        if end:
            return readme[3 + end.end() :]
    return readme


def _fences(text: str) -> Iterable[tuple[int, int, str]]:
    """(first line, end line, info string) of each fenced block; an unclosed one runs to the end."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^ {0,3}(`{3,}|~{3,})\s*([^`]*)$", lines[i])
        if not m:
            i += 1
            continue
        fence, start = m.group(1), i
        i += 1
        while i < len(lines) and not re.match(
            rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$", lines[i]
        ):
            i += 1
        yield start, i, m.group(2).strip()
        i += 1


def code_blocks(readme: str) -> list[CodeBlock]:
    lines = readme.splitlines()
    return [
        CodeBlock(info.split()[0].lower().strip("{}.") if info else "",
                  "\n".join(lines[start + 1 : end]), start + 1)
        for start, end, info in _fences(readme)
    ]  # fmt: skip


def without_code(text: str) -> str:
    """The text with fenced blocks blanked, so prose and headings can be read alone."""
    lines = text.splitlines()
    for start, end, _ in _fences(text):
        lines[start : end + 1] = [""] * (min(end, len(lines) - 1) - start + 1)
    return "\n".join(lines)


# A URL ends at a space, a closing bracket, a quote, or text in another script (a card in
# Japanese runs its sentence on right after the URL).
LINK = re.compile(r"https?://[^\s)\]>\"'<\u0080-\U0010ffff]+")
_NOT_PROSE = re.compile(r"^\s*(#|\||<|!\[|[-=*_]{3,}\s*$)")


# Letters of scripts written without spaces (Chinese, Japanese): about two make a word.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[^\W\d_][^\W\d_'-]*[^\W\d_]")  # two letters or more, any script


def prose_words(text: str) -> int:
    """Words of running text in any language: code, headings, tables, HTML, links and the
    hub template's "[More Information Needed]" fillers left out."""
    words = 0
    for line in without_code(strip_front_matter(text)).splitlines():
        if _NOT_PROSE.match(line) or "more information needed" in line.lower():
            continue
        line = LINK.sub(" ", line)  # noqa: PLW2901
        unspaced = len(_UNSPACED.findall(line))
        words += len(_WORD.findall(_UNSPACED.sub(" ", line))) + unspaced // 2
    return words


def sections(readme: str) -> list[Section]:
    """ATX headings (`## Usage`) outside code blocks, with the text each one covers."""
    lines = strip_front_matter(readme).splitlines()
    prose = without_code("\n".join(lines)).splitlines()
    heads = [
        (i, len(m.group(1)), m.group(2).strip().strip("#").strip())
        for i, line in enumerate(prose)
        if (m := re.match(r"^ {0,3}(#{1,6})\s+(.+)$", line))
    ]
    found = []
    for n, (i, level, title) in enumerate(heads):
        end = next((j for j, lv, _ in heads[n + 1 :] if lv <= level), len(lines))
        found.append(Section(title, level, "\n".join(lines[i + 1 : end])))
    return found


def clean(code: str) -> str:
    """Drop doctest output and prompts, notebook magics and shell escapes (`!pip install`)."""
    lines = code.splitlines()
    if any(line.lstrip().startswith(">>>") for line in lines):
        lines = [line.lstrip()[4:] for line in lines if line.lstrip().startswith((">>>", "..."))]
    lines = [line for line in lines if not line.lstrip().startswith(("!", "%"))]
    return textwrap.dedent("\n".join(lines)).strip("\n")


def _parse(code: str) -> ast.Module | None:
    try:
        return parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def python_examples(readme: str) -> list[str]:
    """Python blocks (tagged as Python, or bare fences that parse as code), cleaned."""
    found = []
    for block in code_blocks(readme):
        code = clean(block.code)
        if not code.strip():
            continue
        if block.lang in PYTHON_LANGS:
            found.append(code)
        elif block.lang == "" and (tree := _parse(code)) is not None:
            # A bare word parses as Python too: ask for a statement that does something.
            kinds = (ast.Import, ast.ImportFrom, ast.Call, ast.Assign, ast.FunctionDef)
            if any(isinstance(node, kinds) for node in ast.walk(tree)):
                found.append(code)
    return found


def canonical(dist: str) -> str:
    """PEP 503 name: lower case, runs of `-_.` as one dash."""
    return re.sub(r"[-_.]+", "-", dist).lower()


@lru_cache(maxsize=1024)
def _importable_here(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def resolvable(module: str, known: Collection[str] = ()) -> bool:
    """Whether an import of `module` can succeed; `known`: distributions or module names."""
    top = module.split(".", maxsplit=1)[0]
    if top in sys.stdlib_module_names or top in WELL_KNOWN:
        return True
    names = {canonical(k) for k in known}
    name = canonical(top)
    if names & {name, f"python-{name}", f"{name}-python", f"py{name}"}:
        return True
    return top.isidentifier() and _importable_here(top)


def check_example(code: str, known: Collection[str] = ()) -> ExampleCheck:
    try:
        tree = parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as err:
        where = f" (line {err.lineno})" if isinstance(err, SyntaxError) else ""
        return ExampleCheck(code, False, f"{type(err).__name__}{where}", (), ())
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules += [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            # A relative import needs a package around the snippet: it cannot run alone.
            modules.append("." if node.level else (node.module or "").split(".")[0])
    imports = tuple(dict.fromkeys(modules))
    unresolved = tuple(m for m in imports if m == "." or not resolvable(m, known))
    return ExampleCheck(code, True, None, imports, unresolved)


def check_examples(readme: str, known: Collection[str] = ()) -> tuple[ExampleCheck, ...]:
    return tuple(check_example(code, known) for code in python_examples(readme))


def runnable_example(readme: str) -> str | None:
    """The snippet most worth executing: runnable first, then one that uses an ML
    package, then the longest (the full usage example rather than a fragment)."""
    checks = check_examples(readme)
    parsed = [c for c in checks if c.parses]
    if not parsed:
        return None
    best = max(
        parsed,
        key=lambda c: (c.runnable, any(m in WELL_KNOWN for m in c.imports), len(c.code)),
    )
    return best.code


_REQ_LINE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;#]*)")


def _requirement(line: str, source: str) -> Requirement | None:
    if egg := re.search(r"#egg=([A-Za-z0-9._-]+)", line):
        return Requirement(egg.group(1), "", source)
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith(("-", "git+", "http")):
        return None
    m = _REQ_LINE.match(line)
    return Requirement(m.group(1), m.group(3).strip(), source) if m else None


def _pyproject(text: str) -> list[str]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    project = data.get("project", {})
    lines = [project.get("dependencies", [])]
    lines += list(project.get("optional-dependencies", {}).values())
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
    lines.append(
        [f"{name}{spec if isinstance(spec, str) else ''}" for name, spec in poetry.items()]
    )
    return [d for group in lines if isinstance(group, list) for d in group if isinstance(d, str)]


def _conda(text: str) -> list[str]:
    # conda's "numpy=1.21" pins a release series; read it as an exact pin.
    specs = re.findall(r"^\s*-\s+([A-Za-z0-9][^\s:]*)\s*$", text, re.M)
    return [s if "==" in s else s.replace("=", "==", 1) for s in specs]


LOCK_FILES = {"poetry.lock", "pipfile.lock", "uv.lock", "pdm.lock", "conda-lock.yml",
              "requirements.lock", "pixi.lock"}  # fmt: skip


def requirements(files: Mapping[str, str]) -> list[Requirement]:
    """Dependencies a repository declares: requirements*.txt, pyproject.toml, setup.py,
    environment.yml. A lock file yields one entry with spec "lock"."""
    found: list[Requirement | None] = []
    for path, text in sorted(files.items()):
        name = PurePosixPath(path).name.lower()
        if name in LOCK_FILES:
            found.append(Requirement(name, "lock", path))
        elif name.startswith("requirements") and name.endswith((".txt", ".in")):
            found += [_requirement(line, path) for line in text.splitlines()]
        elif name == "pyproject.toml":
            found += [_requirement(line, path) for line in _pyproject(text)]
        elif name == "setup.py" and (
            m := re.search(r"install_requires\s*=\s*\[(.*?)\]", text, re.S)
        ):
            found += [_requirement(s, path) for s in re.findall(r"[\"']([^\"']+)[\"']", m.group(1))]
        elif name in {"environment.yml", "environment.yaml"}:
            found += [_requirement(line, path) for line in _conda(text)]
    return [r for r in found if r is not None]
