#!/bin/busybox sh
# PID 1 of the nic-rx-filter test guest (an initramfs, nothing else): mounts the kernel file
# systems, loads the virtio-net driver and hands the serial console to the agent. If the agent
# ever exits, the guest powers off so a test never waits on a guest that stopped listening.
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export LD_LIBRARY_PATH=/lib

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp

# No modules.dep in the image: load in the dependency order listed at build time.
while read -r module; do
  insmod "/lib/modules/$module.ko" || echo "init: insmod $module failed" >/dev/ttyS0
done </etc/modules

ip link set lo up
/bin/ve-agent </dev/ttyS0 >/dev/ttyS0 2>&1
poweroff -f
