#!/usr/bin/env bash
# Builds the token agent as users install it, from one self-contained publish per OS:
#   OUT/qtsp-agent_VERSION_amd64.deb         Debian/Ubuntu: /opt/qtsp-agent, /usr/bin/qtsp-agent, the XDG autostart entry
#   OUT/qtsp-agent-VERSION-win-x64/ (+ .zip) Windows: the build folder with install.ps1 / uninstall.ps1 (per user;
#                                            a signed MSI comes later)
#
#   eng/package-agent.sh [OUT]              (default OUT: artifacts/agent)
#
#   AGENT_VERSION    package version (default 0.1.0)
#   AGENT_PACKAGES   deb, windows or all (default all)
#   AGENT_ZIP        no: leave the Windows folder unzipped (the test command needs no archive)
#   PORTAL_ORIGIN    the portal whose pages the installed agent serves (scheme://host[:port]); without it, the
#                    demo portal's origins (http://127.0.0.1:5180, http://localhost:5180). Users can change it in
#                    ~/.config/qtsp-agent/settings.json or %APPDATA%\qtsp-agent\settings.json.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$root/artifacts/agent}" && cd "${1:-$root/artifacts/agent}" && pwd)
version=${AGENT_VERSION:-0.1.0}
packages=${AGENT_PACKAGES:-all}
assets="$root/eng/packaging"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

publish() { # RID DIR
  dotnet publish "$root/agent/Agent.csproj" -r "$1" --self-contained -c Release -o "$2" \
    -p:Version="$version" -p:DebugType=none -nologo -v quiet -clp:ErrorsOnly\;NoSummary
  if [ -n "${PORTAL_ORIGIN:-}" ]; then
    # The content root's environment file (Production is the default environment) names the portal.
    printf '{ "Agent": { "AllowedOrigins": [ "%s" ] } }\n' "$PORTAL_ORIGIN" >"$2/appsettings.Production.json"
  fi
}

if [ "$packages" = all ] || [ "$packages" = deb ]; then
  stage="$work/deb"
  publish linux-x64 "$stage/opt/qtsp-agent"
  install -d "$stage/opt/qtsp-agent/icons" "$stage/usr/share/icons/hicolor/scalable/apps"
  install -m 644 "$assets"/icons/*.svg "$stage/opt/qtsp-agent/icons/"
  install -m 644 "$assets"/icons/*.svg "$stage/usr/share/icons/hicolor/scalable/apps/"
  install -D -m 755 "$assets/deb/qtsp-agent" "$stage/usr/bin/qtsp-agent"
  install -D -m 644 "$assets/deb/qtsp-agent.desktop" "$stage/etc/xdg/autostart/qtsp-agent.desktop"
  install -D -m 644 "$assets/deb/qtsp-agent.desktop" "$stage/usr/share/applications/qtsp-agent.desktop"
  install -d "$stage/DEBIAN"
  # The .NET runtime is inside; what it needs from the system: glibc, the C++ runtime, OpenSSL (CMS, certificates)
  # and zlib. No ICU (invariant globalization). PKCS#11 modules: OpenSC's covers most cards; the vendors' own
  # (SafeNet, Monet+, Bit4id) are not in Debian and come with their installers - hence Recommends, not Depends.
  cat >"$stage/DEBIAN/control" <<CONTROL
Package: qtsp-agent
Version: $version
Architecture: amd64
Maintainer: QTSP portal team <noreply@example.invalid>
Section: utils
Priority: optional
Installed-Size: $(du -sk "$stage" | cut -f1)
Depends: libc6 (>= 2.31), libgcc-s1, libstdc++6, libssl3 | libssl1.1, zlib1g
Recommends: opensc-pkcs11
Suggests: pcscd
Description: token agent of the QTSP customer portal
 Lets the portal's pages in the browser use the holder's secure devices
 (tokens and smart cards) through their PKCS#11 modules, on loopback only.
 Starts with the desktop session and shows its state in the system tray.
CONTROL
  # The autostart entry is the administrator's to change (or remove, to switch autostart off for everyone).
  echo /etc/xdg/autostart/qtsp-agent.desktop >"$stage/DEBIAN/conffiles"
  deb="$out/qtsp-agent_${version}_amd64.deb"
  # gzip: a little larger than xz, but built in seconds rather than a minute.
  dpkg-deb --root-owner-group -Zgzip --build "$stage" "$deb" >/dev/null
  echo "$deb"
fi

if [ "$packages" = all ] || [ "$packages" = windows ]; then
  folder="$out/qtsp-agent-$version-win-x64"
  rm -rf "$folder"
  publish win-x64 "$folder"
  cp "$assets/windows/install.ps1" "$assets/windows/uninstall.ps1" "$folder/"
  if [ "${AGENT_ZIP:-yes}" != no ] && command -v zip >/dev/null; then
    rm -f "$folder.zip"
    (cd "$out" && zip -qr "$(basename "$folder").zip" "$(basename "$folder")")
  fi
  echo "$folder"
fi
