#!/usr/bin/env bash
# Builds the release artefacts of fossamaint into dist/:
#   dist/fossamaint              static binary (CGO_ENABLED=0; SQLite is pure Go)
#   dist/fossamaint.yaml         the default config (`fossamaint config init`)
#   dist/man/*.1.gz              man pages (`fossamaint man`)
#   dist/completions/            bash, zsh and fish completions
#   dist/fossamaint_<v>_<arch>.deb and .rpm (nfpm, pinned below)
# Usage: packaging/build.sh [--no-packages]
# VERSION defaults to `git describe`; GOARCH to the machine's.
set -euo pipefail
cd "$(dirname "$0")/.."

NFPM_VERSION=v2.48.0 # github.com/goreleaser/nfpm/v2; the newest this Go builds
packages=1
[ "${1:-}" = "--no-packages" ] && packages=0

version="${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo 0.0.0)}"
# nfpm wants semver: v0.1.0-3-gabc -> 0.1.0-3-gabc; a bare commit -> 0.0.0+<commit>.
version="${version#v}"
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]]; then version="0.0.0+${version}"; fi
arch="$(go env GOARCH)"

rm -rf dist
mkdir -p dist/man dist/completions
echo "== binary ($version, $arch, static)"
# -buildvcs=true: stamp the commit even where go env turns it off.
CGO_ENABLED=0 go build -trimpath -buildvcs=true -o dist/fossamaint ./cmd/fossamaint
bin=dist/fossamaint
"$bin" version
if command -v file >/dev/null && ! file "$bin" | grep -q "statically linked"; then
	echo "dist/fossamaint is not statically linked: $(file "$bin")" >&2
	exit 1
fi

echo "== config, man pages, completions"
"$bin" config init >dist/fossamaint.yaml
"$bin" man --dir dist/man
gzip -9n dist/man/*.1
"$bin" completion bash >dist/completions/fossamaint.bash
"$bin" completion zsh >dist/completions/_fossamaint
"$bin" completion fish >dist/completions/fossamaint.fish

[ "$packages" = 1 ] || exit 0
echo "== packages (nfpm $NFPM_VERSION)"
# Installed once per version into the user's cache (go install takes a minute).
tools="${XDG_CACHE_HOME:-$HOME/.cache}/fossamaint-tools/nfpm-$NFPM_VERSION"
nfpm="$tools/nfpm"
if [ ! -x "$nfpm" ]; then
	GOBIN="$tools" GOFLAGS= go install "github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION"
fi
for p in deb rpm; do
	VERSION="$version" ARCH="$arch" "$nfpm" package --config packaging/nfpm.yaml --packager "$p" --target dist/
done
ls -l dist/*.deb dist/*.rpm
