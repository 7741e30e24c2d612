#!/usr/bin/env bash
# The seed school's whole plan exported to ODT, DOCX, HTML and PDF (release build, in process),
# and LibreOffice converting the same ODT to PDF. Prints figures; asserts nothing.
#   bench/plan.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/anwei-target}"
cargo run --release --quiet -p anwei-docs --example plan_bench -- "${1:-10}"
