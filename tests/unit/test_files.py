from registry.domain.models import ArtifactType, FileRole
from registry.sources.files import classify, redundant_weight_files

M, D, C = ArtifactType.MODEL, ArtifactType.DATASET, ArtifactType.CODE


def test_roles_of_a_typical_model_repo() -> None:
    expected = {
        "model.safetensors": FileRole.WEIGHTS,
        "pytorch_model-00001-of-00002.bin": FileRole.WEIGHTS,
        "config.json": FileRole.CONFIG,
        "generation_config.json": FileRole.CONFIG,
        ".gitattributes": FileRole.CONFIG,
        "tokenizer.json": FileRole.TOKENIZER,
        "vocab.txt": FileRole.TOKENIZER,
        "merges.txt": FileRole.TOKENIZER,
        "spiece.model": FileRole.TOKENIZER,
        "README.md": FileRole.DOCS,
        "LICENSE": FileRole.DOCS,
        "modeling_custom.py": FileRole.CODE,
        "q4/model-q4_k_m.gguf": FileRole.WEIGHTS,
    }
    assert {p: classify(p, M) for p in expected} == expected


def test_roles_in_datasets_and_code() -> None:
    assert classify("data/train-00000-of-00001.parquet", D) is FileRole.DATA
    assert classify("dataset_infos.json", D) is FileRole.CONFIG
    assert classify("README.md", D) is FileRole.DOCS
    assert classify("train.csv", D) is FileRole.DATA
    assert classify("src/app.py", C) is FileRole.CODE
    assert classify("requirements.txt", C) is FileRole.CODE
    assert classify("docs/guide.md", C) is FileRole.DOCS
    assert classify("assets/blob.unknown", C) is FileRole.CODE


def test_safetensors_wins_over_other_formats_of_the_same_weights() -> None:
    paths = [
        "model.safetensors",
        "pytorch_model.bin",
        "tf_model.h5",
        "flax_model.msgpack",
        "rust_model.ot",
        "onnx/model.onnx",
        "config.json",
        "training_args.bin",
    ]
    assert redundant_weight_files(paths) == {
        "pytorch_model.bin",
        "tf_model.h5",
        "flax_model.msgpack",
        "rust_model.ot",
        "onnx/model.onnx",
    }


def test_without_safetensors_pytorch_is_kept() -> None:
    assert redundant_weight_files(["pytorch_model.bin", "tf_model.h5"]) == {"tf_model.h5"}


def test_single_format_and_gguf_variants_are_all_kept() -> None:
    assert redundant_weight_files(["model-00001.safetensors", "model-00002.safetensors"]) == set()
    assert redundant_weight_files(["m.Q4_K_M.gguf", "m.Q8_0.gguf"]) == set()


def test_format_choice_is_per_folder() -> None:
    paths = [
        "unet/diffusion_pytorch_model.safetensors",
        "unet/diffusion_pytorch_model.bin",
        "vae/diffusion_pytorch_model.bin",
        "text_encoder/model.safetensors",
    ]
    assert redundant_weight_files(paths) == {"unet/diffusion_pytorch_model.bin"}
