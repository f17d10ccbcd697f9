"""The import boundary: `engine` is the non-UI core, `lessons` is content, only `tutor` knows Textual.

- engine imports nothing from lessons, tutor, textual, plotext or rich;
- lessons imports no Textual and no tutor widgets (tutor.app, tutor.components, tutor.screens);
- importing every engine module loads none of textual, plotext, tutor, lessons.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ENGINE_FORBIDDEN = ("lessons", "tutor", "textual", "textual_plotext", "plotext", "rich")
LESSONS_FORBIDDEN = ("textual", "textual_plotext", "tutor.app", "tutor.components", "tutor.screens")
ENGINE_MODULES = ["engine", "engine.nn", "engine.optim", "engine.losses", "engine.data", "engine.gradcheck"]
ENGINE_MODULES += ["engine.trace", "engine.explain", "engine.graph", "engine.value"]
ENGINE_MODULES += ["engine.tensor", "engine.tensor_nn", "engine.names"]


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, as absolute dotted names, with line numbers."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def violations(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for line, module in imported_modules(path):
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return bad


def test_engine_imports_no_ui_and_no_content():
    assert (ROOT / "engine" / "value.py").exists()
    assert violations("engine", ENGINE_FORBIDDEN) == []


def test_lessons_import_no_textual_and_no_tutor_widgets():
    # lessons/ may not exist yet, or be empty: then there is nothing to violate
    assert violations("lessons", LESSONS_FORBIDDEN) == []


def test_the_checker_sees_forbidden_imports(tmp_path, monkeypatch):
    fake_root = tmp_path
    (fake_root / "engine").mkdir()
    (fake_root / "engine" / "bad.py").write_text(
        "import textual.widgets\nfrom ..tutor import app\nfrom rich import print\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", fake_root)
    found = violations("engine", ENGINE_FORBIDDEN)
    assert [v.split(" imports ")[1] for v in found] == ["textual.widgets", "tutor", "tutor.app", "rich", "rich.print"]


def test_importing_the_engine_loads_no_ui():
    code = (
        "import sys\n"
        f"import {', '.join(ENGINE_MODULES)}\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'plotext', 'tutor', 'lessons', 'rich'})\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
