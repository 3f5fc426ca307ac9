#!/usr/bin/env bash
# Installs every package TEEP Console needs to build, test and package on Debian 12, with apt.
# Idempotent: when everything is there it prints nothing and changes nothing.
set -euo pipefail

packages=(
    # toolchain
    cmake ninja-build g++ clang libclang-rt-14-dev lld pkg-config
    # Qt 6 (Charts needs libqt6opengl6-dev; the TAM's HTTP is our own, on QtNetwork)
    qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev
    qt6-charts-dev libqt6sql6-sqlite libqt6sql6-psql libgl-dev
    # libraries of core/
    libssl-dev nlohmann-json3-dev libp11-dev
    # tests: offscreen/X11 GUI runs, independent CBOR decoder, database inspection, the
    # throw-away PostgreSQL server the _pg tests run on (tests/support/postgres.sh), the load
    # balancer of the sample factory layout (its config checked; in bench_tam's measured path)
    xvfb xauth python3-cbor2 python3-cryptography sqlite3 openssl xxd postgresql haproxy
    # the batch record's PDF read back by an independent reader (pdftotext)
    poppler-utils
    # a PKCS#11 token for the tests of keys in hardware (a throw-away SoftHSM2 token per test), and
    # the token tools an operator makes keys with: GnuTLS's p11tool (one that may not sign) and
    # OpenSC's pkcs11-tool (one that may also derive, for OTrP's ECDH)
    softhsm2 gnutls-bin opensc
    # packaging: cpack -G DEB and its checks
    dpkg-dev file help2man desktop-file-utils appstream
)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The npm packages of tests/interop, pinned in its package.json.
install_npm_packages() {
    local interop="$root/tests/interop"
    [ -d "$interop/node_modules/@noble/curves" ] && [ -d "$interop/node_modules/cbor" ] && [ -d "$interop/node_modules/jose" ] && return 0
    echo "install-deps: installing the npm packages of tests/interop"
    (cd "$interop" && npm install --silent --no-fund --no-audit >/dev/null)
}

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$package")
    fi
done
# Node.js for the independent JavaScript cross-check (tests/interop). Checked by command, not by
# package: a nodejs build that bundles npm conflicts with Debian's separate npm package.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    missing+=(nodejs npm)
fi
if [ ${#missing[@]} -eq 0 ]; then
    install_npm_packages
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
    sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}" >/dev/null
install_npm_packages
