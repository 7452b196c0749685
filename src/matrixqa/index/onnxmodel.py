"""Run a sentence-transformers model with ONNX Runtime: exported once from its own weights, then torch-free.

The export is made locally from the model folder (torch traces the transformer; nothing is
downloaded) and kept in a cache folder of its own, one subfolder per model fingerprint, with a
small manifest naming the model and the export's checksum. Serving reads the export with
onnxruntime and the tokenizer with the `tokenizers` package, so torch is never imported. Pooling
(the mean of the token vectors, as the model's 1_Pooling config says) and normalisation are done
here with numpy, the same as sentence-transformers does them.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matrixqa.errors import ModelError
from matrixqa.index.checksum import checksum_matches, file_checksum

EXPORT = "model.onnx"
EXPORT_MANIFEST = "export.json"
EXPORT_FORMAT = 1
OPSET = 17
BATCH = 32  # texts per forward pass
TORCH_HINT = "or set MATRIXQA_BACKEND=torch"


@dataclass(frozen=True)
class ModelLayout:
    """What the ONNX path needs to know of a sentence-transformers folder."""

    max_length: int
    inputs: tuple[str, ...]  # the transformer's inputs, as the tokenizer names them


def read_layout(path: Path) -> ModelLayout:
    """The sequence length and pooling of a model folder; refuse what this path cannot reproduce."""
    pooling = _json(path / "1_Pooling" / "config.json", {"pooling_mode_mean_tokens": True})
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v]
    if modes != ["pooling_mode_mean_tokens"]:
        raise ModelError(f"the ONNX backend only reproduces mean pooling, and {path} uses {modes}: {TORCH_HINT}")
    config = _json(path / "config.json", {})
    length = _json(path / "sentence_bert_config.json", {}).get("max_seq_length") or config.get(
        "max_position_embeddings", 512
    )
    inputs = ("input_ids", "attention_mask") + (("token_type_ids",) if config.get("type_vocab_size", 0) else ())
    return ModelLayout(int(length), inputs)


def _json(path: Path, default: dict) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default
    except (OSError, ValueError) as error:
        raise ModelError(f"cannot read {path}: {error}") from None


def cached_export(path: Path, fingerprint: str, cache_dir: Path) -> Path:
    """The ONNX export of the model in path: the cached one when its manifest checks out, else made now."""
    folder = Path(cache_dir) / fingerprint
    if _export_is_sound(folder, fingerprint):
        return folder / EXPORT
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{fingerprint}-", dir=folder.parent))
    try:
        export_model(path, staging / EXPORT)
        manifest = {
            "format": EXPORT_FORMAT,
            "model_fingerprint": fingerprint,
            "checksum": file_checksum(staging / EXPORT),
        }
        (staging / EXPORT_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        staging.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)  # a damaged or stale export
        try:
            staging.rename(folder)
        except OSError:  # another process exported the same model at the same time
            if not _export_is_sound(folder, fingerprint):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder / EXPORT


def _export_is_sound(folder: Path, fingerprint: str) -> bool:
    try:
        manifest = json.loads((folder / EXPORT_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        manifest.get("format") == EXPORT_FORMAT
        and manifest.get("model_fingerprint") == fingerprint
        and checksum_matches(folder / EXPORT, manifest.get("checksum"))
    )


def export_model(path: Path, target: Path) -> None:
    """Trace the model's transformer with torch into an ONNX file (the only step that needs torch)."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError as error:
        raise ModelError(f"exporting the model to ONNX needs torch and transformers ({error}) {TORCH_HINT}") from None
    layout = read_layout(path)
    try:
        transformer = AutoModel.from_pretrained(str(path), attn_implementation="eager", local_files_only=True).eval()
    except Exception as error:  # the library raises many kinds; all mean the same to a user
        raise ModelError(f"could not load the model in {path} to export it: {error}") from None

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *inputs):
            return self.transformer(**dict(zip(layout.inputs, inputs, strict=True))).last_hidden_state

    example = tuple(torch.ones((1, 4), dtype=torch.int64) for _ in layout.inputs)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*layout.inputs, "last_hidden_state")}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the tracer's notes on Python control flow it has frozen
        torch.onnx.export(
            LastHiddenState(),
            example,
            str(target),
            dynamo=False,  # the TorchScript tracer: no onnxscript needed, and it handles BERT
            input_names=list(layout.inputs),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=OPSET,
        )


def similar_lengths(lengths: list[int]) -> list[list[int]]:
    """The positions of texts in batches of at most BATCH, shortest first, each text at most twice (and eight
    tokens more than) the batch's shortest: little of a batch is padding."""
    batches: list[list[int]] = []
    for position in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        batch = batches[-1] if batches else None
        if batch and len(batch) < BATCH and lengths[position] <= 2 * lengths[batch[0]] + 8:
            batch.append(position)
        else:
            batches.append([position])
    return batches


class OnnxEncoder:
    """Tokenise with `tokenizers`, run the transformer with onnxruntime, mean-pool and normalise."""

    def __init__(self, path: Path, export: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        layout = read_layout(path)
        try:
            self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        except Exception as error:  # a missing or foreign tokenizer file
            raise ModelError(f"the ONNX backend needs {path / 'tokenizer.json'} ({error}) {TORCH_HINT}") from None
        # tokenizer.json may carry a fixed padding length; pad to the longest text of a batch instead.
        padding = self.tokenizer.padding or {}
        self.tokenizer.enable_padding(pad_id=padding.get("pad_id", 0), pad_token=padding.get("pad_token", "[PAD]"))
        self.tokenizer.enable_truncation(layout.max_length)
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle pool threads would otherwise spin between batches, taking the cores the WSGI threads need.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = onnxruntime.InferenceSession(str(export), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime's own exception types
            raise ModelError(f"onnxruntime cannot load {export} ({error}): delete it to export again") from None
        self.inputs = tuple(i.name for i in self.session.get_inputs())
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    def token_counter(self) -> Callable[[str], int]:
        """How many tokens the model's tokenizer makes of a whole text, counted on any thread: a tokenizer of its
        own, which neither cuts a text to the model's length nor adds [CLS] and [SEP]."""
        from tokenizers import Tokenizer

        counting = Tokenizer.from_str(self.tokenizer.to_str())
        counting.no_truncation()
        counting.no_padding()
        return lambda text: len(counting.encode(text, add_special_tokens=False).ids)

    def __call__(self, texts: list[str]) -> np.ndarray:
        """One normalised row per text. Texts go through the model in batches of similar length: padding a
        word to the length of the question it came with costs as much as the question."""
        encoded = self.tokenizer.encode_batch(texts)  # padded on the right to the longest of all
        lengths = [sum(e.attention_mask) for e in encoded]
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for rows in similar_lengths(lengths):
            out[rows] = self._run([encoded[i] for i in rows], max(lengths[i] for i in rows))
        return out

    def _run(self, encoded: list, length: int) -> np.ndarray:
        """Texts already tokenised, cut to the longest of this batch (what lies beyond is padding)."""
        ids = np.array([e.ids[:length] for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask[:length] for e in encoded], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {name: feed[name] for name in self.inputs})[0]
        summed = np.einsum("btd,bt->bd", hidden, mask.astype(hidden.dtype))
        vectors = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)
