"""Lint a set of paths: discover files, apply config and suppressions, collect a report.

A file that cannot be used (missing, unreadable, binary, huge, malformed YAML,
alias bomb, root not a mapping) becomes one error naming it; the other files
are still linted. Many files are linted by a pool of worker processes.

>>> report = lint_paths(["examples/catscan"])
>>> report.findings, report.errors, len(report.files)
((), (), 3)
"""

import gc
import os
import stat
from collections import namedtuple

from ..errors import InputError
from ..yamlsource import YamlMap, parse_yaml, read_source
from . import suppressions
from .config import LintConfig, find_config, load_config
from .discovery import discover
from .engine import FAMILIES, default_pack, lint_document
from .finding import Finding
from .meta import all_rules, resolve

PARALLEL_FROM = 200  # below this many files, starting workers costs more than it saves
CHUNK = 32


# Named tuples, not dataclasses: as immutable, and far cheaper to define at start-up.
# findings: Finding, by file then position; errors: InputError, one per unusable file;
# files: paths linted; rules: every rule module that could report (SARIF's rule list).
LintReport = namedtuple("LintReport", "findings errors files rules")

# What one repository root lints with: a LintConfig, a pack, the rule modules.
Settings = namedtuple("Settings", "config pack modules")


def lint_paths(paths=(), config_path=None, pack_path=None, cwd=".", jobs=None):
    """Lint files and repository roots; config/pack errors raise, file errors are reported."""
    paths = [str(p) for p in paths]
    settings = _SettingsCache(config_path, pack_path)
    targets, missing = discover(
        paths,
        lambda root: settings.get(root).pack.files,
        lambda root, relative: settings.get(root).config.ignored(relative),
        cwd,
    )
    tasks = [(t.path, t.kind, t.root) for t in targets]
    results = _run(tasks, settings, jobs)
    findings, errors, files = [], list(missing), []
    for (path, _kind, _root), (file_findings, error) in zip(tasks, results, strict=True):
        if error is not None:
            errors.append(InputError(*error))
        else:
            files.append(path)
            findings.extend(file_findings)
    modules = {m.ID: m for s in settings.values() for m in s.modules}
    return LintReport(tuple(findings), tuple(errors), tuple(files), tuple(modules.values()))


class _SettingsCache:
    def __init__(self, config_path, pack_path):
        self.config_path, self.pack_path = config_path, pack_path
        self.by_root = {}
        self.packs = {}
        self.fixed_config = load_config(config_path) if config_path else None

    def get(self, root):
        root = str(root)
        if root not in self.by_root:
            config = self.fixed_config
            if config is None:
                found = find_config(root)
                config = load_config(found) if found else LintConfig()
            pack_file = self.pack_path or config.pack
            if pack_file not in self.packs:
                from ..pack import load_pack

                self.packs[pack_file] = load_pack(pack_file) if pack_file else default_pack()
            modules = tuple(m for m in all_rules().values() if config.enabled(m.ID))
            self.by_root[root] = Settings(config, self.packs[pack_file], modules)
        return self.by_root[root]

    def values(self):
        return self.by_root.values()


_worker_settings = None  # set before the pool forks, read by the workers


def _run(tasks, settings, jobs):
    # A file's located values form no reference cycles, so reference counting frees
    # each tree; the cyclic collector would only keep rescanning young objects (~10%).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run_all(tasks, settings, jobs)
    finally:
        if collecting:
            gc.enable()


def _run_all(tasks, settings, jobs):
    global _worker_settings
    jobs = jobs or os.cpu_count() or 1
    if jobs < 2 or len(tasks) < PARALLEL_FROM:
        return [lint_target(*task, settings.get(task[2])) for task in tasks]
    import multiprocessing

    _worker_settings = settings  # inherited by the forked workers
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(jobs, len(tasks) // CHUNK + 1)) as pool:
            return pool.map(_lint_in_worker, tasks, chunksize=CHUNK)
    finally:
        _worker_settings = None


def _lint_in_worker(task):
    return lint_target(*task, _worker_settings.get(task[2]))


def lint_target(path, kind, root, settings):
    """(findings, None) for a usable file, ([], (path, reason, line)) for one that is not."""
    try:
        return _lint_one(path, kind, settings), None
    except InputError as exc:
        return [], (exc.path, exc.reason, exc.line)
    except RecursionError:
        return [], (path, "YAML nested too deeply", None)


def _lint_one(path, kind, settings):
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):  # a FIFO or device would block the read forever
        raise InputError(path, "not a regular file")
    text = read_source(path)
    document = parse_yaml(text, path)
    if not isinstance(document, YamlMap):
        found = "an empty document" if document is None else f"a {type(document).__name__}"
        found = found.replace("YamlList", "list").replace("YamlStr", "string")
        raise InputError(path, f"the root is not a mapping (found {found})", _line(document))
    if kind == "auto":
        kind = _sniff(path, document)
    config = settings.config
    findings = lint_document(
        document, path, kind, settings.pack, settings.modules, config.options, config.severities
    )
    marks = suppressions.parse(text)
    if not marks:
        return findings
    ran = {m.ID for m in settings.modules if _applies(m, kind)}

    def make_finding(rule, message, line, column):
        if not config.enabled(rule.ID):
            return None
        severity = config.severities.get(rule.ID, rule.SEVERITY)
        return Finding(
            rule.ID, rule.NAME, severity, message, path, line, column, "", rule.REMEDIATION
        )

    known = all_rules()
    kept = suppressions.apply(
        findings, marks, path, ran, lambda name: resolve(name, known), make_finding
    )
    return sorted(kept, key=Finding.sort_key)


def _applies(module, kind):
    return module.APPLIES_TO in FAMILIES[kind]


def _sniff(path, document):
    if "jobs" in document or "on" in document or "runs" in document:  # runs: an action
        return "workflow"
    if "services" in document:
        return "compose"
    raise InputError(path, "neither a workflow (no on/jobs/runs) nor a compose file (no services)")


def _line(document):
    return getattr(document, "line", None) or None
