#!/usr/bin/env bash
# Builds the tiny Linux guest the nic-rx-filter end-to-end tests boot under QEMU (TCG):
#   vmlinux     the uncompressed Debian kernel (boots through PVH with -kernel, ~2x faster
#               than the bzImage under TCG)
#   initrd.cpio busybox-static, the real iproute2 `ip` (busybox's lacks maddr and allmulticast)
#               with its shared libraries, the virtio-net modules, /init and the console agent
#   manifest    key=value lines: stamp, kernel release, package versions
# Everything comes from the Debian mirror through `apt-get download`. The result is cached
# outside the source tree in ${VIRTEVENT_GUEST_DIR:-${VIRTEVENT_CACHE_DIR:-$HOME/.cache/virtevent}/guest}
# and rebuilt only when a file in scripts/guest/ changes (the stamp). Idempotent.
#
# Usage: scripts/guest/build-guest.sh [--force] [--print-dir]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cache_root="${VIRTEVENT_CACHE_DIR:-${HOME}/.cache/virtevent}"
out="${VIRTEVENT_GUEST_DIR:-${cache_root}/guest}"

# Load order matters: insmod does not resolve dependencies and the kernel ships no modules.dep.
modules=(virtio_pci_modern_dev virtio_pci_legacy_dev virtio_ring virtio virtio_pci failover
  net_failover virtio_net)

log() { printf '[guest] %s\n' "$*" >&2; }
die() { printf '[guest] error: %s\n' "$*" >&2; exit 1; }

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --print-dir) printf '%s\n' "$out"; exit 0 ;;
    *) die "unknown argument: $arg (expected --force or --print-dir)" ;;
  esac
done

# The stamp covers every file of scripts/guest (this script, /init, the agent). The test
# harness computes the same value to detect a stale image: sha256 over "sha256sum" lines of the
# files in name order.
stamp="$(cd "$here" && LC_ALL=C ls -1 | LC_ALL=C sort | while IFS= read -r f; do
  [ -f "$f" ] && sha256sum "$f"
done | sha256sum | cut -d' ' -f1)"

# One build at a time per cache: a second run waits, then finds the image up to date.
mkdir -p "$(dirname "$out")"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$out.lock"
  flock 9
fi

if [ "$force" -eq 0 ] && [ -f "$out/manifest" ] && [ -f "$out/vmlinux" ] &&
  [ -f "$out/initrd.cpio" ] && grep -qx "stamp=$stamp" "$out/manifest"; then
  log "up to date: $out"
  exit 0
fi

for tool in apt-get apt-cache dpkg-deb dpkg xz sha256sum ldd; do
  command -v "$tool" >/dev/null 2>&1 || die "missing host tool: $tool"
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); fi

work="$(mktemp -d "$(dirname "$out")/guest-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work" # apt's _apt user downloads into it
debs="$work/debs" && ext="$work/ext" && img="$work/img"
mkdir -p "$debs" "$ext" "$img"

# download DIR PACKAGE...: the package lists may be absent on a fresh machine, so on failure
# update them once and retry.
download() {
  local dir="$1" && shift
  if ! (cd "$dir" && apt-get download -qq "$@" 2>"$work/apt.err"); then
    log "apt-get download failed ($(tr '\n' ' ' <"$work/apt.err")); running apt-get update"
    "${sudo_cmd[@]}" apt-get update -qq
    (cd "$dir" && apt-get download -qq "$@") || die "apt-get download $* failed"
  fi
}

# Kernel: the linux-image-amd64 meta package names the real image package.
log "downloading linux-image-amd64, busybox-static, iproute2"
download "$debs" linux-image-amd64 busybox-static iproute2
kernel_pkg="$(dpkg-deb -f "$debs"/linux-image-amd64_*.deb Depends | tr ',' '\n' |
  sed -n 's/^ *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -n1)"
[ -n "$kernel_pkg" ] || die "cannot read the kernel package from linux-image-amd64's Depends"
log "downloading $kernel_pkg"
download "$debs" "$kernel_pkg"
for deb in "$debs"/*.deb; do
  case "$(basename "$deb")" in linux-image-amd64_*) continue ;; esac
  dpkg-deb -x "$deb" "$ext"
done

vmlinuz="$(find "$ext/boot" -name 'vmlinuz-*' | head -n1)"
[ -n "$vmlinuz" ] || die "no vmlinuz in $kernel_pkg"
release="${vmlinuz##*/vmlinuz-}"

# vmlinux: the bzImage carries the ELF kernel as a compressed payload. Try every place where
# a known compressor's magic appears until one decompresses to an ELF file.
extract_vmlinux() {
  local magic tool off
  for pair in 'fd377a585a00:xz -dc --single-stream' '28b52ffd:zstd -dcq' '1f8b0800:gzip -dc'; do
    magic="${pair%%:*}" && tool="${pair#*:}"
    command -v "${tool%% *}" >/dev/null 2>&1 || continue
    for off in $(LC_ALL=C grep -obUaP "$(printf '%s' "$magic" | sed 's/../\\x&/g')" "$vmlinuz" |
      cut -d: -f1); do
      tail -c "+$((off + 1))" "$vmlinuz" | $tool >"$img.vmlinux" 2>/dev/null || true
      if [ "$(head -c4 "$img.vmlinux" | od -An -tx1 | tr -d ' \n')" = "7f454c46" ]; then
        mv "$img.vmlinux" "$work/vmlinux"
        return 0
      fi
    done
  done
  return 1
}
extract_vmlinux || die "could not extract an ELF vmlinux from $vmlinuz"

# Root file system of the initramfs.
mkdir -p "$img"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,dev,tmp,run,etc}
cp "$ext/bin/busybox" "$img/bin/busybox"
ip_bin="$(find "$ext" -path '*bin/ip' -type f | head -n1)"
[ -n "$ip_bin" ] || die "no ip binary in the iproute2 package"
cp "$ip_bin" "$img/usr/sbin/ip"

# iproute2's libraries, taken from the Debian packages that own them on this host (the host
# has iproute2 installed, so `dpkg -S` names them), never from the host's file system.
lib_pkgs=()
sonames=()
while read -r name arrow path _; do
  case "$name" in linux-vdso*) continue ;; esac
  if [ "$arrow" = "=>" ]; then soname="$name"; else soname="$(basename "$name")"; fi
  [ "$arrow" = "=>" ] && [ "$path" = "not" ] && die "ldd cannot resolve $soname on this host"
  sonames+=("$soname")
  pkg="$(dpkg -S "*/$soname" 2>/dev/null | head -n1 | cut -d: -f1)"
  [ -n "$pkg" ] || die "no installed Debian package owns $soname"
  lib_pkgs+=("$pkg")
done < <(ldd "$ip_bin")
mapfile -t lib_pkgs < <(printf '%s\n' "${lib_pkgs[@]}" | sort -u)
log "downloading libraries: ${lib_pkgs[*]}"
mkdir -p "$work/libdebs" "$work/libext"
download "$work/libdebs" "${lib_pkgs[@]}"
for deb in "$work/libdebs"/*.deb; do dpkg-deb -x "$deb" "$work/libext"; done
for soname in "${sonames[@]}"; do
  found="$(find "$work/libext" -name "$soname" \( -type f -o -type l \) | head -n1)"
  [ -n "$found" ] || die "$soname is not in the downloaded packages ${lib_pkgs[*]}"
  cp -L "$found" "$img/lib/$soname"
done
# The program interpreter is looked up by absolute path.
interp="$(find "$work/libext" -name 'ld-linux-x86-64.so.2' | head -n1)"
cp -L "$interp" "$img/lib64/ld-linux-x86-64.so.2"

# Kernel modules, decompressed (busybox insmod reads plain .ko files).
mkdir -p "$img/lib/modules"
for m in "${modules[@]}"; do
  src="$(find "$ext" -path "*/modules/$release/*" -name "$m.ko*" | head -n1)"
  [ -n "$src" ] || die "module $m not found in $kernel_pkg"
  case "$src" in
    *.ko.xz) xz -dc "$src" >"$img/lib/modules/$m.ko" ;;
    *.ko.zst) zstd -dcq "$src" >"$img/lib/modules/$m.ko" ;;
    *.ko.gz) gzip -dc "$src" >"$img/lib/modules/$m.ko" ;;
    *) cp "$src" "$img/lib/modules/$m.ko" ;;
  esac
done
printf '%s\n' "${modules[@]}" >"$img/etc/modules"

install -m 0755 "$here/init.sh" "$img/init"
install -m 0755 "$here/agent.sh" "$img/bin/ve-agent"

# newc archive written by the busybox we just extracted: no host cpio needed.
(cd "$img" && find . -mindepth 1 | LC_ALL=C sort |
  "$ext/bin/busybox" cpio -o -H newc 2>/dev/null) >"$work/initrd.cpio"

version_of() { dpkg-deb -W --showformat='${Package}=${Version}' "$1"; }
{
  printf 'stamp=%s\n' "$stamp"
  printf 'kernel=%s\n' "$release"
  printf 'modules=%s\n' "${modules[*]}"
  for deb in "$debs"/*.deb "$work/libdebs"/*.deb; do printf 'package.%s\n' "$(version_of "$deb")"; done
} >"$work/manifest"

# The image is complete before it replaces the old one: an interrupted build leaves either
# the previous image or none, never a half-written one with a valid stamp.
mkdir "$work/result"
mv "$work/vmlinux" "$work/initrd.cpio" "$work/manifest" "$work/result/"
rm -rf "$out"
mv "$work/result" "$out"
log "built $out (kernel $release, initrd $(du -k "$out/initrd.cpio" | cut -f1) KiB)"
