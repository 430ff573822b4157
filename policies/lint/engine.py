"""Run the rules over one file's text: parse it, call each rule's hooks, place its
violations, apply its suppressions. Pure: the lint runner (driftgate.lint) reads files.

>>> from pathlib import Path
>>> text = Path("examples/catscan/.github/workflows/deploy.yml").read_text()
>>> settings = RuleSettings(select_rules())
>>> findings = lint_source(text, "deploy.yml", "deploy", default_pack(), settings)
>>> [f.rule_id for f in findings if f.severity == "error"]
[]
"""

from dataclasses import dataclass, field

from .. import rules as rule_registry
from ..errors import InputError
from ..yamlsource import YamlMap, parse_yaml
from . import suppressions
from .context import RuleContext
from .finding import DEFAULT_DOCS_URL, Finding, doc_url
from .known_rules import all_rules, resolve
from .workflow import Workflow

KINDS = ("deploy", "build", "workflow", "compose")
# Which rule families a file of each kind gets: every workflow gets the "workflow" rules.
FAMILIES = {
    "deploy": ("deploy", "workflow"),
    "build": ("build", "workflow"),
    "workflow": ("workflow",),
    "compose": ("compose",),
}

_default_pack = None


def default_pack():
    global _default_pack
    if _default_pack is None:
        from ..pack import load_pack

        _default_pack = load_pack(validate=False)  # the bundled pack: validated by its tests
    return _default_pack


def select_rules(rules=None, registry=None):
    """The rule modules to run: all registered, or those named by id or name."""
    registry = rule_registry.REGISTRY if registry is None else registry
    if rules is None:
        return list(registry.values())
    by_name = {m.NAME: m for m in registry.values()}
    chosen = []
    for wanted in rules:
        module = registry.get(str(wanted).upper()) or by_name.get(wanted)
        if module is None:
            raise KeyError(f"unknown rule {wanted!r}")
        chosen.append(module)
    return chosen


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """How a repository runs the rules (from its lint config).

    modules: the enabled rule modules; disabled: ids of disabled rules (the
    suppression rules DG001/DG002 included); severities: id -> severity;
    options: id -> {option: value}; docs_url: the documentation URL template.
    """

    modules: tuple = ()
    disabled: frozenset = frozenset()
    severities: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    docs_url: str = DEFAULT_DOCS_URL


def lint_source(text, path, kind, pack, settings):
    """The findings of one file's text, suppressions applied, sorted.

    kind: deploy, build, workflow, compose, or auto (decided from the content).
    Raises InputError naming the file when it is not a usable YAML mapping.
    """
    document = parse_yaml(text, path)
    if not isinstance(document, YamlMap):
        found = "an empty document" if document is None else f"a {type(document).__name__}"
        found = found.replace("YamlList", "list").replace("YamlStr", "string")
        line = getattr(document, "line", None) or None
        raise InputError(path, f"the root is not a mapping (found {found})", line)
    if kind == "auto":
        kind = sniff_kind(path, document)
    findings = lint_document(
        document,
        path,
        kind,
        pack,
        settings.modules,
        settings.options,
        settings.severities,
        settings.docs_url,
    )
    marks = suppressions.parse(text)
    if not marks:
        return findings
    ran = {m.ID for m in settings.modules if m.APPLIES_TO in FAMILIES[kind]}

    def make_finding(rule, message, line, column):
        if rule.ID in settings.disabled:
            return None
        severity = settings.severities.get(rule.ID, rule.SEVERITY)
        url = doc_url(rule.ID, settings.docs_url, rule.NAME)
        return Finding(
            rule.ID, rule.NAME, severity, message, path, line, column, "", rule.REMEDIATION, url
        )

    known = all_rules()
    kept = suppressions.apply(
        findings, marks, path, ran, lambda name: resolve(name, known), make_finding
    )
    return sorted(kept, key=Finding.sort_key)


def sniff_kind(path, document):
    """A file no pack glob names: a workflow (on/jobs) or a compose file (services)."""
    if "jobs" in document or "on" in document or "runs" in document:  # runs: an action
        return "workflow"
    if "services" in document:
        return "compose"
    raise InputError(path, "neither a workflow (no on/jobs) nor a compose file (no services)")


def lint_document(
    document,
    path,
    kind,
    pack=None,
    modules=(),
    options=None,
    severities=None,
    docs_url=DEFAULT_DOCS_URL,
):
    """Run `modules` that apply to `kind` over a loaded document; sorted findings."""
    pack = pack if pack is not None else default_pack()
    options = options or {}
    severities = severities or {}
    families = FAMILIES[kind]
    findings = []
    workflow = None
    for module in modules:
        if module.APPLIES_TO not in families:
            continue
        merged = {**getattr(module, "OPTIONS", {}), **options.get(module.ID, {})}
        context = RuleContext(pack=pack, path=path, options=merged)
        try:
            if kind == "compose":
                violations = _compose_violations(module, document, context)
            else:
                if workflow is None:
                    workflow = Workflow(document, path)
                violations = _workflow_violations(module, workflow, context)
        except RecursionError:
            raise InputError(path, "YAML nested too deeply for the rules") from None
        except Exception as exc:  # a bug in a rule: fail closed, name it, no traceback
            message = f"rule {module.ID} failed on this file ({type(exc).__name__}: {exc})"
            raise InputError(path, message + "; please report it") from exc
        severity = severities.get(module.ID, module.SEVERITY)
        url = doc_url(module.ID, docs_url, module.NAME)
        for violation in violations:
            findings.append(
                Finding(
                    rule_id=module.ID,
                    rule_name=module.NAME,
                    severity=severity,
                    message=str(violation.message),  # plain str: findings cross processes
                    file=path,
                    line=int(violation.line),
                    column=int(violation.column),
                    key_path=str(violation.key_path),
                    remediation=str(violation.hint or module.REMEDIATION),
                    doc_url=url,
                )
            )
    findings.sort(key=Finding.sort_key)
    return findings


def _compose_violations(module, document, context):
    hook = getattr(module, "check_compose", None)
    if hook is None or not isinstance(document, YamlMap):
        return ()
    return list(hook(document, context) or ())


def _workflow_violations(module, workflow, context):
    violations = []
    check_workflow = getattr(module, "check_workflow", None)
    check_job = getattr(module, "check_job", None)
    check_step = getattr(module, "check_step", None)
    if check_workflow is not None:
        violations.extend(check_workflow(workflow, context) or ())
    if check_job is not None or check_step is not None:
        for job in workflow.jobs:
            if check_job is not None:
                violations.extend(check_job(workflow, job, context) or ())
            if check_step is not None:
                for step in job.steps:
                    violations.extend(check_step(workflow, step, context) or ())
    return violations
