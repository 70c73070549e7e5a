"""What Docker would do with the repository's Dockerfile, .dockerignore and docker-compose.yml,
read without a Docker engine: the build context, the stages' steps, the compose variables.

Each piece follows Docker's documented rules closely enough for the files we write (no
heredocs, no ARG expansion, no JSON-form RUN), and says so where it stops.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


# -- .dockerignore (moby/patternmatcher) ---------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    text: str
    exclusion: bool  # a "!pattern": matched paths are put back
    regex: re.Pattern[str]


def _regex(pattern: str) -> re.Pattern[str]:
    """Docker's conversion: ``**`` any number of directories, ``*`` and ``?`` within one."""
    out, i = "^", 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            if pattern[i + 1 : i + 2] == "*":
                i += 1
                if pattern[i + 1 : i + 2] == "/":
                    i += 1  # "**/" is "**"
                out += ".*" if i + 1 >= len(pattern) else "(.*/)?"
            else:
                out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        elif ch in ".+()|{}$^":
            out += "\\" + ch
        else:
            out += ch
        i += 1
    return re.compile(out + "$")


def read_dockerignore(path: Path) -> list[Pattern]:
    patterns = []
    for line in path.read_text().splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        exclusion = text.startswith("!")
        if exclusion:
            text = text[1:].strip()
        cleaned = os.path.normpath(text).replace(os.sep, "/").lstrip("/") or "."
        patterns.append(Pattern(text=line, exclusion=exclusion, regex=_regex(cleaned)))
    return patterns


def ignored(path: str, patterns: Iterable[Pattern]) -> bool:
    """Whether ``path`` (relative, with /) stays out of the context: the last pattern that matches
    it or one of its parent directories decides."""
    parts = PurePosixPath(path).parts
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    result = False
    for pattern in patterns:
        if any(pattern.regex.match(candidate) for candidate in candidates):
            result = not pattern.exclusion
    return result


def working_copy_context(root: Path = ROOT) -> set[str]:
    """The files ``docker build`` would send from this working copy, as it is on disk."""
    patterns = read_dockerignore(root / ".dockerignore")
    prune = not any(p.exclusion for p in patterns)
    files: set[str] = set()
    for directory, dirs, names in os.walk(root):
        rel = Path(directory).relative_to(root).as_posix()
        rel = "" if rel == "." else rel + "/"
        if prune:
            dirs[:] = [d for d in dirs if not ignored(rel + d, patterns)]
        files.update(rel + name for name in names if not ignored(rel + name, patterns))
    return files


def clean_clone_context(root: Path = ROOT) -> set[str]:
    """The files a fresh clone would send: what git keeps (committed, or new and not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    patterns = read_dockerignore(root / ".dockerignore")
    return {name for name in listed.split("\0") if name and (root / name).is_file() and not ignored(name, patterns)}


# -- Dockerfile --------------------------------------------------------------------------------


@dataclass
class Step:
    keyword: str
    args: str
    flags: dict[str, str] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)


@dataclass
class Stage:
    base: str
    name: str | None
    steps: list[Step]


def stages(dockerfile: Path) -> list[Stage]:
    """The stages of a Dockerfile: continuation lines joined, comments left out."""
    logical: list[str] = []
    pending = ""
    for line in dockerfile.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    found: list[Stage] = []
    for text in logical:
        keyword, _, args = text.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = args.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            found.append(Stage(base=words[0], name=name, steps=[]))
            continue
        words = json.loads(args) if args.startswith("[") else shlex.split(args)
        flags = {}
        while words and words[0].startswith("--"):
            flag, _, value = words.pop(0)[2:].partition("=")
            flags[flag] = value
        found[-1].steps.append(Step(keyword=keyword, args=args, flags=flags, words=words))
    return found


def _into(fs: Path, workdir: PurePosixPath, dest: str) -> Path:
    target = PurePosixPath(dest) if dest.startswith("/") else workdir / dest
    return fs / str(target).lstrip("/")


def _place(found: Mapping[str, Path], dest: Path, dest_is_dir: bool) -> None:
    """COPY's rule: a directory's contents go into ``dest``; a single file goes into ``dest``
    when that names a directory (a trailing slash, several sources), else becomes it."""
    for rel, file in found.items():
        target = dest / rel if rel else (dest / file.name if dest_is_dir else dest)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, target)


def _context_sources(context: Path, files: set[str], source: str) -> dict[str, Path]:
    """{path inside the source directory, or "" for a source that is a file: the file}."""
    source = source.rstrip("/")
    if source in files:
        return {"": context / source}
    prefix = f"{source}/" if source not in ("", ".") else ""
    found = {name[len(prefix) :]: context / name for name in files if name.startswith(prefix)}
    if not found:
        raise FileNotFoundError(f"COPY {source}: not in the build context")
    return found


def _stage_sources(stage_fs: Path, source: str) -> dict[str, Path]:
    path = stage_fs / source.lstrip("/")
    if path.is_file():
        return {"": path}
    found = {p.relative_to(path).as_posix(): p for p in path.rglob("*") if p.is_file()}
    if not found:
        raise FileNotFoundError(f"COPY --from: {source} is missing or empty in that stage")
    return found


def build(
    stage: Stage,
    fs: Path,
    *,
    context: Path,
    files: set[str],
    stages_fs: Mapping[str, Path] | None = None,
    run: bool = True,
    timeout: float = 300,
) -> None:
    """Carry out ``stage``'s WORKDIR, ENV, COPY and (with ``run``) RUN steps in ``fs``, a
    directory standing for the stage's file system. RUN is ``sh -c`` in the WORKDIR; commands
    must use paths relative to it (an absolute path would reach this machine's)."""
    workdir = PurePosixPath("/")
    env = dict(os.environ)
    for step in stage.steps:
        if step.keyword == "WORKDIR":
            workdir = workdir / step.words[0]
            _into(fs, workdir, ".").mkdir(parents=True, exist_ok=True)
        elif step.keyword == "ENV":
            for word in step.words:
                key, _, value = word.partition("=")
                env[key] = value
        elif step.keyword == "COPY":
            *sources, dest = step.words
            dest_is_dir = dest.endswith("/") or len(sources) > 1
            for source in sources:
                if "from" in step.flags:
                    found = _stage_sources((stages_fs or {})[step.flags["from"]], source)
                else:
                    found = _context_sources(context, files, source)
                _place(found, _into(fs, workdir, dest), dest_is_dir)
        elif step.keyword == "RUN" and run:
            cwd = _into(fs, workdir, ".")
            cwd.mkdir(parents=True, exist_ok=True)
            subprocess.run(["sh", "-c", step.args], cwd=cwd, env=env, check=True, timeout=timeout)


def copy_context(files: set[str], into: Path, root: Path = ROOT) -> Path:
    """The build context as a directory of its own (what the engine would receive)."""
    for name in files:
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    return into


# -- docker-compose.yml ---------------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::?-(?P<default>[^}]*))?\}")


def interpolate(value: Any, variables: Mapping[str, str]) -> Any:
    """Compose's interpolation: ``${X}``, ``${X:-default}`` (also when empty), ``${X-default}``
    (only when unset) and ``$$`` for a literal ``$``; applied through lists and mappings."""
    if isinstance(value, str):

        def one(match: re.Match[str]) -> str:
            if match.group(0) == "$$":
                return "$"
            name, default = match.group("name"), match.group("default")
            given = variables.get(name)
            if ":-" in match.group(0):
                return given or (default or "")
            if "-" in match.group(0).split(name, 1)[1]:
                return default or "" if given is None else given
            if given is None:
                raise KeyError(f"${{{name}}} has no value and no default")
            return given

        return _VARIABLE.sub(one, value)
    if isinstance(value, list):
        return [interpolate(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: interpolate(v, variables) for k, v in value.items()}
    return value


def compose(variables: Mapping[str, str], path: Path = ROOT / "docker-compose.yml") -> dict[str, Any]:
    import yaml

    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return dict(interpolate(loaded, variables))
