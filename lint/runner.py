"""Lint a set of paths: discover files, read each repository's config, run the rules.

A file that cannot be used (missing, unreadable, binary, huge, malformed YAML,
alias bomb, root not a mapping) becomes one error naming it; the other files
are still linted. Many files are linted by a pool of worker processes.

>>> report = lint_paths(["examples/catscan"])
>>> [f.rule_id for f in report.findings if f.severity == "error"], report.errors
([], ())
>>> len(report.files), report.unmatched
(3, ())
"""

import gc
import os
import stat
from dataclasses import dataclass

from driftgate.policies.errors import InputError
from driftgate.policies.lint.engine import RuleSettings, default_pack, lint_source
from driftgate.policies.lint.finding import DEFAULT_DOCS_URL
from driftgate.policies.lint.known_rules import all_rules
from driftgate.policies.yamlsource import read_source

from .config import LintConfig, find_config, load_config
from .discovery import discover, unmatched_globs

PARALLEL_FROM = 200  # below this many files, starting workers costs more than it saves
CHUNK = 32


@dataclass(frozen=True, slots=True)
class LintReport:
    """findings: by file then position; errors: InputError, one per unusable file;
    files: paths linted; rules: every rule module that could report (SARIF's rule list);
    unmatched: UnmatchedGlobs, each pack glob list that matched no file in a linted
    repository (its rules checked nothing there)."""

    findings: tuple = ()
    errors: tuple = ()
    files: tuple = ()
    rules: tuple = ()
    unmatched: tuple = ()
    docs_url: str = DEFAULT_DOCS_URL  # the template of the (first) repository's config


@dataclass(frozen=True, slots=True)
class RepositorySettings:
    """What one repository root lints with."""

    config: LintConfig
    pack: object
    rules: RuleSettings


def lint_paths(paths=(), config_path=None, pack_path=None, cwd=".", jobs=None):
    """Lint files and repository roots; config/pack errors raise, file errors are reported."""
    paths = [str(p) for p in paths]
    settings = _SettingsByRoot(config_path, pack_path)
    targets, missing, scanned = discover(
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
    modules = {m.ID: m for s in settings.values() for m in s.rules.modules}
    unmatched = []
    for root in scanned:
        enabled = settings.get(root).rules.modules

        def rule_ids(kind, enabled=enabled):
            return [m.ID for m in enabled if m.APPLIES_TO == kind]

        unmatched += unmatched_globs(root, settings.get(root).pack.files, targets, rule_ids)
    docs_url = next((s.rules.docs_url for s in settings.values()), DEFAULT_DOCS_URL)
    return LintReport(
        tuple(findings),
        tuple(errors),
        tuple(files),
        tuple(modules.values()),
        tuple(unmatched),
        docs_url,
    )


class _SettingsByRoot:
    """Each repository root's config and pack, read once (packs shared between roots)."""

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
                from driftgate.policies.pack import load_pack

                self.packs[pack_file] = load_pack(pack_file) if pack_file else default_pack()
            modules = tuple(m for m in all_rules().values() if config.enabled(m.ID))
            rules = RuleSettings(
                modules, config.disabled, config.severities, config.options, config.docs_url
            )
            self.by_root[root] = RepositorySettings(config, self.packs[pack_file], rules)
        return self.by_root[root]

    def values(self):
        return self.by_root.values()


_worker_settings = None  # set before the pool forks, read by the workers


def _run(tasks, settings, jobs):
    # A file's located values form no reference cycles: reference counting frees them,
    # and the cyclic collector would only rescan them (about a tenth of the run).
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
    return lint_source(read_source(path), path, kind, settings.pack, settings.rules)
