#!/usr/bin/env bash
# The Quickstart's main job: installs what is missing, builds, then shows virteventd at work on
# a real QEMU — launched by the daemon with a CD drive and a NIC on user-mode networking — while
# `virtevent events` prints the TRAY_CHANGE events that changing the disc produces. Stops
# everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/setup.sh
echo "[demo] building"
npm run build --silent

work=$(mktemp -d "${TMPDIR:-/tmp}/virtevent-demo.XXXXXX")
daemon_pid=""
events_pid=""
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
virtevent() { node "$root/packages/daemon/dist/bin/virtevent.js" --socket "$work/run/virteventd.sock" "$@"; }
cleanup() {
  [ -n "$events_pid" ] && kill "$events_pid" 2>/dev/null || true
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    virtevent stop demo >/dev/null 2>&1 || true
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/config.json" <<JSON
{
  "stateDir": "state",
  "apiSocket": { "path": "run/virteventd.sock" },
  "logLevel": "warn",
  "plugins": [{ "package": "@virtevent/plugin-tray" }],
  "domains": [{
    "name": "demo",
    "launch": { "args": ["-M", "q35", "-nodefaults", "-display", "none", "-S", "-accel", "tcg",
                          "-device", "ide-cd,id=cd0,bus=ide.0",
                          "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0,id=net0"] },
    "devices": { "disks": [{ "alias": "cd0" }] }
  }]
}
JSON

say "starting virteventd: it launches QEMU (paused, CD drive cd0, NIC net0) and attaches to its monitor"
(cd "$root/packages/daemon" && exec node dist/bin/virteventd.js --config "$work/config.json") 2>"$work/virteventd.log" &
daemon_pid=$!
for _ in $(seq 1 100); do
  if virtevent domains 2>/dev/null | grep -q "^demo"; then break; fi
  if ! kill -0 "$daemon_pid" 2>/dev/null; then cat "$work/virteventd.log" >&2; exit 1; fi
  sleep 0.2
done
virtevent domains

say "following events: virtevent events --event tray-change"
virtevent events --event tray-change --count 4 --timeout 60 &
events_pid=$!
sleep 0.5

say "inserting a disc image: the tray opens, the medium goes in, the tray closes"
truncate -s 1M "$work/demo.iso"
virtevent change-media demo cd0 --insert "$work/demo.iso" >/dev/null
sleep 0.3

say "ejecting it: the tray opens, the medium comes out, the tray closes"
virtevent change-media demo cd0 --eject >/dev/null
wait "$events_pid"
events_pid=""

say "the domain and its device state"
virtevent domains --json

say "stopping the domain and the daemon"
virtevent stop demo
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_pid=""
echo "done."
