"""Cache keys made by pickling, so that equal values give equal bytes (and unequal values never do)."""

from __future__ import annotations

import io
import pickle
from typing import Any

import numpy as np


def cache_key(*parts: Any) -> bytes:
    """The parts as bytes for a cache key: Streamlit's own hashing of tables and of tuples of arrays costs
    milliseconds, this a few microseconds. loads() gives the parts back."""
    out = io.BytesIO()
    _ValuePickler(out, protocol=5).dump(parts)
    return out.getvalue()


def loads(key: bytes) -> tuple:
    return pickle.loads(key)


class _ValuePickler(pickle.Pickler):
    # An array pickles as its dtype, shape and bytes: plain pickle shares a dtype object between two arrays that
    # hold the same one, so equal arrays that came from different places gave different bytes (a missed cache).
    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is np.ndarray and obj.dtype.kind in "biufcmMSUV":
            return _array, (obj.dtype.str, obj.shape, obj.tobytes())
        return NotImplemented


def _array(dtype: str, shape: tuple[int, ...], data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()
