#!/usr/bin/env bash
# ensure_apt_package.sh PACKAGE CHECK-COMMAND WHY
# Runs CHECK-COMMAND; if it fails, installs the Debian PACKAGE with apt-get when we are
# root, otherwise prints exactly what to install and fails.
set -euo pipefail
package=$1; check=$2; why=$3
if bash -c "$check" >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo ">> installing $package ($why)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$package" \
    || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$package"; }
  bash -c "$check" >/dev/null 2>&1 || { echo "ERROR: $package installed but the check still fails: $check" >&2; exit 1; }
  exit 0
fi
echo "ERROR: $why needs the Debian package $package, which is not installed." >&2
if command -v apt-get >/dev/null 2>&1; then
  echo "  Install it as root:  sudo apt-get install $package" >&2
else
  echo "  This system has no apt-get: install the equivalent of Debian's $package." >&2
fi
exit 1
