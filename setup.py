"""Map the four top-level rooms into the `driftgate` namespace.

policies/, checks/, monitor/ and lint/ sit at the top of the repository (the
layout shows the architecture) but install as driftgate.policies,
driftgate.checks, driftgate.monitor and driftgate.lint, so they never collide
with another distribution's `policies`, `monitor` or `lint` package.
Subpackages are found, not listed.
"""

from setuptools import find_packages, setup

ROOMS = {
    "driftgate": "driftgate",
    "driftgate.policies": "policies",
    "driftgate.checks": "checks",
    "driftgate.monitor": "monitor",
    "driftgate.lint": "lint",
}

packages = [
    f"{name}.{sub}" if sub else name
    for name, folder in ROOMS.items()
    for sub in ["", *find_packages(folder)]
]

setup(packages=packages, package_dir=ROOMS)
