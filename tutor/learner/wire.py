"""Columns of numbers as compact JSON: the capture's wire format between child and parent.

A 100,000-node walk has about half a million numbers; as JSON lists of
floats they take a second to write and another to read. As base64 of
machine arrays they take milliseconds, and stay plain JSON, so a learner's
code writing on the channel can garble a result but never run anything in
the tutor. A float column carries what is not a number (an array, None, a
string) apart, as its repr by position.
"""

from __future__ import annotations

import base64
import math
from array import array
from collections.abc import Iterable, Sequence

Number = float | str  # a float, or the repr of something that is not a number


def pack_ints(values: Iterable[int]) -> str:
    return base64.b64encode(array("q", values).tobytes()).decode("ascii")


def unpack_ints(text: str) -> array:
    out = array("q")
    out.frombytes(base64.b64decode(text, validate=True))
    return out


def pack_numbers(values: Sequence[Number]) -> dict:
    """Floats in an array; anything else as NaN there and its text by position in `texts`."""
    try:
        return {"f64": base64.b64encode(array("d", values).tobytes()).decode("ascii"), "texts": {}}  # type: ignore[type-var]
    except TypeError:  # some are not floats
        pass
    floats = array("d", bytes(8 * len(values)))
    texts = {}
    for i, v in enumerate(values):
        if type(v) is float:
            floats[i] = v
        else:
            floats[i] = math.nan
            texts[str(i)] = str(v)
    return {"f64": base64.b64encode(floats.tobytes()).decode("ascii"), "texts": texts}


def unpack_numbers(packed: dict) -> list[Number]:
    floats = array("d")
    floats.frombytes(base64.b64decode(packed["f64"], validate=True))
    values: list[Number] = list(floats.tolist())
    for key, text in packed.get("texts", {}).items():
        values[int(key)] = str(text)
    return values
