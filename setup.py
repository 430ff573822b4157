"""Map the three top-level rooms into the `driftgate` namespace.

policies/, checks/ and monitor/ sit at the top of the repository (the layout
shows the architecture) but install as driftgate.policies, driftgate.checks
and driftgate.monitor, so they never collide with another distribution's
`policies` or `monitor` package. Subpackages are found, not listed.
"""

from setuptools import find_packages, setup

ROOMS = {
    "driftgate": "driftgate",
    "driftgate.policies": "policies",
    "driftgate.checks": "checks",
    "driftgate.monitor": "monitor",
}

packages = [
    f"{name}.{sub}" if sub else name
    for name, folder in ROOMS.items()
    for sub in ["", *find_packages(folder)]
]

setup(packages=packages, package_dir=ROOMS)
