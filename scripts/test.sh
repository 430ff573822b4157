#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run it.
# Real parts, not mocks: promtool/Prometheus/Pushgateway/Alertmanager/blackbox_exporter and
# sshd come from Debian; PostgreSQL is expected at DRIFTGATE_TEST_DSN
# (default postgresql://postgres@127.0.0.1:5432/test).
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(prometheus prometheus-pushgateway prometheus-alertmanager prometheus-blackbox-exporter openssh-server openssh-client git)
missing=()
for package in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "installing Debian packages: ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
exec .venv/bin/python -m pytest "$@"
