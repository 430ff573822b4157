"""What must hold on the VM after a deploy: one judgement per host check.

Each function takes facts already read from the host (plain values, no I/O)
and returns the problems found, one sentence each; an empty tuple is a pass.
Missing facts are problems: the host checks fail closed.

>>> container_problems("catscan-api", "restarting", restarting=True, restart_count=0)
("catscan-api is restarting (state 'restarting')",)
>>> port_problems(8000, ["127.0.0.1"])
()
"""

import ipaddress
from fnmatch import fnmatchcase

from .compose import compose_text_problems, is_digest, split_image
from .sha import normalise_sha, shas_match

# Variables the deploy sets from IMAGE_TAG in the API container (compose `environment:`).
SHA_ENV_VARIABLES = ("GIT_SHA", "APP_VERSION")


def container_problems(name, status, restarting, restart_count, listed_state=None):
    """A container must be running, not restarting, and not have restarted since creation.

    The deploy recreates containers (`up --force-recreate`), so a fresh container
    that already restarted is crash-looping even if it is `running` right now.
    `listed_state` is the state `docker ps` lists (None: not listed at all).
    """
    problems = []
    if restarting or status == "restarting":
        problems.append(f"{name} is restarting (state {status!r})")
    elif status != "running":
        problems.append(f"{name} is not running (state {status!r})")
    elif listed_state != "running":
        shown = "not listed" if listed_state is None else f"listed as {listed_state!r}"
        problems.append(f"{name} is {shown} by docker ps")
    if type(restart_count) is not int or restart_count > 0:
        problems.append(f"{name} restarted {restart_count} times since it was created")
    return tuple(problems)


def image_tag_problems(container, image_ref, repo_tags, images, expected_sha):
    """The container runs `<registry>/<name>:<tag of expected_sha>`, still tagged so.

    `images` is the pack's policies.pack.Images: the tag comes from
    `images.tag_for`, never rebuilt here. An image pinned by digest
    (`<registry>/<name>@sha256:<64 hex>`, a release manifest's form) carries no
    commit to compare: the pull check proves it runs that digest, and the API
    container's SHA variables tie it to the commit.
    """
    expected_tag = images.tag_for(expected_sha)
    repository, tag, digest = split_image(image_ref or "")
    tag = tag or ""
    problems = []
    if not _known_repository(repository, images):
        wanted = ", ".join(_repositories(images))
        problems.append(f"{container} runs image {image_ref!r}, not from {wanted}")
    if digest is not None and not tag:
        if not is_digest(digest):
            problems.append(f"{container} runs {image_ref!r}: not a sha256 digest")
        return tuple(problems)
    if tag != expected_tag:
        problems.append(f"{container} runs tag {tag or '(none)'!r}, expected {expected_tag!r}")
    elif digest is None and f"{repository}:{tag}" not in (repo_tags or ()):
        problems.append(f"{container}'s image is no longer tagged {image_ref!r} on the host")
    return tuple(problems)


def image_pulled_problems(container, image_ref, repo_digests, images):
    """The image was pulled from the pack's registry: it has a repo digest from there.

    An image built on the VM (`docker compose build`, `up --build`) has none. A
    container created from `<image>@sha256:<digest>` must run exactly that digest.
    """
    repository, _, digest = split_image(image_ref or "")
    if not repo_digests:
        return (f"{container}'s image has no repo digest: built on the VM, not pulled",)
    pulled_from = {digest.partition("@")[0] for digest in repo_digests}
    if repository not in pulled_from or not _known_repository(repository, images):
        known = _known_repository(repository, images)
        wanted = repository if known else " or ".join(_repositories(images))
        found = ", ".join(sorted(pulled_from))
        return (f"{container}'s image was pulled from {found}, not from {wanted}",)
    if digest is not None and f"{repository}@{digest}" not in repo_digests:
        found = ", ".join(sorted(repo_digests))
        return (f"{container} should run {image_ref!r}, but its image is {found}",)
    return ()


def env_problems(container, env, expected_sha, variables=SHA_ENV_VARIABLES):
    """Each SHA variable is set in `env` (name -> value) and matches the expected SHA."""
    problems = []
    for variable in variables:
        value = env.get(variable)
        if value is None:
            problems.append(f"{container} has no {variable} in its environment")
        elif normalise_sha(value) is None:
            problems.append(f"{container} {variable}={value[:60]!r} is not a SHA")
        elif not shas_match(value, expected_sha):
            problems.append(f"{container} {variable}={value!r} does not match {expected_sha}")
    return tuple(problems)


def head_problems(app_dir, head, expected_sha):
    """The app directory's checkout is the expected commit."""
    if normalise_sha(head) is None:
        return (f"{app_dir}: git HEAD {str(head)[:60]!r} is not a commit SHA",)
    if not shas_match(head, expected_sha):
        return (f"{app_dir}: git HEAD is {head}, expected {expected_sha}",)
    return ()


def port_problems(port, addresses):
    """Something listens on `port`, and only on loopback (127.0.0.0/8 or ::1).

    `addresses` are the local addresses bound to the port (from `ss`, and from
    docker's port publications); `0.0.0.0`, `::`, `*` or "" mean every interface.
    """
    if not addresses:
        return (f"nothing listens on port {port}",)
    exposed = sorted({a or "*" for a in addresses if not _is_loopback(a)})
    if exposed:
        return (f"port {port} listens on {', '.join(exposed)}, not on 127.0.0.1 only",)
    return ()


def compose_problems(compose_file, text, images, containers=()):
    """The compose file tags the pack's images `${IMAGE_TAG:?...}`: never a `latest` default.

    The same judgement as the compose lint rule DG401 (policies.compose), applied
    to the file on the VM. Raises InputError when the text is not YAML.
    """
    return tuple(
        f"{compose_file}:{line}:{column}: {message}"
        for line, column, message in compose_text_problems(text, images, containers, compose_file)
    )


def disk_problems(path, free_mb, min_free_mb):
    """At least `min_free_mb` MiB free on the file system of `path`."""
    if not isinstance(free_mb, int) or free_mb < min_free_mb:
        return (f"{path}: {free_mb} MiB free, below the minimum of {min_free_mb} MiB",)
    return ()


def _repositories(images):
    prefix = f"{images.registry.rstrip('/')}/" if images.registry else ""
    return [prefix + name for name in images.names]


def _known_repository(repository, images):
    """`<registry>/<name>` with a pack image name; a `*` in the registry is one path part."""
    registry, _, name = repository.rpartition("/")
    if name not in images.names:
        return False
    if not images.registry:
        return True
    pattern = images.registry.rstrip("/")
    return registry.count("/") == pattern.count("/") and fnmatchcase(registry, pattern)


def _is_loopback(address):
    try:
        return ipaddress.ip_address(address.strip("[]").split("%", 1)[0]).is_loopback
    except ValueError:
        return False  # "*", "", a name: fail closed
