"""`driftgate init`: write a starter driftgate.yaml and policy pack from this repository.

Thin: reads the repository's workflows and compose files, asks
policies/pack_init.py what they say and policies/pack_render.py for the text,
and writes both files, never over an existing one without --force.
"""

import sys
from pathlib import Path

from driftgate.commands import help_of

CONFIG_NAME = "driftgate.yaml"
PACK_NAME = "driftgate-pack.yaml"
COMPOSE_GLOBS = ("*compose*.yml", "*compose*.yaml", "*/*compose*.yml", "*/*compose*.yaml")


def register(subparsers):
    parser = subparsers.add_parser(
        "init",
        help=help_of("init"),
        description="Read the repository's workflows and compose files and write a starter "
        f"{CONFIG_NAME} (lint config) and {PACK_NAME} (policy pack) at its root. Every "
        "value that had to be guessed carries a `# guessed` comment.",
    )
    parser.add_argument("--root", metavar="DIR", help="repository root (default: the current one)")
    parser.add_argument("--pack-file", default=PACK_NAME, metavar="NAME", help="the pack's file")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    parser.set_defaults(run=run)


def run(args):
    from driftgate.commands.pack import repository_root, workflow_files
    from driftgate.policies.errors import DriftgateError
    from driftgate.policies.pack import load_pack
    from driftgate.policies.pack_init import infer
    from driftgate.policies.pack_render import render_config, render_pack

    root = Path(args.root) if args.root else repository_root(Path.cwd())
    if not root.is_dir():
        raise DriftgateError(f"{root}: not a folder")
    config_path, pack_path = root / CONFIG_NAME, root / args.pack_file
    existing = [str(p) for p in (config_path, pack_path) if p.exists()]
    if existing and not args.force:
        raise DriftgateError(f"{existing[0]} exists; pass --force to overwrite it")
    workflows = _parsed(root, workflow_files(root))
    composes = _parsed(root, _compose_files(root))
    starter = infer(workflows, composes, name=root.resolve().name)
    pack_text = render_pack(starter, args.pack_file)
    _validated(pack_text, load_pack)  # nothing is written unless the pack is valid
    if not pack_path.parent.is_dir():
        raise DriftgateError(f"--pack-file: {pack_path.parent} is not a folder")
    try:
        pack_path.write_text(pack_text, encoding="utf-8")
        config_path.write_text(render_config(args.pack_file), encoding="utf-8")
    except OSError as exc:
        raise DriftgateError(f"{exc.filename}: cannot write: {exc.strerror or exc}") from None
    print(
        f"driftgate: wrote {config_path} and {pack_path}; {starter.guesses} guessed value(s) "
        f"are marked `# guessed`. Next: driftgate pack check {args.pack_file}; driftgate lint",
        file=sys.stderr,
    )
    return 0


def _validated(text, load_pack):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / PACK_NAME
        path.write_text(text, encoding="utf-8")
        load_pack(path)


def _compose_files(root):
    found = set()
    for pattern in COMPOSE_GLOBS:
        found |= {p.relative_to(root).as_posix() for p in root.glob(pattern) if p.is_file()}
    return sorted(f for f in found if not f.startswith("."))


def _parsed(root, relative_paths):
    """{path: document} of the files that parse; one stderr line for each that does not."""
    from driftgate.policies.errors import DriftgateError
    from driftgate.policies.yamlsource import load_yaml

    documents = {}
    for relative in relative_paths:
        try:
            documents[relative] = load_yaml(str(root / relative))
        except DriftgateError as exc:
            print(f"driftgate: skipped {exc}", file=sys.stderr)
    return documents
