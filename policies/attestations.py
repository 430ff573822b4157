"""Whether a build pushes its images with the attestations the pack asks for.

A pack can ask for `images.attestations: [provenance, sbom]`: every step that
pushes images must build them with a provenance attestation and an SBOM. Set
explicitly, because the defaults differ between builders and versions (the
plain docker driver attaches none):
- docker/build-push-action: `provenance:` and `sbom:` given and not `false`;
- a `run:` script: `--provenance=...` / `--sbom=...` not false, or
  `--attest type=provenance|sbom`. `docker push` of a locally built image
  carries none.
Pure; the all-images rule (DG204) asks.
"""

import re

from .lint.actions import build_inputs
from .lint.images import image_uses

FLAG = {"provenance": "provenance: mode=max", "sbom": "sbom: true"}


def missing_attestations(workflow, images):
    """A Violation at the first pushed reference of each step lacking an attestation."""
    wanted = images.attestations
    if not wanted:
        return []
    violations, seen = [], set()
    for use in image_uses(workflow):
        step = use.spot.step
        if use.action != "push" or step is None or step.key_path in seen:
            continue
        seen.add(step.key_path)
        missing = [kind for kind in wanted if not _attests(step, kind)]
        if missing:
            what = " and ".join("an SBOM" if k == "sbom" else k for k in missing)
            fix = ", ".join(f"`{FLAG[k]}`" for k in missing)
            message = f"pushes `{use.ref or 'images'}` without {what} ({fix})"
            violations.append(use.spot.flag(message))
    return violations


def _attests(step, kind):
    if step.uses and build_inputs(step.uses) is not None:
        with_ = step.body.get("with")
        value = with_.get(kind) if isinstance(with_, dict) else None
        return value is True or (isinstance(value, str) and value.strip() not in ("", "false"))
    script = step.run or ""
    flag = re.search(rf"--{kind}(?:[=\s]+([^\s\"']+))?", script)
    if flag and (flag.group(1) or "true") != "false":
        return True
    return re.search(rf"--attest[=\s]+[\"']?type={kind}\b", script) is not None
