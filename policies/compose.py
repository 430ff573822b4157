"""Judgements on docker compose file text, shared by `driftgate lint` and the verify host check.

Pure: no I/O. `image_tag_problem` says what is wrong with an image reference's
tag given the pack's tag variable; `app_services` picks the services that run
the pack's images; `published_ip` reads where a port is published.

An image is fixed when compose cannot silently run another one: tagged
`${IMAGE_TAG:?...}` (unset stops compose), pinned by digest
(`<image>@sha256:<64 hex>`), or, for a pack whose images come from a release
manifest, the whole image taken from its manifest variable (`${API_IMAGE:?...}`),
which holds a digest-pinned reference.

>>> image_tag_problem("reg/catscan-api:${IMAGE_TAG:?set it}", "IMAGE_TAG") is None
True
>>> image_tag_problem("reg/catscan-api:latest", "IMAGE_TAG")
'literal tag `latest`; tag it with ${IMAGE_TAG:?...}'
>>> image_tag_problem("ghcr.io/o/catscan-api@sha256:" + "a" * 64, "IMAGE_TAG") is None
True
"""

import re

# ${NAME}, ${NAME:?msg}, ${NAME?msg}, ${NAME:-x}, ${NAME-x}, ${NAME:+x}, ${NAME+x}
_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_]\w*)")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


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


def is_digest(digest):
    """`sha256:` and 64 lowercase hex: a content digest an image can be pinned by."""
    return _DIGEST.fullmatch(digest) is not None


def _mask(text):
    """The text with every `${...}` replaced by x's of the same length (so ':' '/' inside hide)."""
    return re.sub(r"\$\{[^}]*\}", lambda m: "x" * len(m.group()), text)


def image_name(image):
    """The last path part of the repository: `catscan-api` for `reg/x/catscan-api:tag`."""
    return split_image(image)[0].rsplit("/", 1)[-1]


def image_tag_problem(image_value, tag_variable, manifest_variables=()):
    """Why an image reference is not fixed (see the module docstring), or None.

    `manifest_variables`: the release manifest's variables (API_IMAGE, ...), if any.
    """
    image = str(image_value).strip()
    whole = _INTERPOLATION.fullmatch(image)
    if whole is not None and _name(whole) in manifest_variables:
        return _unset_problem(whole, image, f"${{{_name(whole)}:?...}}", "the image")
    _, tag, digest = split_image(image)
    required = f"${{{tag_variable}:?...}}"
    if manifest_variables:
        required += f" or a manifest variable (${{{manifest_variables[0]}:?...}})"
    if digest is not None:
        if is_digest(digest):
            return None
        return f"`@{digest}` is not a sha256 digest (`@sha256:<64 hex>`); pin it or use {required}"
    if not tag:
        return f"no tag: compose runs `latest`; tag it with {required}"
    match = _INTERPOLATION.fullmatch(tag)
    if match is None:
        if "$" not in tag:
            return f"literal tag `{tag}`; tag it with {required}"
        return f"the tag `{tag}` is not exactly {required}"
    name = _name(match)
    if name != tag_variable:
        return f"the tag comes from {name}, not {tag_variable}; use {required}"
    return _unset_problem(match, tag, required, "the tag")


def _name(match):
    return match.group(1) or match.group(4)


def _unset_problem(match, text, required, what):
    """None when the interpolation stops compose if its variable is unset, else why not."""
    variable, operator = _name(match), match.group(2)
    if operator in (":?", "?"):
        return None
    if operator in (":-", "-"):
        return f"{what} falls back to a default when {variable} is unset ({text}); use {required}"
    if operator in (":+", "+"):
        return f"{what} is replaced when {variable} is set ({text}); use {required}"
    return f"an unset {variable} silently becomes an empty {what[4:]} ({text}); use {required}"


def image_tag_findings(
    services, image_names, tag_variable, container_names=(), manifest_variables=()
):
    """(service name, service, problem) for each app service whose image is not fixed
    (see image_tag_problem); an app service without `image:` is a problem too (it is built)."""
    for name, service in app_services(services, image_names, container_names, manifest_variables):
        image = service.get("image")
        if not isinstance(image, str):
            yield name, service, f"no image tagged ${{{tag_variable}:?...}} (built, not pulled)"
            continue
        problem = image_tag_problem(image, tag_variable, manifest_variables)
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
        services, images.names, images.tag_variable, container_names, images.manifest_variables
    ):
        if "image" in service:
            line, column = service.value_position("image")
        else:
            line, column = services.key_position(name)
        found.append((line, column, f"service {name}: {problem}"))
    return found


def app_services(services, image_names, container_names=(), manifest_variables=()):
    """(name, service) of the services that run the pack's images or containers (or an
    image from a release manifest variable)."""
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        image = service.get("image")
        by_image = isinstance(image, str) and (
            image_name(image) in image_names or _from_manifest(image, manifest_variables)
        )
        if by_image or service.get("container_name") in container_names:
            yield name, service


def _from_manifest(image, manifest_variables):
    """`${API_IMAGE...}` (the whole image) with API_IMAGE one of the manifest's variables."""
    whole = _INTERPOLATION.fullmatch(image.strip())
    return whole is not None and _name(whole) in manifest_variables


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
