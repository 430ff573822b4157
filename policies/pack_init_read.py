"""What raw workflow documents say, for `driftgate init` (policies/pack_init.py).

Pure and forgiving: plain parsed YAML in, plain values out; a shape that is not
understood yields nothing rather than an error (init guesses, lint judges).
"""

import re

_GUARD = re.compile(
    r"(?:github\.event\.)?inputs\.([A-Za-z_][\w-]*)\s*==\s*['\"]([^'\"]+)['\"]"
    r"|['\"]([^'\"]+)['\"]\s*==\s*(?:github\.event\.)?inputs\.([A-Za-z_][\w-]*)"
)
PUSH = re.compile(r"docker\s+(?:image\s+)?push\s+(?:--\S+\s+)*[\"']?([^\s\"']+)")
_ASSIGN = re.compile(r"\b([A-Z][A-Z0-9_]*)=")


def dispatch_inputs(document):
    """name -> spec of the `workflow_dispatch` inputs."""
    on = document.get("on")
    dispatch = on.get("workflow_dispatch") if isinstance(on, dict) else None
    inputs = dispatch.get("inputs") if isinstance(dispatch, dict) else None
    return {str(k): v for k, v in inputs.items() if isinstance(v, dict)} if inputs else {}


def steps(document):
    """Every step mapping of every job."""
    jobs = document.get("jobs")
    for job in jobs.values() if isinstance(jobs, dict) else ():
        steps = job.get("steps") if isinstance(job, dict) else None
        for step in steps if isinstance(steps, list) else ():
            if isinstance(step, dict):
                yield step


def run_scripts(document):
    return [str(s["run"]) for s in steps(document) if isinstance(s.get("run"), str)]


def build_action_tags(document):
    """(pushes, tags text) of each docker/build-push-action step."""
    for step in steps(document):
        uses, with_ = str(step.get("uses", "")), step.get("with")
        if uses.startswith("docker/build-push-action") and isinstance(with_, dict):
            push = with_.get("push", False)  # an expression may push: as the lint reads it
            pushes = push is True or (isinstance(push, str) and push.strip() not in ("false", ""))
            yield pushes, str(with_.get("tags", ""))


def pushes_images(document):
    if any(push for push, _ in build_action_tags(document)):
        return True
    return any(PUSH.search(run) or "--push" in run for run in run_scripts(document))


def confirm_guards(document):
    """(input, word) compared in any job's `if:`."""
    jobs = document.get("jobs")
    found = []
    for job in jobs.values() if isinstance(jobs, dict) else ():
        condition = job.get("if") if isinstance(job, dict) else None
        for match in _GUARD.finditer(str(condition or "")):
            found.append((match.group(1) or match.group(4), match.group(2) or match.group(3)))
    return found


def assignments(document):
    """VAR -> value from workflow and job `env:` and `VAR=value` words of run: scripts."""
    found = {}
    levels = [document, *(document.get("jobs") or {}).values()]
    for level in levels:
        env = level.get("env") if isinstance(level, dict) else None
        found.update({str(k): str(v) for k, v in env.items()} if isinstance(env, dict) else {})
    for run in run_scripts(document):
        for line in run.splitlines():
            found.update(_line_assignments(line))
    return found


def _line_assignments(line):
    """VAR=value words of one shell line; inside double quotes the value runs to the quote."""
    for match in _ASSIGN.finditer(line):
        rest = line[match.end() :]
        if line[: match.start()].count('"') % 2:  # `echo "VAR=a b" >> "$GITHUB_ENV"`
            yield match.group(1), rest.split('"', 1)[0]
        else:
            yield match.group(1), re.split(r"[\s;&|>]", rest.strip("'\""), maxsplit=1)[0]


def attestations(document):
    """The attestations (provenance, sbom) every pushing docker/build-push-action step sets;
    none when a script pushes (its flags are not read here)."""
    kinds = None
    if any(PUSH.search(run) or "--push" in run for run in run_scripts(document)):
        return []
    for step in steps(document):
        with_ = step.get("with")
        if not str(step.get("uses", "")).startswith("docker/build-push-action"):
            continue
        if not isinstance(with_, dict) or str(with_.get("push", "false")).strip() == "false":
            continue
        here = {k for k in ("provenance", "sbom") if str(with_.get(k, "false")) != "false"}
        kinds = here if kinds is None else kinds & here
    return sorted(kinds or ())
