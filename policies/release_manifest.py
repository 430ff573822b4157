"""Whether a build workflow records each image's digest in the pack's release manifest.

For a pack whose images are deployed by digest (`images.release_manifest`), the
build writes `API_IMAGE=<image>@sha256:<digest>` lines, one per image, for the
deploy to read. A `run:` script that assigns the image's manifest variable a
value holding `@` (`API_IMAGE=${PREFIX}/catscan-api@${API_DIGEST}`, or
`printf 'API_IMAGE=%s@%s\\n'`) records it. Pure; the all-images rule (DG204) asks.
"""

import re


def unrecorded_images(workflow, images):
    """The pack's image names whose manifest variable no run: script sets to a digest."""
    manifest = images.release_manifest
    if manifest is None:
        return []
    scripts = [s.run for job in workflow.jobs for s in job.steps if s.run]
    return [
        name
        for name, variable in manifest.variables.items()
        if not any(re.search(rf"\b{re.escape(variable)}=[^\s\"']*@", s) for s in scripts)
    ]
