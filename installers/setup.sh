#!/usr/bin/env bash
# The two set-up commands of the README, for a fresh Debian 12 machine:
#   installers/setup.sh run    install what is needed, build, start the console
#   installers/setup.sh test   install what is needed, build, run every test
# Run from anywhere inside the clone; `run` passes further arguments to teep-console.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mode="${1:-}"
shift || true

# Each step says when it starts (seconds since the command began), so slow steps are plain to see.
step() { printf '\n== %s (at %ds)\n' "$*" "$SECONDS"; }

build_preset() {
    cmake --preset "$1" >/dev/null
    cmake --build --preset "$1"
}

case "$mode" in
run)
    step "dependencies"
    installers/install-deps.sh
    step "build"
    build_preset default
    step "start teep-console (database: ${XDG_DATA_HOME:-$HOME/.local/share}/teep-console/teep-console.db)"
    exec build/default/app/teep-console "$@"
    ;;
test)
    step "dependencies"
    installers/install-deps.sh
    step "build and test (g++)"
    build_preset default
    ctest --preset default
    step "benchmark, for the record (figures, not a pass/fail test)"
    build/default/tests/bench/bench_teep 300
    build/default/tests/bench/bench_keys 1000
    build/default/tests/bench/bench_appraisal
    # bench_tam and bench_console also measure on a shared PostgreSQL database (a throw-away
    # server, as the tests use): TEEP with 1 and 2 servers, check-ins of 400 devices, the console at
    # 100,000 devices (CI time: run bench_tam ... 1000 and bench_console 1000000 by hand for the
    # figures at scale; a million devices take 270 s of fixture building alone).
    tests/support/postgres.sh start build/default/bench-postgres
    TEEP_BENCH_POSTGRES="$(cat build/default/bench-postgres/uri)" \
        build/default/tests/bench/bench_tam build/default/app/teepctl build/default/app/teep-devsim 400
    TEEP_BENCH_POSTGRES="$(cat build/default/bench-postgres/uri)" \
        build/default/tests/bench/bench_console 100000
    tests/support/postgres.sh stop build/default/bench-postgres
    build/default/tests/bench/bench_soak build/default/app/teepctl build/default/app/teep-devsim 10
    # The sanitizer run leaves out the PostgreSQL repeats (label postgres): the same code of ours
    # as on SQLite, plus libpq, which is not instrumented; the g++ run above covers both engines.
    step "build and test (clang, AddressSanitizer + UndefinedBehaviorSanitizer)"
    build_preset asan
    ctest --preset asan
    # The asan tree also holds the libFuzzer targets (coverage instrumentation costs the tests
    # little), so the core is compiled once for both instead of twice.
    step "fuzz every decoder for a bounded time (clang libFuzzer, ASan + UBSan)"
    tests/fuzz/run.sh build/asan 12
    # The packages come from the optimized build the tests ran on (stripped when packed): a
    # separate release build would compile everything once more for the same programs.
    step "package (.deb, .tar.gz) and check the installed programs"
    (cd build/default && cpack -G "DEB;TGZ" >/dev/null)
    installers/check-package.sh build/default
    cmake --preset release >/dev/null # the README's packages-only build still configures
    step "done"
    ;;
*)
    echo "usage: installers/setup.sh run [teep-console options] | test" >&2
    exit 64
    ;;
esac
