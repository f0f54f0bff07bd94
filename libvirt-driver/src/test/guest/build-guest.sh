#!/usr/bin/env bash
# Builds a tiny bootable test guest from Debian packages and prints the directory holding it:
# a boot_location tree (vmlinuz + initrd.img) for direct kernel boot. The initramfs holds busybox,
# the modules for an IDE/SATA CD-ROM with ISO 9660, the ACPI power button, the virtio balloon, virtio
# disks and NICs (hot-plugged ones included; the init asks DHCP for an address on eth0 with busybox
# udhcpc),
# and an /init that prints the `virtd_marker:` line of the cloud-init seed's user-data to the
# console, then powers off when the ACPI power button is pressed. Verified recipe:
# ../shared/notes/bootable-test-guest.md. Needs network and apt's package lists (apt-get update).
#
# Usage: build-guest.sh [CACHE_DIR]   (default /var/cache/virtd-test); the result is cached in
# CACHE_DIR/guest-KERNEL_VERSION-RECIPE_HASH and built only once per machine and kernel version.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-/var/cache/virtd-test}
pkg=$(apt-cache depends linux-image-amd64 | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
[[ -n $pkg ]] || { echo "cannot resolve the kernel package behind linux-image-amd64 (apt-get update?)" >&2; exit 1; }
version=${pkg#linux-image-}
recipe=$(cat "$here/build-guest.sh" "$here/init" | sha256sum | cut -c1-8)  # a changed recipe rebuilds
out=$cache/guest-$version-$recipe
if [[ -f $out/vmlinuz && -f $out/initrd.img ]]; then
  echo "$out"
  exit 0
fi
mkdir -p "$cache"
chmod 0755 "$cache"
work=$(mktemp -d "$cache/.build-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
# apt's sandbox user cannot write here; the download itself is verified by apt either way
apt-get download -q -o APT::Sandbox::User=root "$pkg" busybox-static >&2
dpkg -x linux-image-*.deb kernel
dpkg -x busybox-static_*.deb busybox
bb=$work/busybox/bin/busybox

root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,seed,modules}
cp "$bb" "$root/bin/busybox"
# dependency order (the modules' own `depends=`); no depmod in the initramfs
modules=(scsi_common scsi_mod libata ata_piix libahci ahci cdrom sr_mod isofs button evdev
         virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_balloon
         virtio_blk failover net_failover virtio_net)
for m in "${modules[@]}"; do
  ko=$(find kernel/lib/modules -name "$m.ko" | head -n 1)
  [[ -n $ko ]] || { echo "module $m missing from $pkg" >&2; exit 1; }
  cp "$ko" "$root/modules/"
done
printf '%s\n' "${modules[@]}" > "$root/modules/order"
cp "$here/init" "$root/init"
chmod 0755 "$root/init" "$root/bin/busybox"

mkdir -p "$work/out"
(cd "$root" && find . | "$bb" cpio -o -H newc 2>/dev/null) | gzip -9 > "$work/out/initrd.img"
cp kernel/boot/vmlinuz-"$version" "$work/out/vmlinuz"
echo "$version" > "$work/out/kernel-version"
chmod 0755 "$work/out"
chmod 0644 "$work/out"/*
rm -rf "$out"
mv "$work/out" "$out"
echo "$out"
