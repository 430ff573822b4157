"""What a workflow's values are, built once per workflow: env chains, matrices, shell
assignments, step and job outputs; `scope(step, offset)` resolves a value at one spot.

The Workflow (policies/lint/workflow.py) gives the structure: jobs, steps and
the script each step runs. This adds the data: where each variable, output and
matrix value comes from, so that rules ask "does this tag come from the
commit?" or "does this input reach the image?" instead of reading text. A
step's script is read once by tree-sitter-bash (`read_script`, cached per
text); its assignments and `$GITHUB_ENV`/`$GITHUB_OUTPUT` lines resolve with
policies/lint/bash/flow.py (the one shell data-flow engine), and what the
script does not set comes from the env chain here. See policies/lint/values.py
for what resolves and what stays Unknown.

>>> from driftgate.policies.yamlsource import parse_yaml
>>> from driftgate.policies.lint.workflow import Workflow
>>> text = '''
... jobs:
...   build:
...     steps:
...       - id: vars
...         run: echo "short_sha=${GITHUB_SHA::7}" >> "$GITHUB_OUTPUT"
...       - run: TAG="sha-${{ steps.vars.outputs.short_sha }}"; docker push "app:$TAG"
... '''
>>> workflow = Workflow(parse_yaml(text), "build.yml")
>>> step = workflow.steps[1]
>>> found = scope(workflow, step, len(step.run)).variable("TAG")
>>> found.choices, found.lines
((('sha-', Commit(length=7)),), (6, 7))
"""

import weakref

from ..yamlsource import YamlList, YamlMap
from .actions import metadata_inputs
from .bash import read_script
from .bash.flow import ScriptValues
from .values import (
    MAX_CHOICES,
    Commit,
    Input,
    Resolved,
    join_choices,
    literal,
    resolve_template,
    unknown,
)


def model(workflow):
    """The workflow's model, built on first use and kept with the workflow."""
    found = workflow.__dict__.get("_model")
    if found is None:
        found = workflow.__dict__["_model"] = WorkflowModel(workflow)
    return found


def scope(workflow, step, offset=None):
    """What names mean at one spot: in `step`'s script before `offset` (None: the start)."""
    return Scope(model(workflow), step, offset)


class WorkflowModel:
    def __init__(self, workflow):
        # A weak reference: the workflow keeps its model, and the model must not keep the
        # workflow (a cycle outlives its file when the runner turns the cyclic GC off).
        self._workflow = weakref.ref(workflow)
        self._scripts = {}  # id(step) -> (step, its ScriptValues)
        self._matrix = {}

    @property
    def workflow(self):
        return self._workflow()

    def script_values(self, step):
        """The data flow of a step's shell script (policies/lint/bash/flow.py): its
        assignments, read once; what it does not set comes from the env chain."""
        key = id(step)
        if key not in self._scripts:
            script = read_script(step.run)
            # The env sees the model through a proxy: the model keeps its ScriptValues,
            # and they must not keep the model (with the workflow, a cycle that outlives
            # its file when the runner turns the cyclic GC off).
            env = StepEnv(weakref.proxy(self), step)
            self._scripts[key] = (step, ScriptValues(script, env, _line_of(step.run)))
        return self._scripts[key][1]

    def writes(self, step, file):
        """`NAME=value` lines a step's script writes to $GITHUB_ENV or $GITHUB_OUTPUT."""
        if step.run is None or file not in step.run:
            return ()
        return tuple(w for w in read_script(step.run).output_writes if w.file == file)

    def matrix(self, job):
        """name -> the literal values `strategy.matrix` gives it (include entries too)."""
        if job.id not in self._matrix:
            self._matrix[job.id] = _matrix_values(job.body)
        return self._matrix[job.id]


class Scope:
    """Resolves names at one spot: shell variables, `${{ }}` references, templates.

    offset: the spot in the step's script (None: after its end); an assignment in the
    command at the spot counts (`IMAGE_TAG=x docker compose up` runs with it). A shell
    word is read where it is written (`IMAGE_TAG=$IMAGE_TAG` reads the earlier one).
    """

    def __init__(self, workflow_model, step, offset):
        self.model, self.step, self.offset = workflow_model, step, offset

    @property
    def workflow(self):
        return self.model.workflow

    def __call__(self, name, depth):
        return self.variable(name, depth)

    def template(self, text, depth=0):
        return resolve_template(text, self, depth)

    def word(self, word, depth=0):
        """A shell word of the step's script (a bash Word), read where it stands."""
        return self.model.script_values(self.step).resolve(word, word.start, depth)

    def variable(self, name, depth=0):
        """A shell variable's value here: the script's last assignment at or before the
        spot, else the env chain, else what an earlier step of the job wrote to
        $GITHUB_ENV."""
        step = self.step
        if step is not None and step.run is not None:
            before = None if self.offset is None else self.offset + 1
            return self.model.script_values(step).at(before)(name, depth)
        return self.env(name, depth)

    def env(self, name, depth=0):
        """`env.NAME`: the step's env, then what an earlier step of the job wrote to
        $GITHUB_ENV (it overrides the job's and the workflow's env), then those."""
        step = self.step
        job = self.workflow.job(step.job_id) if step is not None else None
        found = self._env_of(step.body if step else None, name, self, depth)
        if found is not None:
            return found
        if job is not None and step is not None:
            for earlier in reversed(job.steps[: step.index]):
                for write in reversed(self.model.writes(earlier, "GITHUB_ENV")):
                    if write.key == name:
                        return self.model.script_values(earlier).written(write, depth)
        found = self._env_of(job.body if job else None, name, self, depth)
        if found is not None:
            return found
        return self._env_of(self.workflow.document, name, Scope(self.model, None, None), depth)

    @staticmethod
    def _env_of(holder, name, where, depth):
        env = holder.get("env") if isinstance(holder, YamlMap) else None
        if isinstance(env, YamlMap) and name in env:
            found = where.template(env[name], depth + 1)
            return _with_line(found, env.value_position(name)[0])
        return None

    def reference(self, parts, depth=0):
        """The value of a context path read by an expression (`steps.vars.outputs.sha`)."""
        if depth > 12:
            return unknown(".".join(parts))
        head = parts[0]
        if parts[:2] == ("github", "sha"):
            return Resolved(((Commit(None),),))
        if head == "inputs" and len(parts) == 2:
            return _input(parts[1])
        if parts[:3] == ("github", "event", "inputs") and len(parts) == 4:
            return _input(parts[3])
        if head == "env" and len(parts) == 2:
            return self.env(parts[1], depth) or unknown(f"env.{parts[1]}")
        if head == "matrix" and len(parts) == 2 and self.step is not None:
            values = self.model.matrix(self.workflow.job(self.step.job_id)).get(parts[1])
            if values:
                return Resolved(tuple((v,) for v in values[:MAX_CHOICES]))
        if head == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self._step_output(parts[1], parts[3], depth)
        if head == "needs" and len(parts) == 4 and parts[2] == "outputs":
            return self._job_output(parts[1], parts[3], depth)
        return unknown(".".join(parts))

    def _step_output(self, step_id, key, depth):
        job = self.workflow.job(self.step.job_id) if self.step is not None else None
        for step in job.steps if job else ():
            if step.id != step_id:
                continue
            meta = metadata_inputs(step.uses) if step.uses else None
            if meta is not None and key in meta.outputs:
                return metadata_tags(step, meta, Scope(self.model, step, None), depth)
            for write in reversed(self.model.writes(step, "GITHUB_OUTPUT")):
                if write.key == key:
                    return self.model.script_values(step).written(write, depth)
        return unknown(f"steps.{step_id}.outputs.{key}")

    def _job_output(self, job_id, key, depth):
        job = self.workflow.job(job_id)
        outputs = job.body.get("outputs") if job else None
        if isinstance(outputs, YamlMap) and key in outputs:
            # the job's outputs are read after its last step
            last = job.steps[-1] if job.steps else None
            found = Scope(self.model, last, None).template(outputs[key], depth + 1)
            return _with_line(found, outputs.value_position(key)[0])
        return unknown(f"needs.{job_id}.outputs.{key}")


class StepEnv(Scope):
    """What a step's script does not set itself: the env chain, at the script's start."""

    def __init__(self, workflow_model, step):
        super().__init__(workflow_model, step, None)

    def __call__(self, name, depth):
        return self.env(name, depth)


def _input(name):
    return Resolved(((Input(name),),))


def _with_line(found, line):
    if found is None:
        return None
    return Resolved(found.choices, tuple(dict.fromkeys((*found.lines, line))))


def metadata_tags(step, meta, step_scope, depth):
    """The references a docker/metadata-action step outputs: each image x each tag rule
    (`type=sha` is `sha-` + the 7-character commit unless its prefix or format say
    otherwise; `type=raw,value=...` its value; other types are Unknown)."""
    with_ = step.body.get("with")
    with_ = with_ if isinstance(with_, YamlMap) else YamlMap()
    images = _lines(with_.get(meta.images))
    rules = _lines(with_.get(meta.tags)) or ["type=sha"]
    tags = []
    for rule in rules:
        fields = dict(item.split("=", 1) if "=" in item else (item, "") for item in rule.split(","))
        kind = fields.get("type", "").strip()
        if kind == "sha":
            length = None if fields.get("format", "short").strip() == "long" else 7
            prefix = fields.get("prefix", "sha-").strip()
            tags.append(join_choices([literal(prefix), Resolved(((Commit(length),),))]))
        elif kind == "raw":
            tags.append(step_scope.template(fields.get("value", "").strip(), depth + 1))
        else:
            tags.append(unknown(f"a {kind or 'tag'} rule"))
    refs = [
        join_choices([step_scope.template(image, depth + 1), literal(":"), tag])
        for image in images
        for tag in tags
    ]
    choices = tuple(c for r in refs for c in r.choices)[:MAX_CHOICES]
    return Resolved(choices or ((),), ())


def _lines(value):
    if isinstance(value, list):
        return [str(v) for v in value if str(v).strip()]
    if isinstance(value, str):
        return [line.strip() for line in value.replace(",\n", "\n").splitlines() if line.strip()]
    return []


def _matrix_values(job_body):
    strategy = job_body.get("strategy")
    matrix = strategy.get("matrix") if isinstance(strategy, YamlMap) else None
    if not isinstance(matrix, YamlMap):
        return {}
    values = {}
    for name, given in matrix.items():
        if name in ("include", "exclude"):
            continue
        if isinstance(given, YamlList):
            values[str(name)] = [_scalar_text(v) for v in given if _scalar_text(v) is not None]
    include = matrix.get("include")
    for entry in include if isinstance(include, YamlList) else ():
        for name, value in entry.items() if isinstance(entry, YamlMap) else ():
            text = _scalar_text(value)
            if text is not None and text not in values.setdefault(str(name), []):
                values[str(name)].append(text)
    return values


def _scalar_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def _line_of(script):
    """offset -> the file's line of that character of a located script."""
    locate = getattr(script, "locate", None)
    if locate is not None:
        return lambda offset: locate(offset)[0]
    return lambda offset: script.count("\n", 0, offset) + 1
