#!/usr/bin/env bash
# Checks what packaging/build.sh made: the .deb holds the binary, the
# config (as a conffile), man pages for every command and the completions;
# the binary unpacked from it runs and knows its version and commit.
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(ls dist/*.deb)
contents=$(dpkg-deb -c "$deb")
for want in ./usr/bin/fossamaint ./etc/fossamaint/fossamaint.yaml \
	./usr/share/man/man1/fossamaint.1.gz ./usr/share/man/man1/fossamaint-weekly.1.gz \
	./usr/share/bash-completion/completions/fossamaint ./usr/share/zsh/vendor-completions/_fossamaint \
	./usr/share/fish/vendor_completions.d/fossamaint.fish ./var/lib/fossamaint/; do
	grep -q " $want\$" <<<"$contents" || { echo "$deb lacks $want"; exit 1; }
done
ctl=$(mktemp -d)
trap 'rm -rf "$ctl"' EXIT
dpkg-deb -e "$deb" "$ctl/DEBIAN"
grep -qx /etc/fossamaint/fossamaint.yaml "$ctl/DEBIAN/conffiles" || { echo "config is not a conffile"; exit 1; }
dpkg-deb -x "$deb" "$ctl/root"
"$ctl/root/usr/bin/fossamaint" version
# The packaged config is valid once root names a real installation.
mkdir -p "$ctl/inst/backend"
sed "s|^root: .*|root: $ctl/inst|" "$ctl/root/etc/fossamaint/fossamaint.yaml" >"$ctl/fossamaint.yaml"
"$ctl/root/usr/bin/fossamaint" --config "$ctl/fossamaint.yaml" config validate
man_pages=$(ls "$ctl/root/usr/share/man/man1" | wc -l)
echo "ok: $(basename "$deb") $(du -h "$deb" | cut -f1), $man_pages man pages"
