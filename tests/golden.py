"""Where the golden example lives: a copy inside the repository, so a clone with nothing beside it tests itself.

The files are the organisation department's reference workbooks, made with LibreOffice, and the results
computed for them independently of the product (see ``tests/data/golden/README.md``).
"""

from __future__ import annotations

from pathlib import Path

GOLDEN_SAMPLES = Path(__file__).resolve().parent / "data" / "golden"


def golden_sample_bytes(name: str) -> bytes:
    path = GOLDEN_SAMPLES / name
    assert path.is_file(), f"the golden sample {path} is missing"
    return path.read_bytes()
