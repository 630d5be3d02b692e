"""The repository tests itself: no file of the project reaches for a folder outside its own checkout.

A user who downloads the product, a mirror or a packager has nothing beside the checkout; a test or a
script that opened a sibling folder would pass on a developer's machine and fail everywhere else.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.golden import GOLDEN_SAMPLES

ROOT = Path(__file__).resolve().parents[1]
# Built from parts so that this file does not name what it looks for.
SIBLING_FOLDER = ".." + "/" + "shared"
PARENTS_OF_FILE = re.compile(r"Path\(__file__\)\.resolve\(\)\.parents\[(\d+)\]")
ABOVE_BASE_DIR = re.compile(r"BASE_DIR\)?\.parent\b")


def project_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=False)
    if listed.returncode == 0 and listed.stdout:
        names = [name for name in listed.stdout.decode().split("\0") if name]
    else:  # an export without .git: walk the tree, leaving out what .gitignore would
        names = [str(path.relative_to(ROOT)) for path in ROOT.rglob("*") if path.is_file()
                 and not {".venv", ".git", "var", "__pycache__"} & set(path.relative_to(ROOT).parts)]
    return [ROOT / name for name in names if (ROOT / name).is_file()]


def text_of(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None  # spreadsheets, images, compiled catalogues


def test_it_keeps_the_golden_sample_inside_the_repository():
    names = {path.name for path in GOLDEN_SAMPLES.iterdir()}
    assert {"scheme.xlsx", "stats_S01.xlsx", "stats_S06.xls", "components.xlsx",
            "expected_results.csv", "README.md"} <= names
    assert GOLDEN_SAMPLES.resolve().is_relative_to(ROOT)


def test_no_file_names_a_folder_beside_the_checkout():
    outside = str(ROOT.parent).rstrip("/") + "/"
    offenders = []
    for path in project_files():
        text = text_of(path)
        if text is None:
            continue
        name = path.relative_to(ROOT)
        for number, line in enumerate(text.splitlines(), start=1):
            if SIBLING_FOLDER in line:
                offenders.append(f"{name}:{number}: names {SIBLING_FOLDER}")
            if outside != "/" and outside in line and str(ROOT) not in line:
                offenders.append(f"{name}:{number}: names the absolute path {outside}")
            if path.suffix == ".py":
                for match in PARENTS_OF_FILE.finditer(line):
                    if not path.resolve().parents[int(match[1])].is_relative_to(ROOT):
                        offenders.append(f"{name}:{number}: Path(__file__).parents[{match[1]}] is outside")
                if ABOVE_BASE_DIR.search(line):
                    offenders.append(f"{name}:{number}: goes above BASE_DIR")
    assert offenders == []


def test_the_check_finds_a_sibling_folder_when_there_is_one(tmp_path):
    # The scan above must be able to fail: the same patterns on a line that does reach outside.
    line = f'SAMPLES = Path(__file__).resolve().parents[{len(Path(__file__).resolve().parents) - 1}] / "x"'
    assert PARENTS_OF_FILE.search(line)
    assert ABOVE_BASE_DIR.search("Path(settings.BASE_" + "DIR).parent / 'samples'")
    assert SIBLING_FOLDER in f"open('{SIBLING_FOLDER}/samples/scheme.xlsx')"
