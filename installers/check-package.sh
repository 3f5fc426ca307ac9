#!/usr/bin/env bash
# Proves the Debian package works for a user: the right files, stripped binaries, dependencies
# that apt can satisfy, and the installed programs running from a scratch root against a fresh
# database. Usage: installers/check-package.sh BUILD_DIR
set -euo pipefail

build="${1:?usage: check-package.sh BUILD_DIR}"
deb=$(ls "$build"/teep-console_*.deb | head -n 1)
tgz=$(ls "$build"/teep-console-*.tar.gz | head -n 1)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "check-package: $*" >&2; exit 1; }

echo "checking $deb"
contents=$(dpkg-deb --contents "$deb")
for path in ./usr/bin/teep-console ./usr/bin/teepctl ./usr/bin/teep-devsim \
            ./usr/share/applications/org.teepconsole.TeepConsole.desktop \
            ./usr/share/metainfo/org.teepconsole.TeepConsole.metainfo.xml \
            ./usr/share/icons/hicolor/scalable/apps/org.teepconsole.TeepConsole.svg \
            ./usr/share/man/man1/teep-console.1.gz ./usr/share/man/man1/teepctl.1.gz ./usr/share/man/man1/teep-devsim.1.gz; do
    grep -q " $path\$" <<<"$contents" || fail "$path is missing from the package"
done
for size in 16 22 32 48 64 128 256; do
    grep -q "/hicolor/${size}x${size}/apps/org.teepconsole.TeepConsole.png\$" <<<"$contents" || fail "icon ${size}x${size} missing"
done
depends=$(dpkg-deb --field "$deb" Depends)
for needed in libqt6sql6-sqlite libqt6widgets6 libqt6sql6 libqt6network6 libssl3; do
    grep -q "$needed" <<<"$depends" || fail "Depends lacks $needed: $depends"
done

# Dependencies: apt must be able to install the package on this system (simulated, no change).
apt-get install --simulate --no-install-recommends "$(realpath "$deb")" >"$scratch/apt.log" 2>&1 ||
    { cat "$scratch/apt.log" >&2; fail "apt cannot satisfy the package's dependencies"; }

dpkg-deb -x "$deb" "$scratch/root"
for program in teep-console teepctl teep-devsim; do
    file "$scratch/root/usr/bin/$program" | grep -q ", stripped" || fail "$program is not stripped"
done
desktop-file-validate "$scratch/root/usr/share/applications/org.teepconsole.TeepConsole.desktop"
appstreamcli validate --no-net --pedantic "$scratch/root/usr/share/metainfo/org.teepconsole.TeepConsole.metainfo.xml" >/dev/null ||
    appstreamcli validate --no-net "$scratch/root/usr/share/metainfo/org.teepconsole.TeepConsole.metainfo.xml"
zcat "$scratch/root/usr/share/man/man1/teepctl.1.gz" | grep -q "anchors list" || fail "teepctl(1) does not document its commands"
zcat "$scratch/root/usr/share/man/man1/teep-devsim.1.gz" | grep -q 'demo\\-dir' || fail "teep-devsim(1) does not document its options"

# The installed programs, run from the scratch root against a fresh database.
export QT_QPA_PLATFORM=offscreen HOME="$scratch/home" XDG_DATA_HOME="$scratch/home/data" XDG_CONFIG_HOME="$scratch/home/config"
version=$(dpkg-deb --field "$deb" Version)
[ "$("$scratch/root/usr/bin/teepctl" --version)" = "teepctl $version" ] || fail "teepctl --version"
[ "$("$scratch/root/usr/bin/teep-console" --version)" = "teep-console $version" ] || fail "teep-console --version"
[ "$("$scratch/root/usr/bin/teep-devsim" --version)" = "teep-devsim $version" ] || fail "teep-devsim --version"
status=0
timeout 8 "$scratch/root/usr/bin/teep-console" 2>"$scratch/console.log" || status=$?
[ "$status" -eq 124 ] || { cat "$scratch/console.log" >&2; fail "teep-console exited ($status) instead of running"; }
info=$("$scratch/root/usr/bin/teepctl" --json db info)
# Created and migrated to the newest schema the installed programs know (not a number written here).
latest=$(grep -o '"latest_schema_version": [0-9]*' <<<"$info" | grep -o '[0-9]*$')
[ -n "$latest" ] && grep -q "\"schema_version\": $latest," <<<"$info" || fail "the console did not create its default database: $info"
grep -q "$XDG_DATA_HOME/teep-console/teep-console.db" <<<"$info" || fail "the database is not in the user's data location"

# The installed TAM and simulator together: a demo, the headless TAM, two simulated devices.
bin="$scratch/root/usr/bin"
"$bin/teepctl" --database "$scratch/demo.db" demo init --out "$scratch/demo" >/dev/null || fail "teepctl demo init"
"$bin/teepctl" --database "$scratch/demo.db" serve --listen 127.0.0.1:0 >"$scratch/serve.log" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q "listening on" "$scratch/serve.log" && break; sleep 0.1; done
uri=$(awk '/listening on/ {print $3; exit}' "$scratch/serve.log")
"$bin/teep-devsim" --tam "$uri" --demo-dir "$scratch/demo" --devices 2 >"$scratch/devsim.log" || { cat "$scratch/devsim.log" "$scratch/serve.log" >&2; kill $server; fail "teep-devsim against the installed TAM"; }
kill $server # SIGTERM: the TAM stops cleanly, exit code 0
wait $server || fail "teepctl serve did not stop cleanly on SIGTERM: $(tail -n 3 "$scratch/serve.log")"
grep -q "stopped (SIGTERM)" "$scratch/serve.log" || fail "teepctl serve did not say it stopped"
grep -q "2 of 2 devices completed" "$scratch/devsim.log" || fail "the simulated devices did not complete"

listing=$(tar -tzf "$tgz") # not piped into grep -q, which would end tar with SIGPIPE under pipefail
for program in teep-console teepctl teep-devsim; do
    grep -q "/bin/$program\$" <<<"$listing" || fail "$tgz lacks bin/$program"
done
echo "check-package: $(basename "$deb") and $(basename "$tgz") are good"
