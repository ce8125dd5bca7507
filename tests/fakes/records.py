"""The record types the fake upstreams serve: files, Hub repos, GitHub repos, plain downloads.

Everything here is plain data plus the few derived values a real server would compute (git blob
ids, LFS pointers, sha256).  Large files are *generated*: their bytes are a pure function of a seed,
produced 1 MiB at a time, so a multi-hundred-megabyte weight file costs no memory and a resumed
(Range) download sees exactly the bytes the first attempt would have seen.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import stat
import struct
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import yaml

CHUNK_SIZE: Final = 1 << 20

# Faults a record can carry; each app documents which ones it honours.
FAULT_SERVER_ERROR: Final = "server-error"  # every request for the record answers 500
FAULT_SLOW_DOWNLOAD: Final = "slow-download"  # LFS bodies stall half-way until released
# The first full GET of each LFS file drops the connection half-way (the client resumes).
FAULT_BROKEN_DOWNLOAD: Final = "broken-download"
# Text (non-LFS) files are sent gzip-encoded to clients that accept it, as the Hub does.
FAULT_GZIP_TEXT: Final = "gzip-text"
FAULT_NOT_FOUND: Final = "not-found"  # the plain file server answers 404
FAULT_WEB_PAGE: Final = "web-page"  # served as it is: an HTML page where a file should be

# Suffixes the Hub's default .gitattributes routes through LFS (abridged).
LFS_SUFFIXES: Final = frozenset(
    {
        ".safetensors",
        ".bin",
        ".h5",
        ".msgpack",
        ".onnx",
        ".gguf",
        ".parquet",
        ".pt",
        ".pth",
        ".ckpt",
        ".pkl",
        ".pickle",
        ".npy",
        ".npz",
        ".tflite",
        ".ot",
        ".arrow",
        ".zip",
        ".tar",
        ".gz",
        ".model",
    }
)
LFS_SIZE_THRESHOLD: Final = 10 * 1024


def fake_sha(*parts: object) -> str:
    """A deterministic 40-hex id (commit, tree) derived from the parts."""
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


def _suffix(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name[name.rfind(".") :].lower() if "." in name else ""


class FakeFile:
    """One file: literal ``content``, or ``size`` bytes generated from ``seed``.

    ``prefix`` overlays the first bytes of a generated file, so a generated body can still start
    with a real header (a safetensors header, a zip or HDF5 magic number).
    """

    __slots__ = ("_blob_id", "_sha256", "content", "lfs", "path", "prefix", "seed", "size")

    def __init__(
        self,
        path: str,
        content: bytes | None = None,
        size: int | None = None,
        seed: str | None = None,
        lfs: bool | None = None,
        prefix: bytes = b"",
    ) -> None:
        if content is not None:
            if seed is not None or prefix:
                raise ValueError(f"{path}: give either content or size+seed, not both")
            if size is not None and size != len(content):
                raise ValueError(f"{path}: size {size} disagrees with len(content)")
            size = len(content)
        elif size is None or seed is None:
            raise ValueError(f"{path}: a generated file needs both size and seed")
        elif len(prefix) > size:
            raise ValueError(f"{path}: prefix longer than the file")
        self.path = path
        self.content = content
        self.size: int = size
        self.seed = seed
        self.prefix = prefix
        if lfs is None:
            lfs = _suffix(path) in LFS_SUFFIXES or size > LFS_SIZE_THRESHOLD
        self.lfs: bool = lfs
        self._sha256: str | None = None
        self._blob_id: str | None = None

    def __repr__(self) -> str:
        kind = "literal" if self.content is not None else f"seed={self.seed!r}"
        return f"FakeFile({self.path!r}, size={self.size}, {kind}, lfs={self.lfs})"

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def iter_bytes(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Yield bytes ``[start, end)`` in chunks of at most CHUNK_SIZE."""
        end = self.size if end is None else min(end, self.size)
        if self.content is not None:
            for pos in range(start, end, CHUNK_SIZE):
                yield self.content[pos : min(pos + CHUNK_SIZE, end)]
            return
        pos = start
        while pos < end:
            index = pos // CHUNK_SIZE
            chunk = self._generated_chunk(index)
            lo = pos - index * CHUNK_SIZE
            hi = min(end - index * CHUNK_SIZE, len(chunk))
            yield chunk[lo:hi]
            pos = index * CHUNK_SIZE + hi

    def _generated_chunk(self, index: int) -> bytes:
        base = index * CHUNK_SIZE
        length = min(CHUNK_SIZE, self.size - base)
        data = random.Random(f"{self.seed}:{index}").randbytes(length)
        if base < len(self.prefix):
            head = self.prefix[base : base + length]
            data = head + data[len(head) :]
        return data

    def read(self, start: int = 0, end: int | None = None) -> bytes:
        """All bytes of ``[start, end)`` at once; meant for small files and headers."""
        return b"".join(self.iter_bytes(start, end))

    @property
    def sha256(self) -> str:
        if self._sha256 is None:
            digest = hashlib.sha256()
            for chunk in self.iter_bytes():
                digest.update(chunk)
            self._sha256 = digest.hexdigest()
        return self._sha256

    @property
    def git_sha1(self) -> str:
        """The git blob id of the bytes themselves (what git stores for a non-LFS file)."""
        digest = hashlib.sha1(f"blob {self.size}\0".encode())
        for chunk in self.iter_bytes():
            digest.update(chunk)
        return digest.hexdigest()

    def lfs_pointer(self) -> bytes:
        """The pointer file git commits in place of an LFS file."""
        return (
            f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\n"
            f"size {self.size}\n"
        ).encode()

    @property
    def blob_id(self) -> str:
        """The git oid the Hub reports: for LFS files that is the pointer's blob, not the data's."""
        if self._blob_id is None:
            if self.lfs:
                pointer = self.lfs_pointer()
                header = f"blob {len(pointer)}\0".encode()
                self._blob_id = hashlib.sha1(header + pointer).hexdigest()
            else:
                self._blob_id = self.git_sha1
        return self._blob_id

    @property
    def etag(self) -> str:
        """Unquoted ETag the Hub sends: sha256 for LFS files, the git blob id otherwise."""
        return self.sha256 if self.lfs else self.blob_id

    @property
    def content_type(self) -> str:
        suffix = _suffix(self.path)
        if suffix == ".json":
            return "application/json; charset=utf-8"
        if suffix in {".md", ".txt", ".py", ".cfg", ".toml", ".yaml", ".yml", ".ipynb", ""}:
            return "text/plain; charset=utf-8"
        if suffix == ".zip":
            return "application/zip"
        return "application/octet-stream"


def text_file(path: str, text: str, lfs: bool | None = None) -> FakeFile:
    return FakeFile(path, content=text.encode(), lfs=lfs)


def json_file(path: str, data: Any) -> FakeFile:
    return FakeFile(path, content=(json.dumps(data, indent=2) + "\n").encode())


_ST_DTYPE_BYTES: Final = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I8": 1}


def safetensors_file(
    path: str, tensors: Sequence[tuple[str, str, Sequence[int]]], seed: str
) -> FakeFile:
    """A structurally valid safetensors file: real header, generated tensor bytes.

    Valid so that clients reading only the header (``get_safetensors_metadata``, parameter
    counts, the registry's own parsers) see believable data.
    """
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, dtype, shape in tensors:
        nbytes = _ST_DTYPE_BYTES[dtype]
        for dim in shape:
            nbytes *= dim
        header[name] = {
            "dtype": dtype,
            "shape": list(shape),
            "data_offsets": [offset, offset + nbytes],
        }
        offset += nbytes
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # the format pads the header to 8-byte alignment
    prefix = struct.pack("<Q", len(encoded)) + encoded
    return FakeFile(path, size=len(prefix) + offset, seed=seed, prefix=prefix)


def safetensors_bytes(nbytes: int, fill: bytes = b"\0") -> bytes:
    """A valid safetensors file holding one U8 tensor of `nbytes` bytes of `fill`."""
    header = {"weight": {"dtype": "U8", "shape": [nbytes], "data_offsets": [0, nbytes]}}
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    return struct.pack("<Q", len(encoded)) + encoded + (fill * nbytes)[:nbytes]


def safetensors_parameters(file: FakeFile) -> dict[str, int] | None:
    """Parameter count per dtype read back from a safetensors header, as the Hub reports it."""
    if file.size < 8:
        return None
    (length,) = struct.unpack("<Q", file.read(0, 8))
    if length > 25_000_000 or 8 + length > file.size:
        return None
    try:
        header = json.loads(file.read(8, 8 + length))
    except ValueError:
        return None
    counts: dict[str, int] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        count = 1
        for dim in info["shape"]:
            count *= dim
        counts[info["dtype"]] = counts.get(info["dtype"], 0) + count
    return counts


def render_readme(card_data: dict[str, Any] | None, body: str) -> str:
    """A model/dataset card: YAML front matter (the Hub's cardData) followed by markdown."""
    if not card_data:
        return body
    front = yaml.safe_dump(card_data, sort_keys=False, allow_unicode=True)
    return f"---\n{front}---\n\n{body}"


def readme_file(card_data: dict[str, Any] | None, body: str) -> FakeFile:
    return text_file("README.md", render_readme(card_data, body))


@dataclass
class FakeCommit:
    """A commit on a Hub repo's main branch (newest first in ``FakeHfRepo.commits``)."""

    title: str
    authors: list[str]
    date: str
    message: str = ""


@dataclass
class FakeHfRepo:
    repo_id: str
    repo_type: Literal["model", "dataset"] = "model"
    files: list[FakeFile] = field(default_factory=list)
    card_data: dict[str, Any] | None = None
    author: str | None = None
    downloads: int = 0
    likes: int = 0
    tags: list[str] = field(default_factory=list)
    pipeline_tag: str | None = None
    library_name: str | None = None
    created_at: str = "2022-03-02T23:29:04.000Z"
    last_modified: str = "2024-02-19T11:06:12.000Z"
    gated: Literal[False, "auto", "manual"] = False
    commits: list[FakeCommit] = field(default_factory=list)
    fault: str | None = None
    fail_first: int = 0  # answer 500 to this many API requests, then serve normally
    description: str | None = None  # datasets only
    sha: str = ""

    def __post_init__(self) -> None:
        if not self.sha:
            self.sha = fake_sha(self.repo_type, self.repo_id)
        if self.author is None:
            self.author = self.repo_id.split("/", 1)[0]
        if not self.commits:
            # The Hub creates every repo with this system commit.
            self.commits = [FakeCommit("initial commit", ["system"], self.created_at)]

    @property
    def commit_ids(self) -> list[str]:
        """Ids aligned with ``commits``: the newest is the repo's ``sha``."""
        return [self.sha] + [
            fake_sha(self.repo_id, "commit", i) for i in range(1, len(self.commits))
        ]

    def file(self, path: str) -> FakeFile | None:
        return next((f for f in self.files if f.path == path), None)

    def json_file(self, path: str) -> dict[str, Any] | None:
        found = self.file(path)
        if found is None or found.size > CHUNK_SIZE:
            return None
        try:
            data = json.loads(found.read())
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    @property
    def used_storage(self) -> int:
        return sum(f.size for f in self.files)


@dataclass
class FakePull:
    number: int
    title: str
    merged: bool
    user: str
    reviews: list[tuple[str, str]] = field(default_factory=list)  # (login, APPROVED|...)
    additions: int = 10
    merged_at: str | None = None
    deletions: int = 2
    created_at: str = "2019-01-01T00:00:00Z"
    state: Literal["open", "closed"] = "closed"


@dataclass
class FakeGhCommit:
    sha: str
    author: str  # GitHub login
    date: str
    message: str
    pull_number: int | None = None


@dataclass
class ZipEntry:
    """A raw zip member for hostile archives, written verbatim except that ``{top}`` in the
    name becomes the archive's top folder (e.g. ``owner-repo-sha7/``)."""

    name: str
    data: bytes = b""
    symlink_target: str | None = None


# Hostile archive entries, one attack each, so that every refusal is proven on its own
# (an archive carrying two attacks is refused even when the check for one is broken).
ZIP_ATTACKS: Final[dict[str, ZipEntry]] = {
    "dotdot": ZipEntry("{top}../../evil.txt", b"written outside the extraction directory\n"),
    "absolute": ZipEntry("/abs.txt", b"written to an absolute path\n"),
    "drive": ZipEntry("C:/Windows/evil.txt", b"written to a Windows drive\n"),
    "backslash": ZipEntry("{top}..\\..\\evil.txt", b"escaped with Windows separators\n"),
}
# A symlink entry: refused in an uploaded or downloaded zip; a GitHub zipball keeps it as a
# plain file holding its target (what git stores for a symlink).
ZIP_SYMLINK = ZipEntry("{top}link-to-passwd", symlink_target="/etc/passwd")


@dataclass
class FakeGitHubRepo:
    owner: str
    name: str
    default_branch: str = "main"
    files: list[FakeFile] = field(default_factory=list)
    license_spdx: str | None = None
    description: str | None = None
    stars: int = 0
    forks: int = 0
    open_issues: int = 0
    created_at: str = "2018-10-18T00:00:00Z"
    pushed_at: str = "2023-06-01T00:00:00Z"
    contributors: list[tuple[str, int]] = field(default_factory=list)
    pulls: list[FakePull] = field(default_factory=list)
    commits: list[FakeGhCommit] = field(default_factory=list)  # default branch, newest first
    fault: str | None = None
    branches: dict[str, list[FakeFile]] = field(default_factory=dict)  # besides the default
    raw_zip_entries: list[ZipEntry] = field(default_factory=list)
    language: str | None = "Python"
    topics: list[str] = field(default_factory=list)
    archived: bool = False
    fork: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def repo_number(self) -> int:
        return int(fake_sha("gh", self.full_name)[:8], 16) % 900_000_000 + 100_000_000

    def branch_names(self) -> list[str]:
        return [self.default_branch, *self.branches]

    def head_sha(self, branch: str) -> str:
        if branch == self.default_branch and self.commits:
            return self.commits[0].sha
        return fake_sha("gh", self.full_name, "branch", branch)

    def resolve_ref(self, ref: str | None) -> tuple[str, str, list[FakeFile]] | None:
        """``(branch, commit sha, files)`` for a branch name, ``refs/heads/x`` or commit sha."""
        ref = ref or self.default_branch
        ref = ref.removeprefix("refs/heads/")
        for branch in self.branch_names():
            if ref == branch:
                return branch, self.head_sha(branch), self.files_of(branch)
        if len(ref) >= 7:
            for branch in self.branch_names():
                if self.head_sha(branch).startswith(ref):
                    return branch, self.head_sha(branch), self.files_of(branch)
            for commit in self.commits:
                if commit.sha.startswith(ref):
                    # Older commits are served with the default branch's tree: the fake keeps
                    # one tree per branch, not per commit.
                    return self.default_branch, commit.sha, self.files
        return None

    def files_of(self, branch: str) -> list[FakeFile]:
        return self.files if branch == self.default_branch else self.branches[branch]


@dataclass
class FakeDownload:
    """A plain file served by the file server at ``path`` (e.g. ``/files/weights.bin``)."""

    path: str
    content: bytes | None = None
    size: int | None = None
    seed: str | None = None
    content_type: str = "application/octet-stream"
    fault: str | None = None
    filename: str | None = None  # set => Content-Disposition: attachment
    _file: FakeFile | None = field(default=None, init=False, repr=False)

    @property
    def file(self) -> FakeFile:
        if self._file is None:
            self._file = FakeFile(self.path, content=self.content, size=self.size, seed=self.seed)
        return self._file


def build_zip(
    files: Sequence[FakeFile],
    *,
    top: str = "",
    raw_entries: Sequence[ZipEntry] = (),
    comment: str = "",
    date_time: tuple[int, int, int, int, int, int] = (2023, 6, 1, 0, 0, 0),
) -> bytes:
    """Zip ``files`` under ``top`` (with directory entries, like GitHub), then ``raw_entries``.

    Raw entries are written with their names untouched: ``ZipInfo`` does not sanitise ``..`` or a
    leading ``/`` when writing, which is how the hostile archives are produced.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        directories: set[str] = set()
        if top:
            directories.add(top)
        for file in files:
            parts = file.path.split("/")[:-1]
            for depth in range(1, len(parts) + 1):
                directories.add(top + "/".join(parts[:depth]) + "/")
        for directory in sorted(directories):
            info = zipfile.ZipInfo(directory, date_time)
            info.external_attr = (stat.S_IFDIR | 0o755) << 16
            archive.writestr(info, b"")
        for file in files:
            info = zipfile.ZipInfo(top + file.path, date_time)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, file.read())
        for entry in raw_entries:
            info = zipfile.ZipInfo(entry.name.replace("{top}", top), date_time)
            info.create_system = 3  # unix, so the mode bits (and symlink flag) are honoured
            if entry.symlink_target is not None:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                archive.writestr(info, entry.symlink_target.encode())
            else:
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                archive.writestr(info, entry.data)
        archive.comment = comment.encode()
    return buffer.getvalue()
