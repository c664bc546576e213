#!/usr/bin/env bash
# Debian packages the app needs at run time (used by `make run`): Pango and the DejaVu fonts
# for WeasyPrint's PDF documents. Installs only what is missing, and only as root (or with sudo);
# otherwise it says what to install and carries on (everything but the PDFs works without them).
set -euo pipefail

need=()
for pkg in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need+=("$pkg")
done
((${#need[@]})) || exit 0
command -v apt-get >/dev/null 2>&1 || { echo "setup: install ${need[*]} for PDF documents" >&2; exit 0; }
if [ "$(id -u)" = 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo"
else
  echo "setup: PDF documents need ${need[*]} (apt-get install as root)" >&2
  exit 0
fi
echo "setup: installing ${need[*]} from Debian" >&2
$sudo apt-get update -q >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}" >&2
