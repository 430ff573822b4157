"""Which files `driftgate lint` reads, and as what kind (deploy, build, workflow, compose).

A directory is a repository root: its `.github/workflows/*.yml|yaml` and the
pack's compose files; with no path, the repository the current directory is in
(from any folder of it; paths then relative to the current directory). A file is linted
as the kind the pack's globs give its path relative to its repository root
(the parent of its `.github` folder, else the nearest folder holding `.github`,
`.git` or a driftgate config); failing that the engine decides from its content (kind "auto").

>>> from driftgate.policies.pack import FileGlobs
>>> kind_for(".github/workflows/deploy.yml", FileGlobs((".github/workflows/deploy.yml",)))
'deploy'
"""

import os
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from driftgate.policies.errors import InputError

WORKFLOW_DIR = (".github", "workflows")
YAML_SUFFIXES = (".yml", ".yaml")
ROOT_MARKERS = (".github", ".git", "driftgate.yaml", ".driftgate.yaml")


@dataclass(frozen=True, slots=True)
class Target:
    """One file to lint: its path as shown, its repo root, its path from the root, its kind
    (deploy, build, workflow, compose or auto)."""

    path: str
    root: str
    relative: str
    kind: str


@dataclass(frozen=True, slots=True)
class UnmatchedGlobs:
    """A pack glob list that matched no file in a linted repository."""

    root: str
    kind: str  # deploy, build or compose
    patterns: tuple
    rule_ids: tuple  # the rules for that kind of file, which then checked nothing

    @property
    def message(self):
        """E.g. "no deploy workflow matched `deploy.yml`: DG101-DG113 checked nothing"."""
        what = {"deploy": "deploy workflow", "build": "build workflow"}.get(self.kind, "file")
        if self.kind == "compose":
            what = "compose file"
        globs = ", ".join(f"`{p}`" for p in self.patterns)
        ids = sorted(self.rule_ids)
        span = ids[0] if len(ids) == 1 else f"{ids[0]}-{ids[-1]}" if ids else "its rules"
        return f"no {what} matched {globs}: {span} checked nothing"


def matches(relative, patterns):
    """fnmatch on POSIX paths; a pattern without a slash also matches the basename."""
    name = relative.rpartition("/")[2]  # string work: called per file per glob list
    return any(
        fnmatchcase(relative, pattern) or ("/" not in pattern and fnmatchcase(name, pattern))
        for pattern in patterns
    )


def kind_for(relative, files):
    """The kind the pack's globs give a root-relative path, or None."""
    if matches(relative, files.deploy_workflows):
        return "deploy"
    if matches(relative, files.build_workflows):
        return "build"
    if matches(relative, files.compose_files):
        return "compose"
    parts = relative.split("/")  # root-relative paths here are normalised POSIX paths
    if len(parts) == 3 and tuple(parts[:2]) == WORKFLOW_DIR and relative.endswith(YAML_SUFFIXES):
        return "workflow"
    return None


def repo_root(path):
    """The repository root a file sits in (see module docstring)."""
    absolute = Path(os.path.abspath(path))
    parents = absolute.parents
    for parent in parents:
        if parent.name == ".github":
            return parent.parent
    for parent in parents:
        if any((parent / marker).exists() for marker in ROOT_MARKERS):
            return parent
    return absolute.parent


def discover(paths, files_for_root, ignored, cwd="."):
    """Targets for the given paths, in a stable order, InputErrors for missing ones, and
    the repository roots scanned as a whole (where unmatched globs are worth a notice).

    `files_for_root(root) -> FileGlobs` gives the pack's globs for a root;
    `ignored(root, relative) -> bool` applies the config's ignore globs.
    """
    targets, errors, seen, scanned = [], [], set(), []

    def add(target):
        key = os.path.realpath(target.path)
        if key not in seen:
            seen.add(key)
            targets.append(target)

    for given in paths or [cwd]:
        if os.path.isdir(given):
            directory = Path(os.path.abspath(given))
            # `.github` or `.github/workflows` itself: the workflows of its repository
            inside = directory.name == ".github" or (
                directory.name == "workflows" and directory.parent.name == ".github"
            )
            # No path: the repository the current directory is in, from any folder of it.
            root = repo_root(directory / "x") if inside or not paths else directory
            files = files_for_root(root)
            if not inside and str(root) not in scanned:
                scanned.append(str(root))
            found, unreadable = _repository_files(root, files)
            found = [r for r in found if not inside or (root / r).is_relative_to(directory)]

            def shown(relative, given=given, directory=directory, root=root):
                """The path as the user can open it: relative to the current directory
                (or to the given directory, joined to it as given)."""
                # relative is already normalised: relpath only when the root is elsewhere
                path = (
                    relative if root == directory else os.path.relpath(root / relative, directory)
                )
                return os.path.normpath(os.path.join(given, path)) if paths else path

            for relative, reason in unreadable:
                errors.append(InputError(shown(relative), reason))
            if not found and not unreadable:
                message = "no workflow (.github/workflows/*.yml) or compose file of the pack here"
                errors.append(InputError(given, f"{message}; is it a repository root?"))
            for relative in found:
                if not ignored(root, relative):
                    add(Target(shown(relative), str(root), relative, kind_for(relative, files)))
        elif os.path.lexists(given):
            root = repo_root(given)
            relative = Path(os.path.abspath(given)).relative_to(root).as_posix()
            if ignored(root, relative):
                continue
            kind = kind_for(relative, files_for_root(root)) or "auto"
            add(Target(given, str(root), relative, kind))
        else:
            errors.append(InputError(given, "no such file or directory"))
    return targets, errors, scanned


KINDS_WITH_GLOBS = (
    ("deploy", "deploy_workflows"),
    ("build", "build_workflows"),
    ("compose", "compose_files"),
)


def unmatched_globs(root, files, targets, rule_ids):
    """UnmatchedGlobs for each of the pack's glob lists that no file under `root` matched;
    rule_ids(kind) -> the ids of the rules that check that kind of file. An empty glob
    list is the pack saying there is no such file (a build-only pipeline): no notice."""
    kinds = {t.kind for t in targets if t.root == str(root)}
    return [
        UnmatchedGlobs(str(root), kind, tuple(getattr(files, field)), tuple(rule_ids(kind)))
        for kind, field in KINDS_WITH_GLOBS
        if kind not in kinds and rule_ids(kind) and getattr(files, field)
    ]


def _repository_files(root, files):
    """Root-relative paths: every workflow, then the compose files the pack names; and
    (root-relative path, reason) for a folder that could not be listed.

    An entry whose type cannot be told (a symlink loop) is kept: reading it names the problem.
    """
    found, unreadable = [], []
    workflows = root.joinpath(*WORKFLOW_DIR)
    prefix = "/".join(WORKFLOW_DIR)
    try:
        if workflows.is_dir():
            with os.scandir(workflows) as entries:
                names = [
                    e.name for e in entries if e.name.endswith(YAML_SUFFIXES) and not _is_dir(e)
                ]
            found += sorted(f"{prefix}/{name}" for name in names)
    except OSError as exc:
        unreadable.append((prefix, f"cannot read: {exc.strerror or exc}"))
    for pattern in files.compose_files:
        try:
            paths = [p for p in root.glob(pattern) if _is_file(p)]
        except OSError as exc:
            unreadable.append((pattern, f"cannot read: {exc.strerror or exc}"))
            continue
        found += sorted(p.relative_to(root).as_posix() for p in paths)
    return list(dict.fromkeys(found)), unreadable


def _is_dir(entry):
    try:
        return entry.is_dir()
    except OSError:  # a symlink loop, no permission: not known to be a folder
        return False


def _is_file(path):
    try:
        return path.is_file()
    except OSError:  # no permission to look: linted, so that reading it says why
        return True
