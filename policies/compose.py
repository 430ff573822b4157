"""Judgements on docker compose file text, shared by `driftgate lint` and the verify host check.

Pure: no I/O. `image_tag_problem` says what is wrong with an image reference's
tag given the pack's tag variable; `app_services` picks the services that run
the pack's images; `published_ip` reads where a port is published.

>>> image_tag_problem("reg/catscan-api:${IMAGE_TAG:?set it}", "IMAGE_TAG") is None
True
>>> image_tag_problem("reg/catscan-api:latest", "IMAGE_TAG")
'literal tag `latest`; tag it with ${IMAGE_TAG:?...}'
"""

import re

# ${NAME}, ${NAME:?msg}, ${NAME?msg}, ${NAME:-x}, ${NAME-x}, ${NAME:+x}, ${NAME+x}
_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_]\w*)")


def split_image(image):
    """(repository, tag, digest) of an image reference; interpolations stay as text.

    >>> split_image("host:5000/team/api:${TAG:?x}@sha256:ab")
    ('host:5000/team/api', '${TAG:?x}', 'sha256:ab')
    """
    masked = _mask(image)
    digest = None
    if "@" in masked:
        at = masked.index("@")
        image, masked, digest = image[:at], masked[:at], image[at + 1 :]
    slash = masked.rfind("/")
    colon = masked.find(":", slash + 1)
    if colon == -1:
        return image, None, digest
    return image[:colon], image[colon + 1 :], digest


def _mask(text):
    """The text with every `${...}` replaced by x's of the same length (so ':' '/' inside hide)."""
    return re.sub(r"\$\{[^}]*\}", lambda m: "x" * len(m.group()), text)


def image_name(image):
    """The last path part of the repository: `catscan-api` for `reg/x/catscan-api:tag`."""
    return split_image(image)[0].rsplit("/", 1)[-1]


def image_tag_problem(image_value, tag_variable):
    """Why an image reference does not take its tag from `${VAR:?...}`/`${VAR?...}`, or None."""
    image = str(image_value).strip()
    _, tag, digest = split_image(image)
    required = f"${{{tag_variable}:?...}}"
    if digest is not None and not tag:
        return f"the image is pinned by digest, not tagged with {required}"
    if not tag:
        return f"no tag: compose runs `latest`; tag it with {required}"
    match = _INTERPOLATION.fullmatch(tag)
    if match is None:
        if "$" not in tag:
            return f"literal tag `{tag}`; tag it with {required}"
        return f"the tag `{tag}` is not exactly {required}"
    name = match.group(1) or match.group(4)
    if name != tag_variable:
        return f"the tag comes from {name}, not {tag_variable}; use {required}"
    operator = match.group(2)
    if operator in (":?", "?"):
        return None
    if operator in (":-", "-"):
        return (
            f"the tag falls back to a default when {tag_variable} is unset ({tag}); use {required}"
        )
    if operator in (":+", "+"):
        return f"the tag is replaced when {tag_variable} is set ({tag}); use {required}"
    return f"an unset {tag_variable} silently becomes an empty tag ({tag}); use {required}"


def image_tag_findings(services, image_names, tag_variable, container_names=()):
    """(service name, service, problem) for each app service whose image is not tagged
    `${VAR:?...}`; an app service without `image:` is a problem too (it is built)."""
    for name, service in app_services(services, image_names, container_names):
        image = service.get("image")
        if not isinstance(image, str):
            yield name, service, f"no image tagged ${{{tag_variable}:?...}} (built, not pulled)"
            continue
        problem = image_tag_problem(image, tag_variable)
        if problem:
            yield name, service, problem


def compose_text_problems(text, images, container_names=(), path="<compose>"):
    """(line, column, message) for each app image of a compose file's text that DG401 rejects.

    For the verify host check, which reads the VM's compose file as text.
    `images` is the pack's `Images`; raises InputError when the text is not YAML.

    >>> from driftgate.policies.pack import load_pack
    >>> text = "services:\\n  api:\\n    image: x/catscan-api:latest\\n"
    >>> compose_text_problems(text, load_pack().images)
    [(3, 12, 'service api: literal tag `latest`; tag it with ${IMAGE_TAG:?...}')]
    """
    from .yamlsource import parse_yaml

    document = parse_yaml(text, path)
    services = document.get("services") if isinstance(document, dict) else None
    if not isinstance(services, dict):
        return []
    found = []
    for name, service, problem in image_tag_findings(
        services, images.names, images.tag_variable, container_names
    ):
        if "image" in service:
            line, column = service.value_position("image")
        else:
            line, column = services.key_position(name)
        found.append((line, column, f"service {name}: {problem}"))
    return found


def app_services(services, image_names, container_names=()):
    """(name, service) of the services that run the pack's images or containers."""
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        image = service.get("image")
        by_image = isinstance(image, str) and image_name(image) in image_names
        if by_image or service.get("container_name") in container_names:
            yield name, service


def published_ip(port):
    """The host IP a `ports:` entry publishes on ("" means every interface), or None if unknown.

    >>> published_ip("127.0.0.1:8000:8000"), published_ip("8000:8000"), published_ip("[::1]:80:80")
    ('127.0.0.1', '', '::1')
    """
    if isinstance(port, dict):
        return str(port.get("host_ip") or "")
    text = str(port)
    masked = _mask(text)  # a `${...}` address hides its ':' from the split
    if masked.startswith("["):
        return text[1 : masked.index("]")] if "]" in masked else None
    parts = masked.split("/", 1)[0].split(":")
    return text[: len(parts[0])] if len(parts) >= 3 else ""


def is_loopback(ip):
    import ipaddress  # only compose files need it; keep `driftgate lint` startup small

    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False
