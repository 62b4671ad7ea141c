#!/bin/bash
# Builds the guest lab's Debian image into DIR (called by lab.sh, which caches it):
#   DIR/rootfs.img  ext4 root file system (raw, sparse)
#   DIR/vmlinuz DIR/initrd.img  the guest kernel, booted directly by QEMU
#   DIR/manifest.txt  every installed package and its version; DIR/kernel-version
# Only Debian packages: debootstrap + apt from the host's Debian mirror. Every mount made here
# lives in a private mount namespace, so none outlives the build, even on failure.
# Usage: build-image.sh DIR   (as root; DIR must not exist)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
suite=bookworm
size=${WEFT_GUEST_DISK_SIZE:-8G}

# The Debian mirror the host's apt uses (deb822 or one-line sources), unless given.
host_mirror() {
    local f
    for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        grep -hoE '(https?|file)://[^ ]*/debian/?( |$)' "$f" | head -n1 | tr -d ' '
    done | head -n1
}
mirror=${WEFT_GUEST_MIRROR:-$(host_mirror)}
mirror=${mirror%/}
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
security=${WEFT_GUEST_SECURITY_MIRROR:-${mirror%/debian}/debian-security}

packages=$(sed -e 's/#.*//' "$here/packages.txt" | tr -s ' \n' ' ')
work=$(mktemp -d "${out%/}.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root

echo "guest lab: debootstrap $suite from $mirror" >&2
unshare --mount --propagation private /bin/bash -euo pipefail -c '
root=$1 suite=$2 mirror=$3 security=$4 packages=$5 here=$6
debootstrap --variant=minbase --components=main "$suite" "$root" "$mirror" >"$root.debootstrap.log" 2>&1 ||
    { tail -n 30 "$root.debootstrap.log" >&2; exit 1; }
cat >"$root/etc/apt/sources.list" <<SRC
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
SRC
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
printf "#!/bin/sh\nexit 101\n" >"$root/usr/sbin/policy-rc.d"   # start no service in the chroot
chmod +x "$root/usr/sbin/policy-rc.d"
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
echo "guest lab: apt-get install (packages.txt)" >&2
chroot "$root" apt-get update -qq
chroot "$root" apt-get install -y -qq --no-install-recommends $packages >"$root.apt.log" 2>&1 ||
    { tail -n 30 "$root.apt.log" >&2; exit 1; }
chroot "$root" apt-get clean
rm -f "$root/usr/sbin/policy-rc.d"
# A small initrd: only what mounts the root disk (TCG unpacks every byte of it at each boot).
echo MODULES=list >"$root/etc/initramfs-tools/conf.d/weft-lab.conf"
printf "virtio_pci\nvirtio_blk\nvirtiofs\n" >>"$root/etc/initramfs-tools/modules"
chroot "$root" update-initramfs -u -k all >"$root.initramfs.log" 2>&1 ||
    { cat "$root.initramfs.log" >&2; exit 1; }
' guest-build "$root" "$suite" "$mirror" "$security" "$packages" "$here"

echo "guest lab: configuring the image" >&2
echo weft-guest >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 weft-guest\n' >"$root/etc/hosts"
echo 'LABEL=weftroot / ext4 rw,noatime 0 1' >"$root/etc/fstab"
# A fixed machine id: no first-boot work, the same id on every throw-away boot.
echo 5eb1c0de5eb1c0de5eb1c0de5eb1c0de >"$root/etc/machine-id"
# root logs in on the serial console without a password (lab.sh shell); no network.
passwd -R "$root" -d root >/dev/null
mkdir -p "$root/etc/systemd/system/serial-getty@ttyS0.service.d"
cat >"$root/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf" <<'CONF'
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 %I $TERM
[Unit]
ConditionKernelCommandLine=!weft.lab=run
CONF
# The user for rootless tests: subordinate ids and a lingering systemd user manager.
chroot "$root" useradd --create-home --shell /bin/bash --uid 1000 weftuser
echo 'weftuser:100000:65536' >"$root/etc/subuid"
echo 'weftuser:100000:65536' >"$root/etc/subgid"
mkdir -p "$root/var/lib/systemd/linger" && touch "$root/var/lib/systemd/linger/weftuser"
# The runner, and a boot that starts nothing the lab does not use (TCG makes each unit slow).
install -m 0755 "$here/files/weft-lab-run" "$root/usr/local/sbin/weft-lab-run"
install -m 0644 "$here/files/weft-lab.service" "$here/files/weft-lab-mount.service" \
    "$root/etc/systemd/system/"
systemctl --root="$root" enable weft-lab.service weft-lab-mount.service >/dev/null 2>&1
mkdir -p "$root/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\n' >"$root/etc/systemd/journald.conf.d/weft-lab.conf"
systemctl --root="$root" disable containerd.service getty@tty1.service >/dev/null 2>&1 || true
for u in podman.socket podman.service podman-auto-update.service podman-auto-update.timer \
    podman-restart.service apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
    e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-tmpfiles-clean.timer \
    systemd-timesyncd.service systemd-networkd-wait-online.service systemd-binfmt.service \
    proc-sys-fs-binfmt_misc.automount sys-kernel-debug.mount sys-kernel-tracing.mount \
    modprobe@drm.service modprobe@efi_pstore.service modprobe@dm_mod.service \
    systemd-journal-flush.service systemd-random-seed.service systemd-update-utmp.service \
    systemd-update-utmp-runlevel.service systemd-pstore.service; do
    systemctl --root="$root" mask "$u" >/dev/null 2>&1
done
systemctl --root="$root" set-default multi-user.target >/dev/null 2>&1

# Kernel and initrd beside the image (direct kernel boot), and what was installed.
kver=$(ls "$root/lib/modules" | sort -V | tail -n1)
cp "$root/boot/vmlinuz-$kver" "$work/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$work/initrd.img"
echo "$kver" >"$work/kernel-version"
chroot "$root" dpkg-query -W -f='${Package} ${Version}\n' >"$work/manifest.txt"
rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*.bin

echo "guest lab: making the ext4 image ($size, sparse)" >&2
truncate -s "$size" "$work/rootfs.img"
mkfs.ext4 -q -L weftroot -d "$root" "$work/rootfs.img"
rm -rf "$root" "$root".*.log
mkdir -p "$(dirname "$out")"
mv "$work" "$out"
trap - EXIT
echo "guest lab: image ready in $out (kernel $kver)" >&2
