"""A regular (non-editable) install carries the data files the commands read at run time.

An editable install reads them from the source tree, so only a built wheel shows
a file left out of package-data (the bundled pack was, once: `driftgate lint`
then failed with "cannot read" everywhere but in a checkout).
"""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_DATA = [
    "driftgate/policies/packs/catscan.yaml",
    "driftgate/policies/packs/pack.schema.json",
    "driftgate/policies/packs/catscan-ghcr.yaml",
    "driftgate/policies/packs/guide.md",
    "driftgate/monitor/rules/driftgate.rules.yml",
    "driftgate/checks/suite/test_health.py",
]


def test_wheel_holds_the_bundled_pack_rules_and_gate_suite(tmp_path):
    source = tmp_path / "source"
    # A copy, so the build's build/ and *.egg-info never land in the checkout.
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__"),
    )
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
        + ["--no-index", "-q", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("driftgate-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in RUNTIME_DATA if name not in names]
    assert not missing, f"the wheel lacks {missing}"
    assert not any(name.startswith(("tests/", "benchmarks/")) for name in names)
