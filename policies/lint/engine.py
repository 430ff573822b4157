"""Run the rules over one file: parse it, call each rule's hooks, place its violations.

>>> findings = lint_file("examples/catscan/.github/workflows/deploy.yml", "deploy")
>>> [f.rule_id for f in findings]
[]
"""

from .. import rules as rule_registry
from ..errors import InputError
from ..yamlsource import YamlMap, load_yaml
from .context import RuleContext
from .finding import Finding
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


def lint_file(path, kind, pack=None, rules=None):
    """Lint one file as `kind`; the findings, ordered by line, column, rule.

    Raises InputError (naming the file) when the file cannot be read as YAML.
    `rules`: ids or names to run (default: every registered rule).
    """
    document = load_yaml(path)
    return lint_document(document, str(path), kind, pack, select_rules(rules))


def lint_document(document, path, kind, pack=None, modules=(), options=None, severities=None):
    """Run `modules` that apply to `kind` over a loaded document; unsorted findings."""
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
