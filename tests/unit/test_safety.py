import pytest

from registry.domain.errors import BadRequest
from registry.sources.safety import is_under, safe_relpath


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a/b.txt", "a/b.txt"),
        ("./a//b.txt", "a/b.txt"),
        ("dir\\file.bin", "dir/file.bin"),
        ("模型/权重.bin", "模型/权重.bin"),
    ],
)
def test_safe_names_are_normalised(raw: str, clean: str) -> None:
    assert safe_relpath(raw) == clean


@pytest.mark.parametrize(
    "raw",
    ["../evil", "a/../../evil", "/etc/passwd", "C:/Windows/x", "..\\..\\x", "a\x00b", "", "./"],
)
def test_escaping_or_odd_names_are_refused(raw: str) -> None:
    with pytest.raises(BadRequest):
        safe_relpath(raw)


def test_is_under() -> None:
    assert is_under("a/b", None)
    assert is_under("a/b", "a")
    assert is_under("a", "a")
    assert not is_under("ab/c", "a")
