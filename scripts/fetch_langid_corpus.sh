#!/usr/bin/env bash
# Fetches the language-identification training text: the gettext catalogs (.mo) that Debian
# packages ship under /usr/share/locale. Packages are downloaded (not installed) with
# `apt-get download` and unpacked with `dpkg-deb -x`; PROVENANCE.tsv lists each package and
# version. Man pages and LibreOffice help are held out for evaluation and never fetched here
# (nor man-db's own catalogs, nor anything from LibreOffice).
#
#   scripts/fetch_langid_corpus.sh DIR      # then: tokenmill train-langid --locale-dir DIR/root/usr/share/locale ...
set -euo pipefail
out=${1:?usage: fetch_langid_corpus.sh DIR}
packages=(
  adduser apt appstream aptitude-common at-spi2-common bash binutils-common bison coreutils
  debconf-i18n diffutils dpkg e2fsprogs-l10n evince-common findutils gawk gcc-12-locales gedit-common
  gettext gettext-base gnome-control-center-data gnumeric-common gnupg-l10n grep grub-common
  gsettings-desktop-schemas libapt-pkg6.0 libc-l10n libgdk-pixbuf2.0-common libglib2.0-data
  libgstreamer1.0-0 libgtk-3-common libgtk2.0-common libpam-runtime login make mousepad
  nano nautilus-data packagekit passwd pidgin-data polkitd procps psmisc rhythmbox-data sed
  shared-mime-info sudo systemd tar tasksel-data thunar-data totem-common transmission-common
  util-linux-locales wget xdg-user-dirs xfce4-panel
)
mkdir -p "$out/debs" "$out/root"
cd "$out/debs"
if ! apt-get download "${packages[@]}" >/dev/null 2>&1; then
  apt-get update >/dev/null
  apt-get download "${packages[@]}"
fi
printf 'package\tversion\tsha256\n' > ../PROVENANCE.tsv
for deb in *.deb; do
  dpkg-deb -x "$deb" ../root
  printf '%s\t%s\t%s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)" "$(sha256sum "$deb" | cut -d' ' -f1)" >> ../PROVENANCE.tsv
done
find ../root/usr/share/locale -name '*.mo' | wc -l | xargs echo "catalogs:"
