"""Images are pushed only after the pack's test suites passed.

Rationale:
    The build pushes what deploys will pull (the release process: run the
    contract and recovery tests, build, push). An image pushed before its
    tests pass, or while they are allowed to fail, is deployable broken.

Remediation:
    Run the test suites in a job that every pushing job `needs:` (or in
    earlier steps of the pushing job), and let them fail the build.

Accepts / rejects:
    The suites are the pack's `test_suites` (a name, `paths` patterns and/or
    `jobs`); a pack without them falls back to the `suites` option's names
    (default contract and recovery), each matched as `*name*` on pytest's
    arguments. A suite runs:
    - in a job that the pack names for it (`jobs:`, fnmatch on the job's id or
      `name:`, ignoring case: `Contract and Recovery Tests`), unless the job
      has `continue-on-error`;
    - or in a pytest command of a script (`pytest`, `py.test`, `python -m
      pytest`, also behind `uv|poetry|pipenv|hatch|pdm run`) one of whose
      arguments matches a `paths` pattern (ignoring case), or that selects
      nothing (no path, no `-k`/`-m`: the whole test suite).
    - A test command does not count when its failure is swallowed
      (`|| true`, `|| echo`, `continue-on-error` on its step or job).
    - Accepted: every pushing job (see policies/lint/images.py for pushes) has
      each suite in a step before its first push, or in a job it needs,
      directly or transitively, unless its `if:` runs it anyway (`always()`,
      `failure()`, `cancelled()`).
    - Rejected, at the job's first push: a suite that does not run before it.
    - Not understood: tests in scripts (`make test`, `./run-tests.sh`), tox,
      a test step's own `if:` (a skipped test step still counts).

Bad:
    ```yaml
    on:
      push:
        branches: [main]
    jobs:
      build:
        runs-on: ubuntu-latest
        steps:
          - run: docker build -t "$REGISTRY/catscan-api:$IMAGE_TAG" .
          - run: docker push "$REGISTRY/catscan-api:$IMAGE_TAG"
          - run: python -m pytest tests/contracts tests/recovery
    ```

Good:
    ```yaml
    on:
      push:
        branches: [main]
    jobs:
      test:
        runs-on: ubuntu-latest
        steps:
          - run: python -m pytest tests/contracts
          - run: python -m pytest tests/recovery
      build:
        needs: test
        runs-on: ubuntu-latest
        steps:
          - run: docker build -t "$REGISTRY/catscan-api:$IMAGE_TAG" .
          - run: docker push "$REGISTRY/catscan-api:$IMAGE_TAG"
    ```
"""

from fnmatch import fnmatchcase

from ..lint.bash import read_script
from ..lint.images import image_uses
from ..lint.placement import continue_on_error
from ..lint.workflow import runs_despite_needs
from ..pack import TestSuite

ID = "DG202"
NAME = "tests-before-push"
SUMMARY = "Images are pushed only after the pack's test suites passed."
SEVERITY = "error"
APPLIES_TO = "build"
OPTIONS = {"suites": ["contract", "recovery"]}
REMEDIATION = "Run the pack's test suites in a job every pushing job needs."

RUNNERS = frozenset({"uv", "poetry", "pipenv", "hatch", "pdm"})


def test_suites(pack, options):
    """The pack's test suites; without any, the `suites` option's names as path words."""
    if pack.test_suites:
        return pack.test_suites
    names = options.get("suites", OPTIONS["suites"])
    names = [names] if isinstance(names, str) else [str(n) for n in names]
    return tuple(TestSuite(name, (f"*{name}*",)) for name in names)


def check_workflow(workflow, context):
    suites = test_suites(context.pack, context.options)
    first_push = {}
    for use in image_uses(workflow):
        if use.action == "push":
            first_push.setdefault(use.spot.job_id, use)
    for job_id, push in first_push.items():
        job = workflow.job(job_id)
        gating = _gating_jobs(workflow, job)
        ran = {s.name for s in suites if any(_job_runs(workflow, g, s) for g in gating)}
        steps = [*job.steps[: push.spot.step.index]]
        for upstream in gating:
            steps += upstream.steps
        for step in steps:
            if len(ran) == len(suites):
                break  # the rest can only find suites already found
            ran |= _suites_run(workflow, step, [s for s in suites if s.name not in ran])
        missing = [s.name for s in suites if s.name not in ran]
        if missing:
            names = " and ".join(missing)
            yield push.spot.flag(f"job {job_id} pushes images before the {names} tests pass")


def _job_runs(workflow, job, suite):
    """Whether a job is one the pack names for the suite (by id or `name:`), and can fail."""
    if not suite.jobs or _tolerated(job):
        return False
    names = [job.id.lower(), str(job.body.get("name", "")).lower()]
    return any(fnmatchcase(n, pattern.lower()) for n in names for pattern in suite.jobs)


def _tolerated(job):
    value = job.body.get("continue-on-error")
    return value is not None and value is not False and str(value).strip() != "false"


def _gating_jobs(workflow, job, seen=None):
    """The jobs whose success `job` waits for (its needs, transitively)."""
    seen = set() if seen is None else seen
    if runs_despite_needs(job):
        return []
    found = []
    for need in job.needs:
        needed = workflow.job(need)
        if needed is not None and need not in seen:
            seen.add(need)
            found += [needed, *_gating_jobs(workflow, needed, seen)]
    return found


# Shell words are the script's characters minus quotes, backslashes and line
# continuations (nested ssh/-c scripts too): a script that spells neither name once
# those are dropped has no pytest command, and need not be parsed.
_NOT_IN_WORDS = str.maketrans("", "", "\\'\"\r\n")


def _may_run_pytest(script):
    if "test" not in script:
        return False
    script = script.translate(_NOT_IN_WORDS)
    return "pytest" in script or "py.test" in script


def _suites_run(workflow, step, suites):
    if step.run is None or not _may_run_pytest(step.run) or continue_on_error(workflow, step):
        return set()
    ran = set()
    for command in read_script(step.run).commands:
        arguments = pytest_arguments([word.shown for word in command.words])
        if arguments is None or command.fallback is not None:
            continue  # not pytest, or its failure is swallowed (`pytest || true`)
        ran |= {s.name for s in suites if _selects(arguments, s)}
    return ran


def pytest_arguments(command_words):
    """The arguments of a pytest command (its words, wrappers such as `sudo` already off),
    or None when the command is not pytest."""
    program, rest = (command_words[0], command_words[1:]) if command_words else (None, [])
    while program in RUNNERS and rest[:1] == ["run"]:
        program, rest = (rest[1], rest[2:]) if len(rest) > 1 else (None, [])
    if program is None:
        return None
    base = program.rsplit("/", 1)[-1]
    if base in ("pytest", "py.test"):
        return rest
    if base.startswith("python") and rest[:2] == ["-m", "pytest"]:
        return rest[2:]
    return None


def _selects(arguments, suite):
    lowered = [argument.lower() for argument in arguments]
    if any(fnmatchcase(a, p.lower()) for a in lowered for p in suite.paths):
        return True
    selecting = {"-k", "-m"} | {a for a in arguments if a.startswith(("-k", "-m"))}
    positional = [a for a in arguments if not a.startswith("-")]
    return not positional and not (selecting & set(arguments))
