"""Images in workflows: where the tag variable is set, which images are built and pushed.

Built on the scripts of the workflow model (policies/lint/workflow.py: `run:`
and the scripts of catalogued actions) read by policies/lint/shell.py (nested
scripts included), and on the data flow of policies/lint/model.py.

- Tag assignments: the tag variable (pack images.tag_variable, IMAGE_TAG) as
  an `env:` key (workflow, job or step), or a shell word `IMAGE_TAG=...`
  (`IMAGE_TAG=x`, `export IMAGE_TAG=x`, `echo "IMAGE_TAG=x" >> "$GITHUB_ENV"`).
- Commit derivation: a value is resolved (`resolve_spot`, `resolve_ref`) to
  its parts; it is the commit's tag when it has the tag format's shape
  (`sha-{sha7}`: `sha-` and the commit cut to 7 characters, however the cut
  is written: `${GITHUB_SHA::7}`, `--short=7`, `cut -c1-7`, a metadata-action
  `type=sha`).
  For a `sha-{sha}` format (the whole commit), the commit must not be cut.
- Builds: `docker build`, `docker buildx build`, `docker image build` (their
  `-t`/`--tag` references), `docker compose build`, the build actions of the
  catalogue (docker/build-push-action).
- Pushes: `docker push REF` (`docker image push`), a build with `--push` or
  `--output type=registry`, `docker compose push`, `docker buildx bake --push`,
  docker/build-push-action with `push:` not false (its `tags:`).
  Compose and bake name no reference (ref None): their images are in files.

>>> image_name_and_tag("$REGISTRY/catscan-api:sha-{sha7}")
('catscan-api', 'sha-{sha7}')
"""

from collections import namedtuple

from .actions import build_inputs
from .model import scope
from .shell import parse_script, word_spans, words
from .shellwords import compose_subcommand, remote_script_words, strip_prefixes
from .values import is_commit_tag, shape
from .violation import flag_text, flag_value


def commit_tag_expression(tag_format):
    """The shell expression of the commit's tag in the pack's format, for hints.

    >>> commit_tag_expression("sha-{sha7}")
    'sha-${GITHUB_SHA::7}'
    """
    return tag_format.replace("{sha7}", "${GITHUB_SHA::7}").replace("{sha}", "${GITHUB_SHA}")


class Spot(namedtuple("Spot", "value step job_id holder key key_path")):
    """A value somewhere in a workflow that can flag itself.

    step: the workflow.Step, or None for a workflow/job env; holder: the located string
    (shell) or mapping (env/with) it sits in; key: offset into holder (shell) or key of
    holder.
    """

    __slots__ = ()

    def flag(self, message):
        if isinstance(self.key, int) and isinstance(self.holder, str):
            return flag_text(self.holder, self.key, self.key_path, message)
        return flag_value(self.holder, self.key, self.key_path, message)


def tag_assignments(workflow, variable):
    """Every Spot where the tag variable is set (env: keys and shell assignments)."""
    found = []
    levels = [(workflow.document, None, None, "")]
    for job in workflow.jobs:
        levels.append((job.body, None, job.id, job.key_path))
        levels += [(s.body, s, job.id, s.key_path) for s in job.steps]
    for holder, step, job_id, path in levels:
        env = holder.get("env")
        if isinstance(env, dict) and variable in env:
            key_path = f"{path}.env.{variable}".lstrip(".")
            found.append(Spot(str(env[variable]), step, job_id, env, variable, key_path))
    prefix = f"{variable}="
    for step in _steps(workflow):
        if step.run is None or prefix not in step.run:
            continue
        for command in parse_script(step.run):
            if remote_script_words(command.text) is not None:
                continue  # `ssh VM "IMAGE_TAG=x ..."`: the carried script's commands follow
            for value, offsets in expression_words(word_spans(command.text)):
                if value.startswith(prefix) and offsets:
                    offset = command.offset_of(offsets[0])
                    spot = Spot(value[len(prefix) :], step, step.job_id, step.run, offset, "")
                    found.append(_with_path(spot, step.script_path))
    return found


def expression_words(spans):
    """Word spans with a `${{ ... }}` split by the shell joined back into one word:
    GitHub pastes the expression's value before the shell splits the line."""
    joined = []
    for value, offsets in spans:
        if joined and joined[-1][0].count("${{") > joined[-1][0].count("}}"):
            previous, previous_offsets = joined.pop()
            value, offsets = f"{previous} {value}", previous_offsets + offsets
        joined.append((value, offsets))
    return joined


def _with_path(spot, key_path):
    return Spot(spot.value, spot.step, spot.job_id, spot.holder, spot.key, key_path)


def _steps(workflow):
    return [step for job in workflow.jobs for step in job.steps]


class ImageUse(namedtuple("ImageUse", "action ref spot all_tags", defaults=(False,))):
    """One image built or pushed ("build" or "push"): `ref` (None for compose/bake), at
    `spot`; all_tags: `docker push --all-tags`."""

    __slots__ = ()

    @property
    def name(self):
        """The image's name: the last path part of the reference, without tag or digest."""
        if self.ref is None:
            return None
        return image_name_and_tag(self.ref)[0]

    @property
    def tag(self):
        return None if self.ref is None else image_name_and_tag(self.ref)[1]


def image_name_and_tag(ref):
    """('catscan-api', '$IMAGE_TAG') of `$REGISTRY/catscan-api:$IMAGE_TAG`."""
    last = ref.split("@", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    name, _, tag = last.partition(":")
    return name, (tag or None)


def image_uses(workflow):
    """Every image built or pushed in the workflow, in step order (computed once per
    workflow: DG202, DG203 and DG204 all ask)."""
    cached = workflow.__dict__.get("_image_uses")
    if cached is None:
        cached = workflow.__dict__["_image_uses"] = tuple(_image_uses(workflow))
    return cached


def _image_uses(workflow):
    uses = []
    for step in _steps(workflow):
        if step.uses and build_inputs(step.uses) is not None:
            uses += _action_uses(step)
        run = step.run
        if run and "docker" in run and ("push" in run or "build" in run or "bake" in run):
            for command in parse_script(step.run):
                if "docker" in command.text:
                    uses += _command_uses(step, command)
    return uses


def _action_uses(step):
    inputs = build_inputs(step.uses)
    with_ = step.body.get("with")
    with_ = with_ if isinstance(with_, dict) else {}
    push = with_.get(inputs.push, False)
    pushes = push is True or (isinstance(push, str) and push.strip() not in ("false", ""))
    tags = with_.get(inputs.tags)
    path = f"{step.key_path}.with.tags"
    refs = []
    if isinstance(tags, str):
        for start, ref in _tag_entries(tags):
            refs.append(Spot(ref, step, step.job_id, tags, start, path))
    if not refs:
        key = "tags" if "tags" in with_ else None
        holder, key = (with_, key) if key else (step.body, "uses")
        refs = [Spot("", step, step.job_id, holder, key, path if key == "tags" else "")]
    actions = ("build", "push") if pushes else ("build",)
    return [ImageUse(a, s.value or None, s) for a in actions for s in refs]


def _tag_entries(tags):
    """(offset, reference) of each entry of a `tags:` value: newline- or comma-separated,
    a comma inside `${{ }}` (`format('{0}/{1}:{2}', ...)`) not separating."""
    entries, start, depth, index = [], 0, 0, 0
    while index <= len(tags):
        if tags.startswith("${{", index):
            depth, index = depth + 1, index + 3
            continue
        if depth and tags.startswith("}}", index):
            depth, index = depth - 1, index + 2
            continue
        if index == len(tags) or (not depth and tags[index] in ",\n"):
            piece = tags[start:index]
            if piece.strip():
                entries.append((start + len(piece) - len(piece.lstrip()), piece.strip()))
            start = index + 1
        index += 1
    return entries


def _command_uses(step, command):
    spans = expression_words(word_spans(command.text))
    values = [v for v, _ in spans]
    program, rest = strip_prefixes(values)
    if program is None:
        return []
    base = len(values) - len(rest)
    compose = compose_subcommand(words(command.text))
    path = step.script_path

    def spot(index, value=None):
        offsets = spans[index][1] if index is not None else ()
        offset = command.offset_of(offsets[0]) if offsets else command.offset
        text = spans[index][0] if value is None and index is not None else value
        return Spot(text or "", step, step.job_id, step.run, offset, path)

    if compose is not None:
        if compose[0] in ("build", "push"):
            return [ImageUse(compose[0], None, spot(None))]
        return []
    if program.rsplit("/", 1)[-1] != "docker":
        return []
    sub = [v for v in rest if not v.startswith("-")][:2]
    if sub[:1] == ["push"] or sub == ["image", "push"]:
        first = base + rest.index(sub[0]) + (2 if sub[0] == "image" else 1)
        all_tags = any(v in ("-a", "--all-tags") for v in values[first:])
        refs = [i for i in range(first, len(values)) if not values[i].startswith("-")]
        return [ImageUse("push", values[i], spot(i), all_tags) for i in refs[:1]] or [
            ImageUse("push", None, spot(None), all_tags)
        ]
    if sub[:1] == ["build"] or sub in (["buildx", "build"], ["image", "build"]):
        return _build_uses(values, spans, spot)
    if sub == ["buildx", "bake"] and "--push" in values:
        return [ImageUse("build", None, spot(None)), ImageUse("push", None, spot(None))]
    return []


def _build_uses(values, spans, spot):
    tags = []
    for index, value in enumerate(values):
        if value in ("-t", "--tag") and index + 1 < len(values):
            tags.append((index + 1, values[index + 1]))
        elif value.startswith("--tag="):
            tags.append((index, value[6:]))
        elif value.startswith("-t") and len(value) > 2 and not value.startswith("--"):
            tags.append((index, value[2:]))
    pushes = "--push" in values or any("type=registry" in v for v in values)
    actions = ("build", "push") if pushes else ("build",)
    spots = [spot(i, v) for i, v in tags] or [spot(None)]
    refs = [v for _, v in tags] or [None]
    return [ImageUse(a, r, s) for a in actions for r, s in zip(refs, spots, strict=True)]


def resolve_ref(workflow, use):
    """The Resolved value of an image reference (policies/lint/values.py): a shell word
    is read at its spot in the script, a `tags:` entry as a template in its step."""
    step = use.spot.step
    if step is not None and use.spot.holder is step.run and isinstance(use.spot.key, int):
        return scope(workflow, step, use.spot.key).shell(use.ref)
    return scope(workflow, step, None).template(use.ref)


def resolve_spot(workflow, spot):
    """The Resolved value of a tag assignment (an env: value or a shell word)."""
    step = spot.step
    if step is not None and spot.holder is step.run and isinstance(spot.key, int):
        return scope(workflow, step, spot.key).shell(spot.value)
    if step is None and spot.job_id is not None:  # a job's env: read in one of its steps
        job = workflow.job(spot.job_id)
        step = job.steps[0] if job and job.steps else None
    return scope(workflow, step, None).template(spot.value)


def references(resolved):
    """(name, tag shape) of each choice of a resolved image reference: the last path part
    without tag or digest, and the tag with its parts named (`sha-{sha7}`, None: no tag)."""
    return [image_name_and_tag(shape(choice)) for choice in resolved.choices]


def variable_from_commit(workflow, images):
    """Whether every value the tag variable is given is the commit's tag (and one is)."""
    assignments = tag_assignments(workflow, images.tag_variable)
    derived = others = 0
    for assignment in assignments:
        resolved = resolve_spot(workflow, assignment)
        if all(is_commit_tag(c, images.tag_format) for c in resolved.choices):
            derived += 1
        elif resolved.inputs or resolved.texts():
            others += 1
    return derived > 0 and others == 0
