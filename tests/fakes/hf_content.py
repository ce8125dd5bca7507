"""The Hugging Face repos of the default catalogue.

Shaped after the real repos they are named for (cards, configs, file layout), but every weight file
is generated and small, apart from ``acme/large-weights`` which exists to exercise streaming.
"""

from __future__ import annotations

import json
from typing import Any

from .pickles import lying_safetensors, malicious_pickle, torch_state_dict_zip
from .records import (
    FAULT_BROKEN_DOWNLOAD,
    FAULT_GZIP_TEXT,
    FAULT_SERVER_ERROR,
    FAULT_SLOW_DOWNLOAD,
    FakeCommit,
    FakeFile,
    FakeHfRepo,
    json_file,
    readme_file,
    safetensors_file,
    text_file,
)

GITATTRIBUTES = """\
*.7z filter=lfs diff=lfs merge=lfs -text
*.arrow filter=lfs diff=lfs merge=lfs -text
*.bin filter=lfs diff=lfs merge=lfs -text
*.ckpt filter=lfs diff=lfs merge=lfs -text
*.gguf filter=lfs diff=lfs merge=lfs -text
*.h5 filter=lfs diff=lfs merge=lfs -text
*.msgpack filter=lfs diff=lfs merge=lfs -text
*.onnx filter=lfs diff=lfs merge=lfs -text
*.parquet filter=lfs diff=lfs merge=lfs -text
*.pt filter=lfs diff=lfs merge=lfs -text
*.pth filter=lfs diff=lfs merge=lfs -text
*.safetensors filter=lfs diff=lfs merge=lfs -text
*.zip filter=lfs diff=lfs merge=lfs -text
"""

_SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# Common English words, the body of the toy WordPiece vocabulary.
_WORDS_TEXT = """\
the of and to in a is was for on as with by he at from his an were are which this also be
has or had first one their its new after who they have her she two been other when there
all during into school time may years more most only over city some world would where
later up such used many can state about national out known university united then made
"""
_WORDS = _WORDS_TEXT.split()
BERT_VOCAB = [
    *_SPECIAL_TOKENS[:1],
    *(f"[unused{i}]" for i in range(20)),
    *_SPECIAL_TOKENS[1:],
    *_WORDS,
    *(f"##{suffix}" for suffix in ("s", "ed", "ing", "ly", "er", "est", "tion")),
]


def bert_tokenizer_json() -> bytes:
    """A WordPiece tokenizer.json; shared byte-for-byte by the base model and its fine-tune."""
    vocab = {token: index for index, token in enumerate(BERT_VOCAB)}
    data: dict[str, Any] = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {
                "id": vocab[t],
                "content": t,
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": True,
            }
            for t in _SPECIAL_TOKENS
        ],
        "normalizer": {
            "type": "BertNormalizer",
            "clean_text": True,
            "handle_chinese_chars": True,
            "strip_accents": None,
            "lowercase": True,
        },
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 1}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 1}},
            ],
            "special_tokens": {
                t: {"id": t, "ids": [vocab[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")
            },
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {
            "type": "WordPiece",
            "unk_token": "[UNK]",
            "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100,
            "vocab": vocab,
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False).encode()


BERT_CONFIG: dict[str, Any] = {
    "architectures": ["BertForMaskedLM"],
    "attention_probs_dropout_prob": 0.1,
    "gradient_checkpointing": False,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "hidden_size": 768,
    "initializer_range": 0.02,
    "intermediate_size": 3072,
    "layer_norm_eps": 1e-12,
    "max_position_embeddings": 512,
    "model_type": "bert",
    "num_attention_heads": 12,
    "num_hidden_layers": 12,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
    "transformers_version": "4.6.0.dev0",
    "type_vocab_size": 2,
    "use_cache": True,
    "vocab_size": 30522,
}

# A stand-in for BERT's tensors: the real names, shapes shrunk to ~256 KiB in total.
BERT_TENSORS: list[tuple[str, str, list[int]]] = [
    ("bert.embeddings.LayerNorm.bias", "F32", [128]),
    ("bert.embeddings.LayerNorm.weight", "F32", [128]),
    ("bert.embeddings.position_embeddings.weight", "F32", [64, 128]),
    ("bert.embeddings.token_type_embeddings.weight", "F32", [2, 128]),
    ("bert.embeddings.word_embeddings.weight", "F32", [256, 128]),
    ("bert.encoder.layer.0.attention.output.dense.weight", "F32", [128, 64]),
    ("bert.encoder.layer.0.attention.self.query.bias", "F32", [128]),
    ("bert.encoder.layer.0.attention.self.query.weight", "F32", [128, 128]),
    ("cls.predictions.bias", "F32", [256]),
]

BERT_CARD: dict[str, Any] = {
    "language": "en",
    "tags": ["exbert"],
    "license": "apache-2.0",
    "datasets": ["bookcorpus", "wikipedia"],
}

BERT_BODY = """\
# BERT base model (uncased)

Pretrained model on English language using a masked language modeling (MLM) objective. It was
introduced in [this paper](https://arxiv.org/abs/1810.04805) and first released in
[this repository](https://github.com/google-research/bert). This model is uncased: it does not make
a difference between english and English.

## Model description

BERT is a transformers model pretrained on a large corpus of English data in a self-supervised
fashion, on BookCorpus and English Wikipedia.

## How to use

You can use this model directly with a pipeline for masked language modeling:

```python
>>> from transformers import pipeline
>>> unmasker = pipeline('fill-mask', model='bert-base-uncased')
>>> unmasker("Hello I'm a [MASK] model.")
```

## Limitations and bias

Even if the training data used for this model could be characterized as fairly neutral, this model
can have biased predictions.

## Evaluation results

When fine-tuned on downstream tasks, this model achieves the following results:

Glue test results:

| Task | MNLI-(m/mm) | QQP  | QNLI | SST-2 | CoLA | STS-B | MRPC | RTE  | Average |
|:----:|:-----------:|:----:|:----:|:-----:|:----:|:-----:|:----:|:----:|:-------:|
|      | 84.6/83.4   | 71.2 | 90.5 | 93.5  | 52.1 | 85.8  | 88.9 | 66.4 | 79.6    |
"""


def _weights_family(seed: str) -> list[FakeFile]:
    """The same weights in several frameworks: different bytes, similar sizes."""
    return [
        safetensors_file("model.safetensors", BERT_TENSORS, seed=f"{seed}/safetensors"),
        FakeFile("pytorch_model.bin", size=268_643, seed=f"{seed}/pt", prefix=b"PK\x03\x04"),
        FakeFile("tf_model.h5", size=271_880, seed=f"{seed}/tf", prefix=b"\x89HDF\r\n\x1a\n"),
        FakeFile("flax_model.msgpack", size=266_112, seed=f"{seed}/flax", prefix=b"\x89"),
    ]


def bert_base_uncased() -> FakeHfRepo:
    vocab = "\n".join(BERT_VOCAB) + "\n"
    return FakeHfRepo(
        repo_id="google-bert/bert-base-uncased",
        files=[
            text_file(".gitattributes", GITATTRIBUTES),
            readme_file(BERT_CARD, BERT_BODY),
            json_file("config.json", BERT_CONFIG),
            FakeFile("tokenizer.json", content=bert_tokenizer_json()),
            json_file("tokenizer_config.json", {"do_lower_case": True, "model_max_length": 512}),
            text_file("vocab.txt", vocab),
            *_weights_family("google-bert/bert-base-uncased"),
        ],
        card_data=BERT_CARD,
        downloads=52_350_473,
        likes=1_659,
        tags=["exbert", "arxiv:1810.04805"],
        pipeline_tag="fill-mask",
        library_name="transformers",
        last_modified="2024-02-19T11:06:12.000Z",
        commits=[
            FakeCommit("Update README.md", ["lysandre"], "2024-02-19T11:06:12.000Z"),
            FakeCommit(
                "Adding `safetensors` variant of this model",
                ["Narsil"],
                "2023-04-06T13:40:19.000Z",
                "Converted with convert.py",
            ),
            FakeCommit("Add flax weights", ["patrickvonplaten"], "2021-05-19T20:08:37.000Z"),
            FakeCommit("initial commit", ["system"], "2018-11-14T23:35:08.000Z"),
        ],
    )


# The card the Trainer generates, with the sections its author filled in.
FINETUNE_BODY = """\
# bert-finetuned-sst2

This model is a fine-tuned version of [google-bert/bert-base-uncased](https://huggingface.co/google-bert/bert-base-uncased)
on the [sst2](https://huggingface.co/datasets/stanfordnlp/sst2) dataset.
It achieves the following results on the evaluation set:
- Loss: 0.2270
- Accuracy: 0.9243

## Model description

A binary sentiment classifier for English sentences: it labels a movie review or a
comment as positive or negative, with the BERT base encoder and a linear head.

## Intended uses & limitations

Sentiment of short English texts. It was not trained on other languages or domains.

## How to use

```python
from transformers import pipeline

classifier = pipeline("text-classification", model="acme/bert-finetuned-sst2")
print(classifier("A gripping, beautifully shot film."))
```

## Training procedure

### Training hyperparameters

- learning_rate: 2e-05
- train_batch_size: 32
- num_epochs: 3

### Training results

| Training Loss | Epoch | Step | Validation Loss | Accuracy |
|:-------------:|:-----:|:----:|:---------------:|:--------:|
| 0.2251        | 1.0   | 2105 | 0.2466          | 0.9117   |
| 0.1296        | 2.0   | 4210 | 0.2270          | 0.9243   |

### Framework versions

- Transformers 4.35.2
- Pytorch 2.1.0
"""


def bert_finetuned_sst2() -> FakeHfRepo:
    card = {
        "license": "apache-2.0",
        "base_model": "google-bert/bert-base-uncased",
        "datasets": ["stanfordnlp/sst2"],
        "language": ["en"],
        "metrics": ["accuracy"],
        "tags": ["generated_from_trainer"],
        "pipeline_tag": "text-classification",
        # What the Trainer writes into every card it generates.
        "model-index": [
            {
                "name": "bert-finetuned-sst2",
                "results": [
                    {
                        "task": {"type": "text-classification", "name": "Text Classification"},
                        "dataset": {"name": "sst2", "type": "stanfordnlp/sst2"},
                        "metrics": [{"type": "accuracy", "value": 0.9243, "name": "Accuracy"}],
                    }
                ],
            }
        ],
    }
    body = FINETUNE_BODY
    config = {
        "_name_or_path": "google-bert/bert-base-uncased",
        **{k: v for k, v in BERT_CONFIG.items() if k != "architectures"},
        "architectures": ["BertForSequenceClassification"],
        "id2label": {"0": "negative", "1": "positive"},
        "label2id": {"negative": 0, "positive": 1},
        "problem_type": "single_label_classification",
        "transformers_version": "4.35.2",
    }
    tensors = [
        *BERT_TENSORS[:-1],
        ("classifier.bias", "F32", [2]),
        ("classifier.weight", "F32", [2, 128]),
    ]
    return FakeHfRepo(
        repo_id="acme/bert-finetuned-sst2",
        files=[
            text_file(".gitattributes", GITATTRIBUTES),
            readme_file(card, body),
            json_file("config.json", config),
            FakeFile("tokenizer.json", content=bert_tokenizer_json()),
            json_file("tokenizer_config.json", {"do_lower_case": True, "model_max_length": 512}),
            safetensors_file("model.safetensors", tensors, seed="acme/bert-finetuned-sst2"),
        ],
        card_data=card,
        downloads=1_204,
        likes=3,
        tags=["generated_from_trainer", "base_model:finetune:google-bert/bert-base-uncased"],
        pipeline_tag="text-classification",
        library_name="transformers",
        created_at="2023-11-30T10:00:00.000Z",
        last_modified="2023-11-30T12:30:00.000Z",
        commits=[
            FakeCommit("Training in progress, epoch 3", ["acme-bot"], "2023-11-30T12:30:00.000Z"),
            FakeCommit("Training in progress, epoch 1", ["acme-bot"], "2023-11-30T11:00:00.000Z"),
            FakeCommit("initial commit", ["system"], "2023-11-30T10:00:00.000Z"),
        ],
    )


def _small_config(model_type: str = "bert") -> FakeFile:
    return json_file(
        "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": model_type,
            "hidden_size": 128,
            "num_hidden_layers": 2,
        },
    )


def no_card_model() -> FakeHfRepo:
    return FakeHfRepo(
        repo_id="acme/no-card-model",
        files=[
            _small_config(),
            safetensors_file("model.safetensors", BERT_TENSORS[:5], seed="acme/no-card"),
        ],
        downloads=12,
    )


def noncommercial_model() -> FakeHfRepo:
    card = {"license": "cc-by-nc-4.0", "language": ["en"], "tags": ["research-only"]}
    return FakeHfRepo(
        repo_id="acme/noncommercial-model",
        files=[
            readme_file(card, "# Non-commercial model\n\nFor research use only.\n"),
            _small_config(),
            safetensors_file("model.safetensors", BERT_TENSORS[:5], seed="acme/noncommercial"),
        ],
        card_data=card,
        downloads=340,
        likes=7,
        library_name="transformers",
        pipeline_tag="feature-extraction",
    )


def large_weights() -> FakeHfRepo:
    return FakeHfRepo(
        repo_id="acme/large-weights",
        files=[
            _small_config(),
            safetensors_file(
                "model.safetensors", [("weight", "F32", [4096, 4096])], seed="acme/large-weights"
            ),
        ],
        library_name="transformers",
    )


def gated_model() -> FakeHfRepo:
    card = {"license": "llama2", "extra_gated_prompt": "Accept the licence to access this model."}
    return FakeHfRepo(
        repo_id="acme/gated-model",
        files=[
            readme_file(card, "# Gated model\n"),
            _small_config(),
            safetensors_file("model.safetensors", BERT_TENSORS[:3], seed="acme/gated"),
        ],
        card_data=card,
        gated="manual",
        library_name="transformers",
    )


def diffusion_pipeline() -> FakeHfRepo:
    card = {
        "license": "creativeml-openrail-m",
        "library_name": "diffusers",
        "tags": ["stable-diffusion", "text-to-image"],
        "pipeline_tag": "text-to-image",
    }
    model_index = {
        "_class_name": "StableDiffusionPipeline",
        "_diffusers_version": "0.21.0",
        "scheduler": ["diffusers", "PNDMScheduler"],
        "text_encoder": ["transformers", "CLIPTextModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"],
    }
    unet = [
        ("conv_in.weight", "F16", [64, 4, 3, 3]),
        ("conv_in.bias", "F16", [64]),
        ("mid_block.attentions.0.proj_in.weight", "F16", [64, 64, 8]),
    ]
    return FakeHfRepo(
        repo_id="acme/diffusion-pipeline",
        files=[
            text_file(".gitattributes", GITATTRIBUTES),
            readme_file(card, "# Tiny diffusion pipeline\n\nA toy Stable Diffusion layout.\n"),
            json_file("model_index.json", model_index),
            json_file("scheduler/scheduler_config.json", {"_class_name": "PNDMScheduler"}),
            json_file("unet/config.json", {"_class_name": "UNet2DConditionModel"}),
            safetensors_file("unet/diffusion_pytorch_model.safetensors", unet, seed="sd/unet"),
            FakeFile(
                "unet/diffusion_pytorch_model.bin",
                size=75_000,
                seed="sd/unet-bin",
                prefix=b"PK\x03\x04",
            ),
            json_file(
                "text_encoder/config.json",
                {"architectures": ["CLIPTextModel"], "model_type": "clip_text_model"},
            ),
            safetensors_file(
                "text_encoder/model.safetensors",
                [("text_model.embeddings.token_embedding.weight", "F32", [128, 64])],
                seed="sd/text",
            ),
            json_file("vae/config.json", {"_class_name": "AutoencoderKL"}),
            safetensors_file(
                "vae/diffusion_pytorch_model.safetensors",
                [("decoder.conv_in.weight", "F16", [32, 4, 3, 3])],
                seed="sd/vae",
            ),
        ],
        card_data=card,
        downloads=88,
        likes=2,
        tags=["stable-diffusion"],
        pipeline_tag="text-to-image",
        library_name="diffusers",
    )


def _dataset(repo_id: str, card: dict[str, Any], body: str, rows: int, **kw: Any) -> FakeHfRepo:
    infos = {
        "default": {
            "description": body.splitlines()[0].lstrip("# "),
            "features": {"text": {"dtype": "string", "_type": "Value"}},
            "splits": {"train": {"name": "train", "num_examples": rows}},
        }
    }
    return FakeHfRepo(
        repo_id=repo_id,
        repo_type="dataset",
        files=[
            text_file(".gitattributes", GITATTRIBUTES),
            readme_file(card, body),
            json_file("dataset_infos.json", infos),
            FakeFile(
                "data/train-00000-of-00001.parquet",
                size=196_608,
                seed=f"{repo_id}/train",
                prefix=b"PAR1",
            ),
        ],
        card_data=card,
        description=body.split("\n\n", 1)[-1].strip(),
        **kw,
    )


def bookcorpus() -> FakeHfRepo:
    card = {
        "annotations_creators": ["no-annotation"],
        "language": ["en"],
        "license": "unknown",
        "pretty_name": "BookCorpus",
        "size_categories": ["10M<n<100M"],
        "task_categories": ["text-generation", "fill-mask"],
        "paperswithcode_id": "bookcorpus",
    }
    body = (
        "# Dataset Card for BookCorpus\n\nBooks are a rich source of both fine-grained "
        "information and high-level narrative.\n"
    )
    return _dataset("bookcorpus/bookcorpus", card, body, 74_004_228, downloads=11_450, likes=52)


def sst2() -> FakeHfRepo:
    card = {
        "language": ["en"],
        "license": "cc-by-4.0",
        "pretty_name": "Stanford Sentiment Treebank v2",
        "size_categories": ["10K<n<100K"],
        "task_categories": ["text-classification"],
        "task_ids": ["sentiment-classification"],
    }
    body = (
        "# Dataset Card for SST-2\n\nThe Stanford Sentiment Treebank is a corpus with fully "
        "labeled parse trees.\n"
    )
    return _dataset("stanfordnlp/sst2", card, body, 67_349, downloads=25_117, likes=98)


def fault_repos() -> list[FakeHfRepo]:
    return [
        FakeHfRepo(repo_id="fault/server-error", files=[_small_config()], fault=FAULT_SERVER_ERROR),
        FakeHfRepo(
            repo_id="fault/slow-download",
            files=[
                _small_config(),
                safetensors_file(
                    "model.safetensors", [("weight", "F32", [512, 1024])], "fault/slow"
                ),
            ],
            fault=FAULT_SLOW_DOWNLOAD,
        ),
        # Transfers as the real Hub and real networks make them: a connection that drops
        # half-way (the client resumes with a Range), text files sent gzip-encoded.
        *(
            FakeHfRepo(
                repo_id=f"fault/{fault}",
                files=[
                    readme_file({"license": "mit"}, f"# {fault}\n\nA model for transfers.\n"),
                    _small_config(),
                    json_file("tokenizer.json", {"model": {"vocab": {"[CLS]": 0, "[SEP]": 1}}}),
                    safetensors_file(
                        "model.safetensors", [("weight", "F32", [256, 512])], f"fault/{fault}"
                    ),
                ],
                card_data={"license": "mit"},
                fault=fault,
            )
            for fault in (FAULT_BROKEN_DOWNLOAD, FAULT_GZIP_TEXT)
        ),
        # Model files no loader should be handed: a pickle whose load calls os.system
        # (never loaded by anything: its marker file must never appear), a safetensors
        # header that claims more bytes than the file holds; and a benign torch pickle.
        *(
            FakeHfRepo(
                repo_id=repo_id,
                files=[readme_file({"license": "mit"}, "# Pickled\n"), _small_config(), weights],
                card_data={"license": "mit"},
            )
            for repo_id, weights in (
                ("fault/pickle-os-system", FakeFile("pytorch_model.bin", malicious_pickle())),
                ("fault/corrupt-safetensors", FakeFile("model.safetensors", lying_safetensors())),
                ("fault/torch-pickle", FakeFile("pytorch_model.bin", torch_state_dict_zip())),
            )
        ),
        # One unsafe name per repository, so each refusal is proven on its own.
        *(
            FakeHfRepo(
                repo_id=f"fault/unsafe-{kind}", files=[text_file(name, body), _small_config()]
            )
            for kind, name, body in (
                ("dotdot", "../escape.txt", "escaped the download directory\n"),
                ("absolute", "/etc/absolute.txt", "absolute path\n"),
                ("climb", "ok/../../up.txt", "climbed out\n"),
            )
        ),
    ]


def hf_repos() -> list[FakeHfRepo]:
    return [
        bert_base_uncased(),
        bert_finetuned_sst2(),
        no_card_model(),
        noncommercial_model(),
        large_weights(),
        gated_model(),
        diffusion_pipeline(),
        bookcorpus(),
        sst2(),
        *fault_repos(),
    ]
