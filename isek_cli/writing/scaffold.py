"""`isek init`: a new plan folder, either a small skeleton or the full example."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..resources import example_plan_dir, skeleton_dir
from ..plan.schema import SCHEMA_FOLDER, with_modeline, write_schemas
from ..errors import IsekError


class PlanExists(IsekError):
    pass


def create(directory: Path, *, city: str, start: int, end: int, example: bool = False, editor: bool = True) -> list[Path]:
    """Write the plan files; refuse (never overwrite) if DIR already holds a plan."""
    directory = Path(directory)
    if (directory / "isek.yaml").exists():
        raise PlanExists(f"{directory} already holds a plan (isek.yaml exists); nothing was written")
    directory.mkdir(parents=True, exist_ok=True)
    if example:
        return _copy_example(directory, editor)
    env = Environment(loader=FileSystemLoader(str(skeleton_dir())), keep_trailing_newline=True,
                      undefined=StrictUndefined, autoescape=False)
    # A JSON string is a valid YAML double-quoted scalar: safe for any city name.
    env.filters["yaml"] = lambda s: json.dumps(str(s), ensure_ascii=False)

    def modeline(kind: str, up: str = "") -> str:
        if not editor:
            return ""
        return f"# yaml-language-server: $schema={up}{SCHEMA_FOLDER}/{kind}.schema.json\n"

    names = {
        "isek.yaml": "isek.yaml",
        "actors.yaml": "actors.yaml",
        "areas.yaml": "areas.yaml",
        "indicators.yaml": "indicators.yaml",
        "fields/01-wohnen.yaml": "fields/01-wohnen.yaml",
        "progress/year.yaml": f"progress/{start}.yaml",
    }
    clashes = [t for t in names.values() if (directory / t).exists()]
    if clashes:
        raise PlanExists(f"{directory} already holds plan files ({', '.join(clashes)}); nothing was written")
    written = []
    for template, target in names.items():
        text = env.get_template(template).render(city=city, start=start, end=end, modeline=modeline)
        path = directory / target
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        written.append(path)
    if editor:
        written += write_schemas(directory / SCHEMA_FOLDER)
    written.append(_write_gitignore(directory))
    return written


GITIGNORE = """# isek's lock for concurrent writers, and temporary files of atomic writes
.isek.lock
.*.tmp
"""


def _write_gitignore(directory: Path) -> Path:
    path = directory / ".gitignore"
    if not path.exists():
        path.write_text(GITIGNORE, encoding="utf-8")
    return path


def _copy_example(directory: Path, editor: bool) -> list[Path]:
    source = example_plan_dir()
    # the plan files and the area outlines they name (areas/*.geojson)
    sources = sorted(p for p in source.rglob("*") if p.suffix in (".yaml", ".geojson") and p.is_file())
    clashes = [str(p.relative_to(source)) for p in sources if (directory / p.relative_to(source)).exists()]
    if clashes:
        raise PlanExists(f"{directory} already holds plan files ({', '.join(clashes[:5])}); nothing was written")
    written = []
    for path in sources:
        target = directory / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        rel = path.relative_to(source).as_posix()
        if editor and path.suffix == ".yaml":
            with open(target, "x", encoding="utf-8", newline="") as fh:
                fh.write(with_modeline(rel, path.read_text(encoding="utf-8")))
        else:
            shutil.copyfile(path, target)
        written.append(target)
    if editor:
        written += write_schemas(directory / SCHEMA_FOLDER)
    written.append(_write_gitignore(directory))
    return written
