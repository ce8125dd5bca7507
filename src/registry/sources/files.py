"""What a file is (its role) and which weight files to keep.

Pure functions over paths, so they are unit-tested without any I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import PurePosixPath

from registry.domain.models import ArtifactType, FileRole

# Weight formats in order of preference. Safetensors first: it cannot execute code
# on load (pickle-based .bin/.pt can) and it memory-maps quickly.
WEIGHT_FORMATS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("safetensors", (".safetensors",)),
    ("pytorch", (".bin", ".pt", ".pth")),
    ("tensorflow", (".h5",)),
    ("flax", (".msgpack",)),
    ("rust", (".ot",)),
    ("onnx", (".onnx",)),
    ("tflite", (".tflite",)),
    ("coreml", (".mlmodel",)),
)
# Other files that are weights but not alternative encodings of the same tensors:
# kept as they are (a GGUF repo's quantisation levels are different models).
_OTHER_WEIGHTS = {
    ".gguf",
    ".ggml",
    ".ckpt",
    ".npz",
    ".npy",
    ".pkl",
    ".pickle",
    ".joblib",
    ".keras",
    ".pb",
    ".params",
    ".caffemodel",
    ".nemo",
    ".engine",
    ".trt",
    ".llamafile",
    ".mar",
}
_TOKENIZER_NAMES = {
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "vocab.txt",
    "merges.txt",
    "tokenizer.model",
    "spiece.model",
    "sentencepiece.bpe.model",
    "spm.model",
    "preprocessor_config.json",
}
_CODE_EXT = {
    ".py", ".pyi", ".ipynb", ".js", ".ts", ".tsx", ".jsx", ".c", ".cc", ".cpp", ".h",
    ".hpp", ".cu", ".go", ".rs", ".java", ".kt", ".scala", ".rb", ".sh", ".bash",
    ".r", ".jl", ".lua", ".swift", ".m", ".cs", ".php", ".pl",
}  # fmt: skip
_CODE_NAMES = {
    "makefile", "dockerfile", "requirements.txt", "setup.py", "setup.cfg",
    "pyproject.toml", "environment.yml", "environment.yaml", "cmakelists.txt",
    "package.json", "cargo.toml", "go.mod", "pipfile", "poetry.lock",
}  # fmt: skip
_CONFIG_EXT = {".json", ".yaml", ".yml", ".toml", ".cfg", ".ini", ".conf"}
_CONFIG_NAMES = {".gitattributes", ".gitignore", ".gitmodules"}
_DATA_EXT = {
    ".parquet", ".arrow", ".csv", ".tsv", ".jsonl", ".ndjson", ".feather", ".avro",
    ".tfrecord", ".tar", ".gz", ".zst", ".zip", ".xz", ".bz2", ".7z", ".wav", ".mp3",
    ".flac", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff",
    ".mp4", ".avi", ".txt", ".xml", ".sqlite", ".db", ".hdf5", ".lmdb",
}  # fmt: skip
_DOC_EXT = {".md", ".rst", ".txt", ".pdf", ".html", ".htm", ".adoc"}
_DOC_STEMS = {"readme", "license", "licence", "copying", "notice", "changelog", "authors",
              "contributing", "citation", "model_card", "code_of_conduct", "security"}  # fmt: skip


# Folders that hold an export of the surrounding model in another format.
_EXPORT_FOLDERS = {"onnx", "coreml", "openvino", "tflite", "tf", "flax", "jax", "mlx"}
# Formats whose suffix alone does not prove a file holds model weights
# (`training_args.bin`, `optimizer.pt` and `rng_state.pth` are pickles too).
_AMBIGUOUS = {"pytorch", "tensorflow", "flax", "rust"}


def weight_format(path: str) -> str | None:
    """The weight format of a file that holds model tensors, else None."""
    p = PurePosixPath(path)
    suffix = p.suffix.lower()
    for fmt, suffixes in WEIGHT_FORMATS:
        if suffix in suffixes:
            if fmt in _AMBIGUOUS and "model" not in p.stem.lower():
                return None
            return fmt
    return None


def _model_folder(path: str) -> str:
    """The folder a weight file belongs to, looking through export folders."""
    parts = [
        part for part in PurePosixPath(path).parent.parts if part.lower() not in _EXPORT_FOLDERS
    ]
    return "/".join(parts)


def classify(path: str, artifact_type: ArtifactType) -> FileRole:
    """The part of the artifact a file belongs to. Every file gets exactly one role."""
    p = PurePosixPath(path)
    name = p.name.lower()
    suffix = p.suffix.lower()
    stem = p.stem.lower()
    if name in _TOKENIZER_NAMES or name.startswith("tokenizer"):
        return FileRole.TOKENIZER
    if stem in _DOC_STEMS or stem.split(".")[0] in _DOC_STEMS:
        return FileRole.DOCS
    if suffix in _CODE_EXT or name in _CODE_NAMES:
        return FileRole.CODE
    if artifact_type is ArtifactType.MODEL and (
        weight_format(path) is not None or suffix in _OTHER_WEIGHTS
    ):
        return FileRole.WEIGHTS
    if name in _CONFIG_NAMES or (
        suffix in _CONFIG_EXT and artifact_type is not ArtifactType.DATASET
    ):
        return FileRole.CONFIG
    if suffix in _DOC_EXT and artifact_type is not ArtifactType.DATASET:
        return FileRole.DOCS
    if artifact_type is ArtifactType.DATASET:
        return FileRole.CONFIG if suffix in {".json", ".yaml", ".yml", ".py"} else FileRole.DATA
    if suffix in _DATA_EXT:
        return FileRole.DATA
    # Unknown files follow the artifact's nature.
    return FileRole.CODE if artifact_type is ArtifactType.CODE else FileRole.WEIGHTS


def redundant_weight_files(paths: Iterable[str]) -> set[str]:
    """Weight files that only repeat, in a less preferred format, weights kept elsewhere.

    Decided per folder, so a diffusion pipeline keeps one format for each of its
    unet/, vae/ and text_encoder/ folders; an `onnx/` or `coreml/` export folder
    counts as part of the folder around it.
    """
    by_folder: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in paths:
        fmt = weight_format(path)
        if fmt is not None:
            by_folder[_model_folder(path)][fmt].append(path)
    drop: set[str] = set()
    order = [fmt for fmt, _ in WEIGHT_FORMATS]
    for formats in by_folder.values():
        if len(formats) < 2:
            continue
        keep = min(formats, key=order.index)
        for fmt, files in formats.items():
            if fmt != keep:
                drop.update(files)
    return drop
