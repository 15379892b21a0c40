#!/usr/bin/env bash
# Installs chile-id-ocr for this checkout on a Debian machine with Python 3.11+: a virtual environment in
# .venv with the package, its service, batch and generator extras and the dev tools (docs/install.md).
# Plain, it needs no Debian package but python3-venv where Python lacks ensurepip: `chile-id-ocr serve` runs on
# its embedded defaults (SQLite), with no PostgreSQL server and no fonts. Idempotent: a second run only checks.
# `--test` adds what the test suite needs beyond that: the Debian packages (the fonts of the synthetic card
# generator, PostgreSQL for the storage tests, chromium for the web page's browser tests), Playwright (the
# `web-test` extra, driving Debian's chromium: no browser is ever downloaded) and axe-core (npm, into .venv)
# for the page's accessibility check, and Ray with pyarrow and fsspec (the `ray` extra) for the batch
# engine's tests on a local cluster. The Dockerfile installs the same way (the `server` and `batch` extras).
set -euo pipefail
cd "$(dirname "$0")/.."
TEST=false
[ "${1:-}" = "--test" ] && TEST=true
AXE_CORE=4.14.1

PYTHON="${PYTHON:-python3}"
DEB_PACKAGES=()
# Debian's own Python needs python3-venv for `python3 -m venv`.
"$PYTHON" -c 'import ensurepip' 2>/dev/null || DEB_PACKAGES+=(python3-venv)
if $TEST; then
  # The synthetic card generator's fonts, and more faces for the printed pages, receipts and screens around them.
  DEB_PACKAGES+=(fonts-dejavu-core fonts-liberation2 fonts-urw-base35 fonts-freefont-ttf fonts-ocr-b)
  DEB_PACKAGES+=(fonts-roboto-unhinted fonts-open-sans fonts-lato fonts-crosextra-carlito fonts-inconsolata fonts-courier-prime)
  # PostgreSQL: the server's storage tests start a throw-away cluster with its initdb and pg_ctl.
  DEB_PACKAGES+=(postgresql chromium)
  command -v npm >/dev/null || DEB_PACKAGES+=(npm)
fi
missing=()
for p in "${DEB_PACKAGES[@]+"${DEB_PACKAGES[@]}"}"; do
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
EXTRAS=server,batch,synth,dev
$TEST && EXTRAS=server,batch,synth,dev,web-test,ray
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${EXTRAS//,/-}
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$EXTRAS]"
  rm -f .venv/.installed-*; touch "$stamp"
fi
axe=.venv/web-test/node_modules/axe-core
if $TEST && ! grep -qs "\"version\": \"$AXE_CORE\"" "$axe/package.json"; then
  npm install --silent --no-audit --no-fund --no-save --prefix .venv/web-test "axe-core@$AXE_CORE" >/dev/null
fi
