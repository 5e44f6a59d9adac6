#!/usr/bin/env bash
# The Quickstart's main job: installs what is missing, builds, and runs the custom-loop example
# (a third-party event loop registered by name, proven by the conformance suite, driving a real
# socket conversation).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build --silent
node examples/custom-loop/dist/main.js "$@"
