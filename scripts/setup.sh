#!/usr/bin/env bash
# Installs what virtevent needs on a fresh Debian 12 machine that has only Node and npm:
# Debian packages (only when missing) and the npm workspace dependencies. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

need_pkgs=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || need_pkgs+=(qemu-system-x86)
command -v ip >/dev/null 2>&1 || need_pkgs+=(iproute2)
command -v xz >/dev/null 2>&1 || need_pkgs+=(xz-utils) # scripts/guest/build-guest.sh

if [ ${#need_pkgs[@]} -gt 0 ]; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo_cmd=(sudo)
    else
      echo "[setup] missing Debian packages ${need_pkgs[*]} and not root (no sudo): install them, then rerun" >&2
      exit 1
    fi
  fi
  log "installing Debian packages: ${need_pkgs[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

# npm ci only when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies (npm ci)"
  if ! npm ci --no-audit --no-fund --loglevel=error 2>.npm-ci.err; then
    # npm 11 writes lock files without the other platforms' optional packages (esbuild,
    # rollup and biome binaries), then `npm ci` refuses that same lock as out of sync
    # (npm/cli#4828, #8320). `npm install` installs the locked versions from it all the same.
    if grep -q "EUSAGE" .npm-ci.err; then
      log "npm ci refused its own lock file (npm bug); installing the locked versions with npm install"
      npm install --no-audit --no-fund --loglevel=error
    else
      cat .npm-ci.err >&2
      rm -f .npm-ci.err
      exit 1
    fi
  fi
  rm -f .npm-ci.err
fi

# The nic-rx-filter end-to-end tests boot a tiny Linux guest built from Debian packages and
# cached outside the tree; rebuilt only when scripts/guest/ changes.
log "preparing the test guest (scripts/guest/build-guest.sh)"
bash scripts/guest/build-guest.sh
