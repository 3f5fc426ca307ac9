#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, seeded with the interop vectors. Any crash, leak or
# undefined behaviour fails the run. Usage: tests/fuzz/run.sh BUILD_DIR [SECONDS_EACH]
set -euo pipefail
build="${1:?usage: run.sh BUILD_DIR [SECONDS_EACH]}"
seconds="${2:-20}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
vectors="$root/tests/data/vectors"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

seed() { # target, then files
    local dir="$work/$1"
    mkdir -p "$dir"
    shift
    for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/"; done
    # the draft's hex examples, as binary
    for hex in "$vectors"/teep-draft/*.hex.txt; do
        sed 's/#.*//' "$hex" | tr -d ' \n\r\t' | xxd -r -p >"$dir/$(basename "$hex" .hex.txt).bin" || true
    done
}
seed teep "$vectors"/libteep/*.cbor
seed cose "$vectors"/libteep/*_cose.cbor "$vectors"/libteep/query_request_es*.cbor
seed suit "$vectors"/libcsuit/*.suit
seed eat "$vectors"/libteep/evidence*.cbor "$vectors"/libteep/attestation_results*.cbor
# CoRIM and EAT with measured components, made by python3-cbor2 (as tst_appraisal does).
mkdir -p "$work/samples"
/usr/bin/python3 "$root/tests/attestation/make_samples.py" "$work/samples" >/dev/null
seed corim "$work"/samples/corim-*.cbor
cp "$work"/samples/evidence*.cbor "$work/eat/"
seed psa "$work"/samples/psa*.cbor
seed ear "$work"/samples/ear-*.cwt
# SGX quotes (the TEEP bundle) and Intel-style collateral, by python3-cryptography and python3-cbor2.
mkdir -p "$work/sgx-samples"
/usr/bin/python3 "$root/tests/attestation/make_sgx_samples.py" "$work/sgx-samples" >/dev/null
seed sgx "$work"/sgx-samples/sgx-*.cbor "$work"/sgx-samples/collateral/*.json "$vectors"/sgx-dcap/hw_quote.dat
printf '%s' 'eyJhbGciOiJFUzI1NiJ9.eyJlYXRfcHJvZmlsZSI6InRhZzpnaXRodWIuY29tLDIwMjM6dmVyYWlzb24vZWFyIiwic3VibW9kcyI6eyJ0Ijp7ImVhci5zdGF0dXMiOiJhZmZpcm1pbmcifX19.AAAA' >"$work/ear/seed.jwt"
seed inspect "$vectors"/libteep/*.cbor "$vectors"/libcsuit/*.suit "$vectors"/teep-draft/*.hex.txt
# JOSE seeds: a flattened JWS and a general JWE shape (values need not verify).
mkdir -p "$work/jose"
printf '%s' '{"payload":"eyJ2ZXIiOiIxLjAifQ","protected":"eyJhbGciOiJFUzI1NiJ9","signature":"AAAA"}' >"$work/jose/jws.json"
printf '%s' '{"protected":"eyJlbmMiOiJBMTI4Q0JDLUhTMjU2In0","recipients":[{"header":{"alg":"ECDH-ES+A128KW","epk":{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}},"encrypted_key":"AAAA"}],"iv":"AAAAAAAAAAAAAAAAAAAAAA","ciphertext":"AAAA","tag":"AAAAAAAAAAAAAAAAAAAAAA"}' >"$work/jose/jwe.json"

# OTrP seeds: TBS objects the harness signs, one per command shape, and a DSI.
mkdir -p "$work/otrp"
printf '%s' '{"ver":"1.0","rid":"f-1","tid":"tid-1","tee":"primary","nextdsi":true,"content_plain":{"tamid":"urn:example:tam:one","spid":"acme","sdname":"sd.f","spcert":"AAAA"}}' >"$work/otrp/create.json"
printf '%s' '{"ver":"1.0","rid":"f-2","tid":"tid-1","tee":"primary","nextdsi":true,"content_plain":{"tamid":"urn:example:tam:one","spid":"acme","sdname":"sd.f","changes":{"newsdname":"sd.g","renewteespaik":true,"deloldspcert":["00"]}}}' >"$work/otrp/update.json"
printf '%s' '{"ver":"1.0","rid":"f-3","tid":"tid-1","tee":"primary","nextdsi":false,"content_plain":{"tamid":"urn:example:tam:one","sdname":"sd.f","taid":"t","deleteta":true},"encrypted_ta":{"key":{},"iv":"00000000000000000000000000000000","alg":"AESCBC","ciphertadata":"AAAA"}}' >"$work/otrp/ta.json"
printf '%s' '{"dsi":{"tee":{"name":"p","ver":"1","cert":"AAAA","cacert":[],"sdlist":{"cnt":1,"sd":[{"name":"a","spid":"b","talist":[{"taid":"c"}]}]},"teeaiklist":[]}}}' >"$work/otrp/dsi.json"

# Session file seed: one message, as the Message Inspector exports it.
mkdir -p "$work/sessionfile"
printf '%s' '{"format":"teep-console-session","version":1,"session":{"id":1,"profile":"teep","device":"d","state":"completed"},"messages":[{"seq":1,"direction":"to-device","media_type":"application/teep+cbor","at":"t","body":"gwEC"}]}' >"$work/sessionfile/one.json"

# HTTP seeds: the requests a broker sends, pipelined, chunked.
mkdir -p "$work/http"
printf 'xPOST /tam HTTP/1.1\r\nHost: t\r\nAccept: application/teep+cbor\r\n\r\nPOST /tam HTTP/1.1\r\nContent-Type: application/teep+cbor\r\nContent-Length: 3\r\n\r\nabc' >"$work/http/pipelined"
printf '\x05POST /tam HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n3;e=1\r\nabc\r\n0\r\nT: v\r\n\r\n' >"$work/http/chunked"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
for target in teep cose suit eat corim psa ear sgx inspect jose otrp sessionfile http; do
    printf 'fuzz_%s: ' "$target"
    "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
        -artifact_prefix="$work/$target-" "$work/$target" >"$work/$target.log" 2>&1 ||
        { echo "FAILED"; tail -40 "$work/$target.log"; exit 1; }
    grep -E '^Done [0-9]+ runs' "$work/$target.log" || tail -1 "$work/$target.log"
done
