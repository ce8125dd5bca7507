"""Model cards written the way well-known public models write theirs: the rating benchmark.

Each family imitates a style seen on the Hub (the names are made up):

- ``acme/roberta-style``: an encoder, datasets in front matter, a paper and a code link;
- ``acme/vit-style``: a vision model whose card is mostly tables, trained on a gated dataset;
- ``acme/tinyllama-1b`` and ``acme/tinyllama-chat``: a documented base and its chat fine-tune;
- ``acme/tinyllama-gguf``: a GGUF quantisation pointing at its base (TheBloke's layout);
- ``acme/tinyllama-lora``: a PEFT adapter with the untouched PEFT card template;
- ``acme/tinyllama-slerp``: a mergekit merge;
- ``acme/one-line``: a card of one line;
- ``acme/html-card``: a card mostly in HTML, as many chat models have;
- ``acme/bert-japanese``: a card in Japanese;
- ``acme/llama-gated``: a gated model whose files need a token;
- ``acme/local-path-finetune``: config ``_name_or_path`` is the trainer's local folder.
"""

from __future__ import annotations

from .card_texts import (
    GGUF_BODY,
    HTML_BODY,
    JAPANESE_BODY,
    LLAMA_GATED_BODY,
    LOCAL_PATH_BODY,
    PEFT_TEMPLATE,
    ROBERTA_BODY,
    SLERP_BODY,
    TINYLLAMA_BODY,
    TINYLLAMA_CHAT_BODY,
    VIT_BODY,
)
from .records import (
    FakeCommit,
    FakeFile,
    FakeGhCommit,
    FakeGitHubRepo,
    FakeHfRepo,
    FakePull,
    fake_sha,
    json_file,
    readme_file,
    safetensors_file,
    text_file,
)

_HISTORY = [
    FakeCommit("Update README.md", ["maintainer-a"], "2025-03-02T10:00:00.000Z"),
    FakeCommit("Add evaluation results", ["maintainer-b"], "2025-01-15T10:00:00.000Z"),
    FakeCommit("Upload weights", ["maintainer-a"], "2024-12-01T10:00:00.000Z"),
    FakeCommit("initial commit", ["system"], "2024-11-30T10:00:00.000Z"),
]


def _model(
    repo: str,
    card: dict[str, object] | None,
    body: str,
    *files: FakeFile,
    weights: bool = True,
    **kw: object,
) -> FakeHfRepo:
    tensors = [("embeddings.weight", "F32", [128, 64]), ("head.weight", "F32", [64, 64])]
    extra = [safetensors_file("model.safetensors", tensors, seed=repo)] if weights else []
    options: dict[str, object] = {
        "downloads": 25_000,
        "likes": 40,
        "library_name": "transformers",
        "commits": list(_HISTORY),
        **kw,
    }
    return FakeHfRepo(
        repo_id=repo,
        files=[readme_file(card, body), *files, *extra],
        card_data=card,
        **options,  # type: ignore[arg-type]
    )


def _config(model_type: str, **extra: object) -> FakeFile:
    return json_file("config.json", {"model_type": model_type, "hidden_size": 64, **extra})


def card_hf_repos() -> list[FakeHfRepo]:
    llama = "acme/tinyllama-1b"
    return [
        _model(
            "acme/roberta-style",
            {
                "language": "en",
                "tags": ["exbert"],
                "license": "mit",
                "datasets": ["bookcorpus", "wikipedia"],
            },
            ROBERTA_BODY,
            _config("roberta", architectures=["RobertaForMaskedLM"]),
            pipeline_tag="fill-mask",
        ),
        _model(
            "acme/vit-style",
            {
                "license": "apache-2.0",
                "tags": ["vision", "image-classification"],
                "datasets": ["acme-vision/imagenet-1k"],
            },
            VIT_BODY,
            _config("vit", architectures=["ViTForImageClassification"]),
            json_file("preprocessor_config.json", {"image_mean": [0.5, 0.5, 0.5], "size": 224}),
            pipeline_tag="image-classification",
        ),
        _model(
            llama,
            {
                "license": "apache-2.0",
                "datasets": ["acme/tiny-corpus"],
                "language": ["en"],
                "pipeline_tag": "text-generation",
            },
            TINYLLAMA_BODY,
            _config("llama", architectures=["LlamaForCausalLM"]),
            pipeline_tag="text-generation",
        ),
        _model(
            "acme/tinyllama-chat",
            {
                "license": "apache-2.0",
                "base_model": llama,
                "datasets": ["acme/instructions"],
                "pipeline_tag": "text-generation",
            },
            TINYLLAMA_CHAT_BODY,
            _config("llama", _name_or_path=llama, architectures=["LlamaForCausalLM"]),
            pipeline_tag="text-generation",
        ),
        _model(
            "acme/tinyllama-gguf",
            {
                "base_model": llama,
                "inference": False,
                "license": "apache-2.0",
                "model_creator": "Acme",
                "model_name": "TinyLlama 1B",
                "model_type": "llama",
                "quantized_by": "acme-quant",
            },
            GGUF_BODY,
            FakeFile("tinyllama-1b.Q4_K_M.gguf", size=40_000, seed="gguf-q4", prefix=b"GGUF"),
            FakeFile("tinyllama-1b.Q8_0.gguf", size=70_000, seed="gguf-q8", prefix=b"GGUF"),
            weights=False,
            library_name=None,
            pipeline_tag="text-generation",
        ),
        _model(
            "acme/tinyllama-lora",
            {"library_name": "peft", "base_model": llama},
            PEFT_TEMPLATE,
            json_file(
                "adapter_config.json",
                {"base_model_name_or_path": llama, "peft_type": "LORA", "r": 16},
            ),
            safetensors_file(
                "adapter_model.safetensors", [("lora_A.weight", "F32", [16, 64])], seed="lora"
            ),
            weights=False,
            library_name="peft",
            downloads=12,
            likes=0,
            commits=[FakeCommit("Upload model", ["trainer-bot"], "2024-12-05T10:00:00.000Z")],
        ),
        _model(
            "acme/tinyllama-slerp",
            {
                "base_model": [llama, "acme/tinyllama-chat"],
                "library_name": "transformers",
                "tags": ["mergekit", "merge"],
                "license": "apache-2.0",
            },
            SLERP_BODY,
            _config("llama", architectures=["LlamaForCausalLM"]),
            downloads=300,
            likes=2,
        ),
        _model(
            "acme/one-line",
            None,
            "A DistilBERT fine-tuned to tell spam from ham.\n",
            _config("distilbert"),
            downloads=40,
            likes=0,
        ),
        _model(
            "acme/html-card",
            {"license": "apache-2.0", "language": ["zh", "en"], "tags": ["chat"]},
            HTML_BODY,
            _config("qwen2", architectures=["Qwen2ForCausalLM"]),
            pipeline_tag="text-generation",
        ),
        _model(
            "acme/bert-japanese",
            {"language": "ja", "license": "cc-by-sa-4.0", "datasets": ["wikipedia"]},
            JAPANESE_BODY,
            _config("bert", architectures=["BertForMaskedLM"]),
            pipeline_tag="fill-mask",
        ),
        _model(
            "acme/llama-gated",
            {
                "license": "llama2",
                "language": ["en"],
                "extra_gated_prompt": "You agree to the Acme Llama licence.",
                "extra_gated_fields": {"Name": "text", "Affiliation": "text"},
            },
            LLAMA_GATED_BODY,
            _config("llama", architectures=["LlamaForCausalLM"]),
            gated="manual",
            pipeline_tag="text-generation",
        ),
        _model(
            "acme/local-path-finetune",
            {
                "license": "apache-2.0",
                "base_model": "google-bert/bert-base-uncased",
                "datasets": ["stanfordnlp/sst2"],
            },
            LOCAL_PATH_BODY,
            _config(
                "bert",
                _name_or_path="/home/researcher/runs/bert-sst2/checkpoint-500",
                architectures=["BertForSequenceClassification"],
            ),
            pipeline_tag="text-classification",
        ),
    ]


def _dataset(
    repo: str,
    card: dict[str, object],
    body: str,
    *,
    downloads: int = 50_000,
    likes: int = 60,
    gated: bool = False,
) -> FakeHfRepo:
    return FakeHfRepo(
        repo_id=repo,
        repo_type="dataset",
        files=[
            readme_file(card, body),
            FakeFile("data/train.parquet", size=50_000, seed=f"{repo}/train", prefix=b"PAR1"),
        ],
        card_data=card,
        downloads=downloads,
        likes=likes,
        gated="manual" if gated else False,
    )


_DATASET_BODY = """# {title}

{title} is a collection of English documents gathered for language-model pre-training.
Each record holds one document and its source. The documents were collected from public
web pages, filtered for language and quality, and deduplicated; nothing was annotated by
hand. The collection is meant for research and for training general-purpose models.

## Dataset Structure

One split, `train`, with the fields `text` (string) and `source` (string).

## Source Data

Public web pages crawled in 2023, filtered with a language classifier.

## Considerations

The text reflects the biases of the web: it over-represents some regions and topics.
"""


def card_datasets() -> list[FakeHfRepo]:
    return [
        _dataset(
            "acme/tiny-corpus",
            {"license": "cc-by-4.0", "size_categories": ["10K<n<100K"], "language": ["en"]},
            _DATASET_BODY.format(title="Tiny Corpus"),
        ),
        _dataset(
            "acme/instructions",
            {"license": "apache-2.0", "size_categories": ["1K<n<10K"]},
            _DATASET_BODY.format(title="Acme Instructions"),
        ),
        _dataset(
            "wikimedia/wikipedia",
            {"license": "cc-by-sa-3.0", "size_categories": ["1M<n<10M"], "language": ["en"]},
            _DATASET_BODY.format(title="Wikipedia"),
            downloads=900_000,
            likes=700,
        ),
        _dataset(
            "acme-vision/imagenet-1k",
            {"license": "other", "license_name": "imagenet-terms", "task_categories": ["image"]},
            _DATASET_BODY.format(title="ImageNet 1k"),
            gated=True,
            downloads=200_000,
            likes=400,
        ),
    ]


def _code_repo(owner: str, name: str, people: list[str]) -> FakeGitHubRepo:
    """A maintained Python repository: tests, pinned requirements, reviewed pulls."""
    module = name.replace("-", "_")
    pulls = [
        FakePull(100 + i, f"Improve {module} ({i})", True, person,
                 [(people[i % len(people)], "APPROVED")],
                 additions=40, created_at=f"2025-0{i}-01T00:00:00Z",
                 merged_at=f"2025-0{i}-02T00:00:00Z")
        for i, person in enumerate(people, start=1)
    ]  # fmt: skip
    commits = [
        FakeGhCommit(fake_sha(name, i), person, f"2025-0{i}-02T00:00:00Z",
                     f"Merge pull request #{100 + i} from {person}/work", 100 + i)
        for i, person in enumerate(people, start=1)
    ]  # fmt: skip
    return FakeGitHubRepo(
        owner=owner,
        name=name,
        files=[
            text_file("README.md", f"# {name}\n\nTraining and inference code.\n"),
            text_file("LICENSE", "MIT License\n"),
            text_file("requirements.txt", "torch==2.3.1\ntransformers==4.44.0\n"),
            text_file(
                f"{module}/__init__.py",
                f'"""{name}: training code."""\n\n\ndef train(steps: int) -> int:\n'
                '    """Run the training loop."""\n    return steps\n',
            ),
            text_file(
                "tests/test_train.py",
                f"from {module} import train\n\n\n"
                "def test_train() -> None:\n    assert train(2) == 2\n",
            ),
        ],
        license_spdx="MIT",
        description=f"Code of {name}",
        stars=1_200,
        forks=90,
        created_at="2024-01-01T00:00:00Z",
        pushed_at="2025-05-01T00:00:00Z",
        contributors=[(p, 10 + i) for i, p in enumerate(people)],
        pulls=list(reversed(pulls)),
        commits=list(reversed(commits)),
    )


def card_github_repos() -> list[FakeGitHubRepo]:
    team = ["ana", "bo", "chen", "dara", "eli"]
    return [
        _code_repo("acme-research", "roberta", team),
        _code_repo("acme", "html-llm", team[:3]),
        _code_repo("acme", "llama", team[1:]),
        _code_repo("acme", "tinyllama", team[:4]),
    ]
