"""Images in workflows: where the tag variable is set, which images are built and pushed.

Built on the scripts of the workflow model (policies/lint/workflow.py: `run:`
and the scripts of catalogued actions) read by tree-sitter-bash
(policies/lint/bash: the commands that run, wrappers such as `sudo -u app`
taken off, the scripts of `ssh host "..."`, `bash -c` and heredocs fed to a
shell included; text such as `echo "docker push app:latest"` is no command),
and on the data flow of policies/lint/model.py.

- Tag assignments: the tag variable (pack images.tag_variable, IMAGE_TAG) as
  an `env:` key (workflow, job or step), or set by a script: `IMAGE_TAG=x`,
  `export IMAGE_TAG=x`, `IMAGE_TAG=x cmd`, a line `IMAGE_TAG=x` written to
  `$GITHUB_ENV` or `$GITHUB_OUTPUT` (echo, printf, `cat <<EOF`).
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
from .bash import Literal, Word, compose_invocation, docker_invocation, read_script
from .model import scope
from .values import is_commit_tag, shape
from .violation import flag_text, flag_value


def commit_tag_expression(tag_format):
    """The shell expression of the commit's tag in the pack's format, for hints.

    >>> commit_tag_expression("sha-{sha7}")
    'sha-${GITHUB_SHA::7}'
    """
    return tag_format.replace("{sha7}", "${GITHUB_SHA::7}").replace("{sha}", "${GITHUB_SHA}")


class Spot(namedtuple("Spot", "value step job_id holder key key_path word", defaults=(None,))):
    """A value somewhere in a workflow that can flag itself.

    step: the workflow.Step, or None for a workflow/job env; holder: the located string
    (shell) or mapping (env/with) it sits in; key: offset into holder (shell) or key of
    holder; value: its text as written (quotes removed); word: the shell word (a bash
    Word) of a value in a script, None elsewhere.
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
    for step in _steps(workflow):
        if step.run is None or f"{variable}=" not in step.run:
            continue
        script = read_script(step.run)
        settings = [a for a in script.assignments if a.name == variable and a.value is not None]
        settings += [a for c in script.commands for a in c.env if a.name == variable]
        settings += [w for w in script.output_writes if w.key == variable]
        for setting in sorted(settings, key=lambda s: s.start):
            text = setting.value.shown
            spot = Spot(text, step, step.job_id, step.run, setting.start, step.script_path)
            found.append(spot._replace(word=setting.value))
    return found


def _steps(workflow):
    return [step for job in workflow.jobs for step in job.steps]


class ImageUse(namedtuple("ImageUse", "action ref spot all_tags", defaults=(False,))):
    """One image built or pushed ("build" or "push"): `ref` (None for compose/bake) as
    written, at `spot` (whose `word` is the shell word); all_tags: `docker push --all-tags`."""

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
            script = read_script(run)
            for command in script.commands:
                uses += _command_uses(step, script, command)
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


def _command_uses(step, script, command):
    """The images one command builds or pushes: `docker build|push`, `docker compose
    build|push`, `docker buildx bake --push`."""

    def spot(word=None):
        if word is None:
            start = command_start(command)
            return Spot("", step, step.job_id, step.run, start, step.script_path)
        offset = word.parts[0].start if word.parts else word.start
        text = word.shown
        return Spot(text, step, step.job_id, step.run, offset, step.script_path, word)

    compose = compose_invocation(command)
    if compose is not None:
        if compose.subcommand in ("build", "push"):
            return [ImageUse(compose.subcommand, None, spot())]
        return []
    docker = docker_invocation(command)
    if docker is None:
        return []
    args = docker.args
    if docker.subcommand == "push":
        all_tags = any(w.text in ("-a", "--all-tags") for w in args)
        refs = [spot(w) for w in args if not (w.text or "").startswith("-")][:1]
        return [ImageUse("push", s.value, s, all_tags) for s in refs] or [
            ImageUse("push", None, spot(), all_tags)
        ]
    if docker.subcommand == "build":
        return _build_uses(args, spot)
    if docker.subcommand == "buildx" and args and args[0].text == "bake":
        if any(w.text == "--push" for w in args):
            return [ImageUse("build", None, spot()), ImageUse("push", None, spot())]
    return []


NESTING = frozenset({"ssh", "gcloud-ssh", "shell-c", "heredoc"})


def command_start(command):
    """Where the command is written, its own wrappers and prefixes included
    (`sudo -u app docker compose build` starts at `sudo`), not the ssh carrying it."""
    own = []
    for wrapper in reversed(command.wrappers):  # innermost first, back to the ssh or shell
        if wrapper.kind in NESTING:
            break
        own.append(wrapper.start)
    return min([command.start, *own, *(a.start for a in command.env)])


def _build_uses(args, spot):
    """`-t REF`, `--tag REF`, `--tag=REF`, `-tREF`; pushed with `--push` or
    `--output type=registry`."""
    tags = []
    for index, word in enumerate(args):
        lead = _leading_text(word)
        if word.text in ("-t", "--tag") and index + 1 < len(args):
            tags.append(spot(args[index + 1]))
        elif lead.startswith("--tag="):
            tags.append(spot(_after(word, len("--tag="))))
        elif lead.startswith("-t") and len(lead) > 2 and not lead.startswith("--"):
            tags.append(spot(_after(word, 2)))
    texts = [_leading_text(w) for w in args]
    pushes = "--push" in texts or any("type=registry" in t for t in texts)
    actions = ("build", "push") if pushes else ("build",)
    spots = tags or [spot()]
    return [ImageUse(a, s.value or None, s) for a in actions for s in spots]


def _leading_text(word):
    """The literal text a word starts with (`--tag=` of `--tag=app:$TAG`)."""
    first = word.parts[0] if word.parts else None
    return first.value if isinstance(first, Literal) else ""


def _after(word, cut):
    """The word of `REF` in `--tag=REF` / `-tREF`: the option's first `cut` characters off."""
    first = word.parts[0]
    rest = first.value[cut:]
    exact = first.end - first.start == len(first.value)  # one offset per character
    start = first.end - len(rest) if exact else first.start
    parts = ((Literal(rest, start, first.end),) if rest else ()) + word.parts[1:]
    return Word(word.raw, parts, start, word.end)


def resolve_ref(workflow, use):
    """The Resolved value of an image reference (policies/lint/values.py): a shell word
    is read at its spot in the script, a `tags:` entry as a template in its step."""
    step = use.spot.step
    if use.spot.word is not None:
        return scope(workflow, step, use.spot.key).word(use.spot.word)
    return scope(workflow, step, None).template(use.ref)


def resolve_spot(workflow, spot):
    """The Resolved value of a tag assignment (an env: value or a shell word)."""
    step = spot.step
    if spot.word is not None:
        return scope(workflow, step, spot.key).word(spot.word)
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
