"""The pack's images take their tag from the tag variable in the form that fails if unset.

Rationale:
    The real compose file had `${IMAGE_TAG:-latest}`: with the variable unset,
    compose silently runs `latest`, which maps to no commit.
    `${IMAGE_TAG:?...}` stops compose instead.

Remediation:
    Write the image as `<registry>/<name>:${IMAGE_TAG:?set IMAGE_TAG to sha-<7 hex>}`.

Accepts / rejects:
    The pack's images: services whose image's last path part is one of the
    pack's image names, or whose `container_name` is one of the pack's host
    containers.
    - Accepted: `<repository>:${VAR:?message}` or `<repository>:${VAR?message}`
      where VAR is the pack's tag variable and the interpolation is the whole tag;
      an image pinned by digest (`<repository>@sha256:<64 hex>`); for a pack with a
      release manifest, `${API_IMAGE:?message}`, the whole image from the manifest
      variable of that image (it holds a digest-pinned reference).
    - Rejected, at the image value: no tag, a literal tag (`latest` or any
      other), `${VAR:-x}` / `${VAR-x}`, `${VAR:+x}`, `${VAR}` / `$VAR` (unset
      becomes empty), another variable, text around the interpolation, a digest
      that is not `sha256:<64 hex>`.
    - Rejected, at the service key: an app service with no `image:` (built).
    The judgement is `driftgate.policies.compose.image_tag_problem` (one image)
    and `compose_text_problems` (a compose file's text, for the verify host check).

Bad:
    ```yaml
    services:
      api:
        image: europe-west1-docker.pkg.dev/catscan/catscan/catscan-api:${IMAGE_TAG:-latest}
    ```

Good:
    ```yaml
    services:
      api:
        image: europe-west1-docker.pkg.dev/catscan/catscan/catscan-api:${IMAGE_TAG:?set IMAGE_TAG}
    ```
"""

from ..compose import image_tag_findings
from ..lint.violation import flag_key, flag_value

ID = "DG401"
NAME = "image-tag-required"
SUMMARY = "The pack's images take their tag from the tag variable in the form that fails if unset."
SEVERITY = "error"
APPLIES_TO = "compose"
OPTIONS = {}
REMEDIATION = "Tag the image with `${IMAGE_TAG:?set IMAGE_TAG}` (no default, no literal tag)."


def check_compose(document, context):
    services = document.get("services")
    if not isinstance(services, dict):
        return
    images, containers = context.pack.images, context.pack.host.containers
    variable = images.tag_variable
    hint = f"Tag the image with `${{{variable}:?set {variable}}}` (no default, no literal tag)."
    manifest = images.manifest_variables  # digest-pinned images from a release manifest
    for name, service, problem in image_tag_findings(
        services, images.names, variable, containers, manifest
    ):
        if isinstance(service.get("image"), str):
            found = flag_value(service, "image", f"services.{name}.image", problem)
        else:
            found = flag_key(services, name, f"services.{name}", f"service {name}: {problem}")
        yield found._replace(hint=hint)
