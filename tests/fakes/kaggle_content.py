"""Kaggle datasets the fake Kaggle API serves (the course's artifact set names Kaggle URLs)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from .records import FakeFile, build_zip, text_file

# The basic-auth pair the fake accepts: KAGGLE_USERNAME / KAGGLE_KEY in tests and the demo.
KAGGLE_USERNAME = "registry"
KAGGLE_KEY = "fake-kaggle-key"


@dataclass(eq=False)
class FakeKaggleDataset:
    owner: str
    slug: str
    title: str
    subtitle: str
    description: str
    license_name: str
    files: list[FakeFile]
    version: int = 1
    tags: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"{self.owner}/{self.slug}"

    @functools.cached_property
    def archive(self) -> FakeFile:
        """The zip /datasets/download answers with: every file, at the top level."""
        return FakeFile(f"{self.slug}.zip", content=build_zip(self.files))


def _iris_csv() -> str:
    rows = ["Id,SepalLengthCm,SepalWidthCm,PetalLengthCm,PetalWidthCm,Species"]
    species = ["Iris-setosa", "Iris-versicolor", "Iris-virginica"]
    for i in range(1, 151):
        kind = species[(i - 1) // 50]
        rows.append(f"{i},{4 + i % 4}.{i % 10},{2 + i % 3}.{i % 7},{1 + i % 6}.{i % 5},{kind}")
    return "\n".join(rows) + "\n"


def kaggle_datasets() -> list[FakeKaggleDataset]:
    return [
        FakeKaggleDataset(
            owner="uciml",
            slug="iris",
            title="Iris Species",
            subtitle="Classify iris plants into three species in this classic dataset",
            description=(
                "## Context\n\nThe Iris dataset was used in R.A. Fisher's classic 1936 paper, "
                "The Use of Multiple Measurements in Taxonomic Problems.\n\n## Content\n\n"
                "150 rows: sepal and petal measurements of three species of iris.\n"
            ),
            license_name="CC0: Public Domain",
            files=[
                text_file("Iris.csv", _iris_csv()),
                FakeFile("database.sqlite", size=12_288, seed="kaggle/iris/db", prefix=b"SQLite"),
                text_file("README.txt", "Iris measurements, one row per flower.\n"),
            ],
            version=2,
            tags=["biology", "classification"],
        ),
        FakeKaggleDataset(
            owner="hliang001",
            slug="flickr2k",
            title="Flickr2K",
            subtitle="2650 2K images collected on Flickr for super-resolution",
            description="# Flickr2K\n\nHigh-resolution images for image super-resolution.\n",
            license_name="Unknown",
            files=[
                FakeFile("Flickr2K/000001.png", size=40_000, seed="flickr/1", prefix=b"\x89PNG"),
                FakeFile("Flickr2K/000002.png", size=40_000, seed="flickr/2", prefix=b"\x89PNG"),
            ],
        ),
    ]
