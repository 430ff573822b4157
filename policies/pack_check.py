"""What each lint rule family looks at under a pack: its globs and the files they match.

Pure: the command layer lists the repository's workflows and globs its compose
files, and this says which family each file falls to, the way `driftgate lint`
decides (a workflow matched by the deploy globs is a deploy workflow, else by the
build globs a build workflow, else a plain workflow).

>>> from driftgate.policies.pack import load_pack
>>> report = coverage(load_pack(), [".github/workflows/deploy.yml"], {})
>>> report[0].family, report[0].files
('deploy workflows', ('.github/workflows/deploy.yml',))
"""

from collections import namedtuple
from fnmatch import fnmatchcase

# family: shown name; field: the pack's `files` field (None: every other workflow);
# rules: the ids of the rules that read it; globs: the pack's globs; files: what they match.
Family = namedtuple("Family", "family field rules globs files")

FAMILIES = (
    ("deploy workflows", "deploy_workflows", ("deploy", "workflow")),
    ("build workflows", "build_workflows", ("build", "workflow")),
    ("compose files", "compose_files", ("compose",)),
    ("other workflows", None, ("workflow",)),
)


def workflow_matches(relative, patterns):
    """As `driftgate lint` matches a workflow: fnmatch on the path from the repository
    root, and a glob without `/` on the file name too."""
    name = relative.rpartition("/")[2]
    return any(
        fnmatchcase(relative, p) or ("/" not in p and fnmatchcase(name, p)) for p in patterns
    )


def coverage(pack, workflow_files, compose_matches, rules=None):
    """[Family] for the pack, given the repository's workflow files (root-relative POSIX
    paths) and {compose glob: [files it matched]}; `rules` is the rule registry
    (id -> module), the bundled rules by default."""
    if rules is None:
        from .rules import REGISTRY as rules
    files = pack.files
    deploy = [f for f in workflow_files if workflow_matches(f, files.deploy_workflows)]
    build = [
        f for f in workflow_files if f not in deploy and workflow_matches(f, files.build_workflows)
    ]
    compose = sorted({f for glob in files.compose_files for f in compose_matches.get(glob, ())})
    other = [f for f in workflow_files if f not in deploy and f not in build]
    matched = {
        "deploy_workflows": deploy,
        "build_workflows": build,
        "compose_files": compose,
        None: other,
    }
    report = []
    for family, field, applies in FAMILIES:
        ids = tuple(sorted(m.ID for m in rules.values() if m.APPLIES_TO in applies))
        globs = tuple(getattr(files, field)) if field else (".github/workflows/*.y(a)ml",)
        report.append(Family(family, field, ids, globs, tuple(matched[field])))
    return report


def render(report, pack_path):
    """The text `driftgate pack check` prints."""
    lines = [f"{pack_path}: valid"]
    for family in report:
        where = f"files.{family.field}" if family.field else "the rest of .github/workflows"
        lines.append(f"{family.family} ({where}): rules {_ids(family.rules)}")
        lines += [f"  glob  {glob}" for glob in family.globs] or ["  glob  (none)"]
        if family.files:
            lines += [f"  file  {path}" for path in family.files]
        else:
            lines.append("  (no file here matches: these rules check nothing)")
    return "\n".join(lines) + "\n"


def _ids(ids):
    return ", ".join(ids) if ids else "(none)"
