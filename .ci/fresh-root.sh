#!/usr/bin/env bash
# The fresh-machine check: a brand-new minimal Debian 12 root (mmdebstrap,
# from this machine's own apt sources), a git clone of this checkout inside
# it, and the README's two quick-start commands run there with chroot, as
# README.md gives them today (read from it, never copied). Either failing
# fails CI: a step missing from packaging/linux/deps.sh cannot pass here.
#   .ci/fresh-root.sh [DIR]      (as root; DIR defaults to a new temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD

# The quick start: the first two indented lines under "## Quick start".
mapfile -t cmds < <(awk '/^## /{on = ($0 == "## Quick start")} on && /^    [^ ]/{sub(/^    /, ""); print}' \
                    README.md | head -n 2)
if [ ${#cmds[@]} -ne 2 ]; then
  echo "fresh-root: README.md's Quick start does not hold two indented commands" >&2
  exit 1
fi

command -v mmdebstrap >/dev/null || {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
}
dir=${1:-$(mktemp -d /tmp/wsawatch-fresh.XXXXXX)}
root=$dir/root
mkdir -p "$dir"
cleanup() {
  for m in "$root/dev/pts" "$root/dev" "$root/sys" "$root/proc"; do
    mountpoint -q "$m" && umount -l "$m" || true
  done
  # Tests may leave tmpfs mounts below the root when they are killed.
  { grep -o " $root/[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$dir"
}
trap cleanup EXIT

sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -s "$f" ] && sources+=("$f")
done
echo "fresh-root: mmdebstrap bookworm from ${sources[*]}"
mmdebstrap --quiet --variant=apt --mode=root bookworm "$root" "${sources[@]}"

git clone --quiet "$src" "$root/src"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"

for i in 0 1; do
  echo "fresh-root: command $((i + 1)): ${cmds[$i]}"
  t0=$SECONDS
  chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 CI="${CI:-}" WSAWATCH_TEST_NO_SKIP=1 \
    /bin/bash -c "cd /src && ${cmds[$i]}"
  echo "fresh-root: command $((i + 1)) passed in $((SECONDS - t0)) s"
done
