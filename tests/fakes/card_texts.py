"""The markdown of the benchmark cards (``card_content.py``), each in its family's style.

Long table rows and full-width punctuation are what real cards hold: kept as written.
"""

# ruff: noqa: E501, RUF001

from __future__ import annotations

ROBERTA_BODY = """\
# RoBERTa-style base model

Pretrained model on English language using a masked language modeling (MLM) objective.
It was introduced in [this paper](https://arxiv.org/abs/1907.11692) and first released in
[this repository](https://github.com/acme-research/roberta/tree/main/examples). This model
is case-sensitive: it makes a difference between english and English.

## Model description

RoBERTa is a transformers model pretrained on a large corpus of English data in a
self-supervised fashion. This means it was pretrained on the raw texts only, with no
humans labelling them in any way, with an automatic process to generate inputs and labels
from those texts. It learns an inner representation of the English language that can
then be used to extract features useful for downstream tasks: if you have a dataset of
labeled sentences, for instance, you can train a standard classifier using the features
produced by the model as inputs.

## Intended uses & limitations

You can use the raw model for masked language modeling, but it is mostly intended to be
fine-tuned on a downstream task, such as sequence classification or question answering.

### How to use

```bash
pip install transformers torch
```

```python
from transformers import pipeline

unmasker = pipeline("fill-mask", model="acme/roberta-style")
unmasker("Hello I'm a <mask> model.")
```

### Limitations and bias

The training data contains a lot of unfiltered content from the internet, which is far
from neutral. Therefore, the model can have biased predictions.

## Training data

The model was pretrained on the reunion of two datasets: [BookCorpus](https://huggingface.co/datasets/bookcorpus),
a dataset of 11,038 unpublished books, and [English Wikipedia](https://huggingface.co/datasets/wikipedia)
(excluding lists, tables and headers).

## Evaluation results

When fine-tuned on downstream tasks, this model achieves the following results:

| Task | MNLI | QQP | QNLI | SST-2 | CoLA | STS-B | MRPC | RTE |
|:----:|:----:|:---:|:----:|:-----:|:----:|:-----:|:----:|:---:|
|      | 87.6 | 91.9| 92.8 | 94.8  | 63.6 | 91.2  | 90.2 | 78.7|

See the [documentation](https://huggingface.co/docs/transformers/model_doc/roberta).
"""

VIT_BODY = """\
# Vision Transformer (base-sized model)

Vision Transformer (ViT) model pre-trained and fine-tuned on ImageNet-1k at resolution
224x224 ([paper](https://arxiv.org/abs/2010.11929)); trained on
<https://huggingface.co/datasets/acme-vision/imagenet-1k>.

| Model | Params | Resolution | ImageNet top-1 | ImageNet-ReaL | CIFAR-10 | CIFAR-100 |
|---|---|---|---|---|---|---|
| ViT-B/16 | 86M | 224 | 81.1 | 86.8 | 98.1 | 87.1 |
| ViT-L/16 | 307M | 224 | 82.7 | 87.6 | 98.9 | 91.4 |

| Preprocessing | Value |
|---|---|
| resize | 256 |
| center crop | 224 |
| normalize mean | 0.5, 0.5, 0.5 |

### How to use

```python
from transformers import ViTImageProcessor, ViTForImageClassification
from PIL import Image

processor = ViTImageProcessor.from_pretrained("acme/vit-style")
model = ViTForImageClassification.from_pretrained("acme/vit-style")
inputs = processor(images=Image.open("cat.png"), return_tensors="pt")
print(model(**inputs).logits.argmax(-1))
```
"""

TINYLLAMA_BODY = """\
# TinyLlama 1B

TinyLlama is a compact 1.1B-parameter language model with the Llama 2 architecture and
tokenizer, so it plugs into projects built on Llama. It was pretrained on 3 trillion
tokens of [Tiny Corpus](https://huggingface.co/datasets/acme/tiny-corpus), a filtered web
collection, over 90 days on 16 A100 GPUs. The code is at https://github.com/acme/tinyllama.
It suits applications with a restricted compute and memory budget.

## How to use

```bash
pip install transformers accelerate
```

```python
from transformers import AutoTokenizer, AutoModelForCausalLM

tokenizer = AutoTokenizer.from_pretrained("acme/tinyllama-1b")
model = AutoModelForCausalLM.from_pretrained("acme/tinyllama-1b")
print(tokenizer.decode(model.generate(**tokenizer("Hello", return_tensors="pt"))[0]))
```

## Evaluation

| Model | HellaSwag | OBQA | WinoGrande | ARC-c | BoolQ | PIQA | Avg |
|---|---|---|---|---|---|---|---|
| TinyLlama 1.1B | 59.20 | 36.00 | 59.12 | 30.12 | 57.83 | 73.29 | 52.59 |

Paper: https://arxiv.org/abs/2401.02385
"""

TINYLLAMA_CHAT_BODY = """\
# TinyLlama 1B Chat

This is a chat model fine-tuned on top of [acme/tinyllama-1b](https://huggingface.co/acme/tinyllama-1b)
with supervised fine-tuning on [Acme Instructions](https://huggingface.co/datasets/acme/instructions),
a set of 8,000 instruction and answer pairs written by the Acme team. It follows short
instructions and answers questions in English. The training code is in
https://github.com/acme/tinyllama/tree/main/chat.

## How to use

```python
from transformers import pipeline

chat = pipeline("text-generation", model="acme/tinyllama-chat")
print(chat("How many helicopters can a human eat in one sitting?")[0]["generated_text"])
```

## Results

On MT-Bench it scores 3.5 (base: 2.1); on AlpacaEval its win rate is 15.2%.
"""

GGUF_BODY = """\
<!-- markdownlint-disable MD041 -->

<!-- header start -->
<div style="width: auto; margin-left: auto; margin-right: auto">
<img src="https://example.com/acme-quant.jpg" alt="Acme Quant" style="width: 100%;">
</div>
<!-- header end -->

# TinyLlama 1B - GGUF
- Model creator: [Acme](https://huggingface.co/acme)
- Original model: [TinyLlama 1B](https://huggingface.co/acme/tinyllama-1b)

## Description

This repo contains GGUF format model files for [Acme's TinyLlama 1B](https://huggingface.co/acme/tinyllama-1b).
GGUF is a format introduced by the llama.cpp team (https://github.com/ggerganov/llama.cpp).
Quantised models are smaller and run on CPUs with little memory, at some cost in quality.

## Provided files

| Name | Quant method | Bits | Size | Max RAM required | Use case |
| ---- | ---- | ---- | ---- | ---- | ----- |
| [tinyllama-1b.Q4_K_M.gguf](https://huggingface.co/acme/tinyllama-gguf/blob/main/tinyllama-1b.Q4_K_M.gguf) | Q4_K_M | 4 | 0.67 GB| 3.17 GB | medium, balanced quality - recommended |
| [tinyllama-1b.Q8_0.gguf](https://huggingface.co/acme/tinyllama-gguf/blob/main/tinyllama-1b.Q8_0.gguf) | Q8_0 | 8 | 1.17 GB| 3.67 GB | very large, extremely low quality loss |

## How to run

```shell
./main -ngl 32 -m tinyllama-1b.Q4_K_M.gguf --temp 0.7 -p "Tell me about AI"
```

```python
from llama_cpp import Llama

llm = Llama(model_path="./tinyllama-1b.Q4_K_M.gguf", n_ctx=2048)
print(llm("Tell me about AI", max_tokens=64))
```
"""

PEFT_TEMPLATE = """\
# Model Card for Model ID

<!-- Provide a quick summary of what the model is/does. -->

## Model Details

### Model Description

<!-- Provide a longer summary of what this model is. -->

- **Developed by:** [More Information Needed]
- **Funded by [optional]:** [More Information Needed]
- **Model type:** [More Information Needed]
- **Language(s) (NLP):** [More Information Needed]
- **License:** [More Information Needed]
- **Finetuned from model [optional]:** [More Information Needed]

## Uses

### Direct Use

[More Information Needed]

## How to Get Started with the Model

Use the code below to get started with the model.

[More Information Needed]

## Training Details

### Training Data

[More Information Needed]

### Framework versions

- PEFT 0.7.1
"""

SLERP_BODY = """\
# tinyllama-slerp

This is a merge of pre-trained language models created using [mergekit](https://github.com/cg123/mergekit).

## Merge Details
### Merge Method

This model was merged using the SLERP merge method.

### Models Merged

The following models were included in the merge:
* [acme/tinyllama-1b](https://huggingface.co/acme/tinyllama-1b)
* [acme/tinyllama-chat](https://huggingface.co/acme/tinyllama-chat)

### Configuration

The following YAML configuration was used to produce this model:

```yaml
slices:
  - sources:
      - model: acme/tinyllama-1b
        layer_range: [0, 22]
      - model: acme/tinyllama-chat
        layer_range: [0, 22]
merge_method: slerp
base_model: acme/tinyllama-1b
parameters:
  t: 0.5
dtype: bfloat16
```
"""

HTML_BODY = """\
<p align="center">
    <img src="https://example.com/html-llm-logo.png" width="400"/>
</p>
<p align="center">
  🤗 <a href="https://huggingface.co/acme">Hugging Face</a>&nbsp;&nbsp; | &nbsp;&nbsp;
  🖥️ <a href="https://github.com/acme/html-llm">GitHub</a>&nbsp;&nbsp; | &nbsp;&nbsp;
  📑 <a href="https://arxiv.org/abs/2309.16609">Paper</a>
</p>
<br>

## Introduction

HTML-LLM is a bilingual chat model for Chinese and English, trained on a large mixture
of web text, books and code, then aligned with human feedback. It answers questions,
writes and summarises text, and follows multi-step instructions in both languages. It
was trained on <a href="https://huggingface.co/datasets/acme/tiny-corpus">Tiny Corpus</a>
among other sources, and the training code is open.

## Quickstart

```python
from transformers import AutoModelForCausalLM, AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained("acme/html-card")
model = AutoModelForCausalLM.from_pretrained("acme/html-card", device_map="auto")
print(tokenizer.decode(model.generate(**tokenizer("你好", return_tensors="pt"))[0]))
```

## Evaluation

<table>
  <tr><th>Model</th><th>MMLU</th><th>C-Eval</th><th>GSM8K</th><th>HumanEval</th></tr>
  <tr><td>HTML-LLM 7B</td><td>58.2</td><td>63.5</td><td>51.7</td><td>29.9</td></tr>
</table>

MMLU: 58.2, GSM8K: 51.7 (5-shot).
"""

JAPANESE_BODY = """\
# 日本語BERTベースモデル

このモデルは、日本語版ウィキペディア（https://huggingface.co/datasets/wikipedia）で事前学習された
BERTモデルです。入力テキストはMeCabで単語に分割された後、WordPieceでサブワードに分割されます。
語彙数は32,000で、最大系列長は512トークンです。学習にはマスク言語モデルの目的関数を用いました。
文書分類や固有表現抽出などの下流タスクで微調整して利用することを想定しています。

## 使い方

```bash
pip install transformers fugashi
```

```python
from transformers import AutoModelForMaskedLM, AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained("acme/bert-japanese")
model = AutoModelForMaskedLM.from_pretrained("acme/bert-japanese")
```

## 評価

| タスク | 精度 |
|---|---|
| JGLUE MARC-ja | 95.6 |
| JGLUE JSTS | 89.2 |

ライセンス: CC BY-SA 4.0。
"""

LLAMA_GATED_BODY = """\
# Llama-style 7B

## Model Details

Acme Llama is a family of pretrained and fine-tuned generative text models ranging in
scale from 7 billion to 70 billion parameters. This is the repository for the 7B
pretrained model, converted for the Hugging Face Transformers format. Access requires
accepting the licence on this page. Code: [github.com/acme/llama](https://github.com/acme/llama).

## Intended Use

Intended for commercial and research use in English. Tuned models are intended for
assistant-like chat, whereas pretrained models can be adapted for a variety of natural
language generation tasks.

## How to use

```python
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("acme/llama-gated", token="hf_...")
```

## Evaluation Results

| Model | Size | Code | Commonsense Reasoning | World Knowledge | MMLU | BBH |
|---|---|---|---|---|---|---|
| Llama-style | 7B | 16.8 | 63.9 | 48.9 | 45.3 | 32.6 |
"""

LOCAL_PATH_BODY = """\
# bert-sst2 (local path)

This model is a fine-tuned version of [google-bert/bert-base-uncased](https://huggingface.co/google-bert/bert-base-uncased)
on the [SST-2](https://huggingface.co/datasets/stanfordnlp/sst2) dataset. Its `config.json`
still names the folder it was trained in. It achieves an accuracy of 92.4 on SST-2.

## How to use

```python
from transformers import pipeline

print(pipeline("text-classification", model="acme/local-path-finetune")("I loved it"))
```
"""
