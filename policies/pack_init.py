"""A starter pack guessed from a repository's workflows and compose files (`driftgate init`).

Pure: takes parsed documents ({root-relative path: document}), returns a
`Starter`: the pack as nested mappings whose leaves are `Found` values, each
with a note when it was guessed rather than read. policies/pack_render.py
writes it as YAML with those notes as comments.

What is read, and from where:
- the deploy workflow: dispatched, with a `choice` input (the targets); the
  confirm input and word from an `if:` comparing `inputs.X == 'WORD'`; a
  free-text input named like `reason`;
- the build workflows: those that push images. Their push branches (the
  release branches), or a dispatch with a confirm word; the images they tag
  (names, registry, tag variable and form); `VAR=<image>@<digest>` lines
  written to a file (a release manifest);
- the compose files: their services running those images (containers).
"""

import re
from collections import namedtuple

from . import pack_init_read as read
from .compose import image_name, split_image

# value: plain data; note: why it was guessed, or None when read from the repository.
Found = namedtuple("Found", "value note", defaults=(None,))

# pack: nested dicts of Found leaves; guesses: how many leaves were guessed.
Starter = namedtuple("Starter", "pack guesses")

_TAG_FLAG = re.compile(r"(?:^|\s)(?:-t|--tag)[=\s]+[\"']?([^\s\"']+)")
_MANIFEST_LINE = re.compile(r"\b([A-Z][A-Z0-9_]*)=[\"']?\S*?/([a-z0-9][a-z0-9._-]*)@")
_MANIFEST_FILE = re.compile(r">>?\s*[\"']?([\w./-]+\.env)\b")
_VARIABLE = re.compile(r"^\$\{\{\s*env\.(\w+)\s*\}\}$|^\$\{?(\w+)\}?$")
_CUT7 = re.compile(r":0?:7\}|cut\s+-c\s*1?-7|head\s+-c\s*7|--short=7")
_COMMIT = re.compile(r"GITHUB_SHA|github\.sha", re.IGNORECASE)
_EARLY = ("dev", "test", "qa", "stage", "staging", "preprod", "uat", "canary")


def infer(workflows, composes, name=None):
    """A Starter from {path: workflow document} and {path: compose document}; `name`: the
    repository folder's name, for the pack's."""
    workflows = {p: d for p, d in workflows.items() if isinstance(d, dict)}
    deploy_path = _deploy_workflow(workflows)
    builds = {p: d for p, d in workflows.items() if p != deploy_path and read.pushes_images(d)}
    images = _images(builds)
    slug = re.sub(r"[^a-z0-9_-]+", "-", str(name or "").lower()).strip("-_")
    pack = {"version": Found(1), "name": Found(slug or "starter", "the pack's name")}
    pack["targets"] = _targets(workflows.get(deploy_path))
    pack.update(_build(builds))
    pack["images"] = images
    pack["health"] = {
        "path": Found("/health", "the health endpoint's path"),
        "schema": Found({"type": "object", "required": ["git_sha"]}, "the health answer"),
    }
    if deploy_path:
        pack["deploy"] = _deploy_inputs(workflows[deploy_path])
    app = _app_services(composes, images)
    pack["files"] = {
        "deploy_workflows": Found([deploy_path] if deploy_path else []),
        "build_workflows": Found(sorted(builds)),
        "compose_files": Found(sorted({path for path, _ in app} or composes)),
    }
    pack["host"] = _host(app)
    guesses = sum(1 for f in _leaves(pack) if f.note)
    return Starter(pack, guesses)


def _leaves(tree):
    for value in tree.values():
        yield from _leaves(value) if isinstance(value, dict) else [value]


# -- workflows --------------------------------------------------------------------


def _choice_input(document):
    choices = [
        (name, spec)
        for name, spec in read.dispatch_inputs(document).items()
        if spec.get("type") == "choice" and isinstance(spec.get("options"), list)
    ]
    named = [c for c in choices if re.search(r"target|env", c[0], re.I)]
    return (named or choices or [None])[0]


def _deploy_workflow(workflows):
    """The dispatched workflow with a choice input, preferring one named like `deploy`."""
    candidates = [p for p, d in workflows.items() if _choice_input(d) and not read.pushes_images(d)]
    candidates.sort(key=lambda p: ("deploy" not in p.lower(), p))
    return candidates[0] if candidates else None


def _targets(deploy):
    choice = _choice_input(deploy) if deploy else None
    options = [str(o) for o in choice[1]["options"]] if choice else []
    names = [n for n in options if re.fullmatch(r"[a-z0-9][a-z0-9_-]*", n)]  # as the schema
    if not names:
        url = Found("https://production.example.invalid", "the target's API URL")
        return {"production": {"base_url": url}}
    targets = {}
    for index, name in enumerate(names):
        target = {"base_url": Found(f"https://{name}.example.invalid", "the target's API URL")}
        earlier = [n for n in names[:index] if n.lower().startswith(_EARLY)]
        if earlier and not name.lower().startswith(_EARLY):
            target["promoted_from"] = Found(earlier[-1], "deployed there first")
        targets[name] = target
    return targets


def _deploy_inputs(document):
    inputs = read.dispatch_inputs(document)
    section = {"target_input": Found(_choice_input(document)[0])}
    guards = [(name, word) for name, word in read.confirm_guards(document) if name in inputs]
    if guards:
        section["confirm_input"], section["confirm_word"] = map(Found, guards[0])
    else:
        section["confirm_word"] = Found("DEPLOY", "no `if: inputs.X == 'WORD'` found")
    reason = next((n for n in inputs if re.search(r"reason|why", n, re.I)), None)
    section["reason_input"] = Found(reason) if reason else Found("reason", "no reason input found")
    return section


def _build(builds):
    """release_branches and build: the branches pushes build on, or the dispatch guard."""
    branches, guards, dispatched = [], [], False
    for document in builds.values():
        on = document.get("on")
        push = on.get("push") if isinstance(on, dict) else None
        listed = push.get("branches") if isinstance(push, dict) else None
        branches += [str(b) for b in listed] if isinstance(listed, list) else []
        dispatched |= isinstance(on, dict) and "workflow_dispatch" in on and push is None
        guards += read.confirm_guards(document)
    section = {}
    if branches:
        section["release_branches"] = Found(list(dict.fromkeys(branches)))
    else:
        section["release_branches"] = Found(["main"], "the branch releases are cut from")
    if dispatched and guards:
        name, word = guards[0]
        trigger = {"trigger": Found("dispatch"), "confirm_input": Found(name)}
        section["build"] = {**trigger, "confirm_word": Found(word)}
    return section


# -- images -------------------------------------------------------------------------


def _images(builds):
    refs, assignments, manifest, manifest_path = [], {}, {}, None
    for document in builds.values():
        assignments.update(read.assignments(document))
        for run in read.run_scripts(document):
            refs += _TAG_FLAG.findall(run) + read.PUSH.findall(run)
            manifest.update({v: n for v, n in _MANIFEST_LINE.findall(run)})
            manifest_path = manifest_path or next(iter(_MANIFEST_FILE.findall(run)), None)
        for _, tags in read.build_action_tags(document):
            refs += [t.strip() for t in re.split(r"[\n,]", tags) if t.strip()]
    names = list(dict.fromkeys(image_name(r) for r in refs if "/" in r and image_name(r)))
    names = [n for n in names if re.fullmatch(r"[a-z0-9][a-z0-9._-]*", n)]  # as the schema
    images = {"names": Found(names) if names else Found(["app"], "the images' names")}
    registry = _registry(refs, assignments)
    if registry:
        images["registry"] = registry
    images.update(_tag(refs, assignments))
    kinds = [set(read.attestations(d)) for d in builds.values()]
    if kinds and set.intersection(*kinds):
        images["attestations"] = Found(sorted(set.intersection(*kinds)))
    if manifest:
        images["release_manifest"] = {
            "path": Found(manifest_path) if manifest_path else Found("release.env", "the file"),
            "variables": {name: Found(variable) for variable, name in manifest.items()},
        }
    return images


def _expand(text, assignments):
    """`${{ env.X }}`, `${X}` and `$X` replaced by X's assigned value, once."""

    def value(match):
        name = match.group(1) or match.group(2) or match.group(3)
        return assignments.get(name, match.group())

    pattern = r"\$\{\{\s*env\.(\w+)\s*\}\}|\$\{(\w+)\}|\$(\w+)"
    return re.sub(pattern, value, text)


def _registry(refs, assignments):
    prefixes = {split_image(_expand(r, assignments))[0].rpartition("/")[0] for r in refs}
    prefixes.discard("")
    if not prefixes:
        return None
    prefix = sorted(prefixes)[0]
    wild = re.sub(r"\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$\w+", "*", prefix)
    return Found(wild) if wild == prefix else Found(wild, f"`{prefix}`: `*` is any one part")


def _tag(refs, assignments):
    tags = [split_image(r)[1] for r in refs if split_image(r)[1]]
    variable = next((m.group(1) or m.group(2) for t in tags if (m := _VARIABLE.match(t))), None)
    value = assignments.get(variable, "") if variable else next(iter(tags), "")
    section = {"tag_variable": Found(variable or "IMAGE_TAG", None if variable else "its name")}
    if _COMMIT.search(value):
        prefix = re.split(r"\$", value, maxsplit=1)[0]
        form = "{sha7}" if _CUT7.search(value) else "{sha}"
        section["tag_format"] = Found(f"{prefix}{form}")
    else:
        section["tag_format"] = Found("sha-{sha7}", "no tag from the commit found")
    return section


# -- compose ------------------------------------------------------------------------


def _app_services(composes, images):
    """(compose path, service) of the services running the images (by name or manifest)."""
    names = set(images["names"].value)
    manifest = images.get("release_manifest", {}).get("variables", {})
    variables = {f.value for f in manifest.values()}
    found = []
    for path, document in sorted(composes.items()):
        services = document.get("services") if isinstance(document, dict) else None
        for service in services.values() if isinstance(services, dict) else ():
            image = service.get("image") if isinstance(service, dict) else None
            if not isinstance(image, str):
                continue
            whole = re.fullmatch(r"\$\{(\w+)[^}]*\}", image.strip())
            if image_name(image) in names or (whole and whole.group(1) in variables):
                found.append((path, service))
    return found


def _host(app):
    containers = [str(s["container_name"]) for _, s in app if s.get("container_name")]
    host = {"containers": Found(containers)}
    api = next((c for c in containers if "api" in c), containers[0] if containers else None)
    if api:
        host["api_container"] = Found(api, "the container that reports the commit")
    if app:
        host["compose_file"] = Found(app[0][0].rsplit("/", 1)[-1])
    host["app_dir"] = Found("/opt/app", "the checkout on the machine")
    return host
