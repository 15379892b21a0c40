#!/usr/bin/env bash
# Installs everything chile-id-ocr needs on a Debian machine with Python 3.11+:
# the Debian packages (fonts used by the synthetic card generator, PostgreSQL for the
# storage tests) and a virtual
# environment in .venv with the package and its dev tools. Idempotent: a second
# run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
DEB_PACKAGES=(fonts-dejavu-core fonts-liberation2 fonts-urw-base35 fonts-freefont-ttf fonts-ocr-b)
# PostgreSQL: the server's storage tests start a throw-away cluster with its initdb and pg_ctl.
DEB_PACKAGES+=(postgresql)
# Debian's own Python needs python3-venv for `python3 -m venv`.
"$PYTHON" -c 'import ensurepip' 2>/dev/null || DEB_PACKAGES+=(python3-venv)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# Optional extras besides dev, as arguments: `bash scripts/setup.sh ray` (the CI test command) adds Ray.
extras=$(IFS=,; echo "dev${*:+,$*}")
stamp=.venv/.installed-$( (cat pyproject.toml; echo "$extras") | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$extras]"
  rm -f .venv/.installed-*; touch "$stamp"
fi
