#!/bin/busybox sh
# Serial console agent of the nic-rx-filter test guest. The host sends one line per command:
#   VE <token> <shell command>
# and the agent answers, on the same console:
#   @VE-BEGIN <token>@
#   ...command output...
#   @VE-DONE <token> <exit status>@
# Lines without the VE prefix (line noise, a partial line) are ignored, so only well-formed
# requests run. The agent prints @VE-READY@ once it listens.
# busybox sh runs its own applets before searching PATH, and busybox's ip lacks maddr and
# allmulticast: route `ip` to the real iproute2 binary.
ip() { /usr/sbin/ip "$@"; }
stty -echo -onlcr 2>/dev/null
printf '\n@VE-READY@\n'
while IFS= read -r line; do
  case "$line" in
    "VE "*) ;;
    *) continue ;;
  esac
  rest="${line#VE }"
  token="${rest%% *}"
  command="${rest#* }"
  printf '\n@VE-BEGIN %s@\n' "$token"
  (eval "$command") </dev/null 2>&1
  status=$?
  printf '\n@VE-DONE %s %d@\n' "$token" "$status"
done
