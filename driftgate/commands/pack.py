"""`driftgate pack check FILE` (validate a pack, show what each rule family reads) and
`driftgate pack docs` (write docs/packs.md from the pack schema).

Thin: the judgements are policies/pack.py, policies/pack_check.py and
policies/pack_docs.py; this module reads the files they need.
"""

import os
import sys
from pathlib import Path

from driftgate.commands import help_of

WORKFLOWS = (".github", "workflows")


def register(subparsers):
    parser = subparsers.add_parser("pack", help=help_of("pack"))
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="validate a pack and list the files each rule family reads here",
        description="Validate a pack (one line per wrong field: file, line, field; exit 2) "
        "and print, for each rule family, the pack's globs and the files of the current "
        "repository they match.",
    )
    check.add_argument("file", metavar="FILE", help="the pack, or a bundled pack's name")
    check.add_argument("--root", metavar="DIR", help="repository root (default: the current one)")
    check.set_defaults(run=run_check)
    docs = actions.add_parser("docs", help="print docs/packs.md, generated from the pack schema")
    docs.add_argument("--check", metavar="FILE", help="exit 1 when FILE differs from the output")
    docs.set_defaults(run=run_docs)


def run_check(args):
    from driftgate.policies.pack import load_pack, resolve_pack_path
    from driftgate.policies.pack_check import coverage, render

    pack = load_pack(args.file)  # a PackError is one line per wrong field, exit 2
    root = Path(args.root) if args.root else repository_root(Path.cwd())
    workflows = workflow_files(root)
    compose = {glob: glob_files(root, glob) for glob in pack.files.compose_files}
    shown = args.file if os.path.exists(args.file) else resolve_pack_path(args.file)
    sys.stdout.write(render(coverage(pack, workflows, compose), shown))
    return 0


def run_docs(args):
    import json

    from driftgate.policies.pack import PACKS
    from driftgate.policies.pack_docs import markdown

    schema = json.loads((PACKS / "pack.schema.json").read_text(encoding="utf-8"))
    generated = markdown(schema, (PACKS / "guide.md").read_text(encoding="utf-8"))
    if not args.check:
        sys.stdout.write(generated)
        return 0
    try:
        current = Path(args.check).read_text(encoding="utf-8")
    except OSError as exc:
        current = None
        print(f"driftgate: {args.check}: cannot read: {exc.strerror or exc}", file=sys.stderr)
    if current != generated:
        print(
            f"driftgate: {args.check} is stale; regenerate it with: "
            f"driftgate pack docs > {args.check}",
            file=sys.stderr,
        )
        return 1
    return 0


def repository_root(start):
    """The nearest folder at or above `start` holding `.git` or `.github`, else `start`."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists() or (folder / ".github").is_dir():
            return folder
    return start


def workflow_files(root):
    """Root-relative paths of `.github/workflows/*.yml|yaml`, sorted."""
    folder = root.joinpath(*WORKFLOWS)
    try:
        names = sorted(p.name for p in folder.iterdir() if p.suffix in (".yml", ".yaml"))
    except OSError:
        return []
    return ["/".join((*WORKFLOWS, name)) for name in names]


def glob_files(root, pattern):
    """Root-relative paths of the files a compose glob matches (as `driftgate lint` globs)."""
    try:
        return sorted(p.relative_to(root).as_posix() for p in root.glob(pattern) if p.is_file())
    except (OSError, ValueError):  # an unreadable folder, or a pattern pathlib refuses
        return []
