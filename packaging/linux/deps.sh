#!/usr/bin/env bash
# Installs what building and testing wsawatch on Debian 12 needs, if missing.
# Run as root (or through sudo). Set WSAWATCH_DEPS_EXTRA for more packages.
set -euo pipefail
# Building: compiler, cmake, pkg-config and the four libraries (+ Check).
# Testing: winerror.h for the code table's test, ripgrep for the benchmark's
# reference, mount/openssl/util-linux tools the scenario suites call, rsyslog
# and promtool (prometheus) as real receivers and checkers, systemd-analyze
# for the unit's rating, lintian for the package test.
pkgs=(build-essential cmake pkg-config libpcre2-dev libyaml-dev libuv1-dev libcurl4-openssl-dev
      check python3 mingw-w64-common ripgrep mount util-linux openssl ca-certificates rsyslog
      prometheus systemd lintian ${WSAWATCH_DEPS_EXTRA:-})
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
