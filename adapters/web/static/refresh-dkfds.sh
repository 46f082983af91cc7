#!/usr/bin/env bash
# Re-vendors Det Fælles Designsystem (npm package `dkfds`) into dkfds/ beside this script.
#
#   adapters/web/static/refresh-dkfds.sh [VERSION]      (or: make vendor-dkfds [DKFDS_VERSION=x.y.z])
#
# VERSION defaults to the one recorded in dkfds/VERSION. The tarball comes from the npm registry
# through `npm pack`; its sha512 is checked against the registry's dist.integrity (and, when the
# version is unchanged, against the one recorded in dkfds/VERSION) before anything is copied.
#
# Only what a server-rendered page needs is kept, in the package's own dist/ layout so that the
# CSS's relative url()s resolve unmodified:
#   css/dkfds.min.css, js/dkfds.min.js              the default theme and the components' script
#   every image the CSS references                  img/svg-icons/*.svg and two placeholder logos
#   the fonts the browser actually fetches          per @font-face, each src up to and including the
#                                                   woff2 one (Regular lists .eot and .woff before its
#                                                   .woff2, so those two are kept; later fallbacks are not)
#   img/all-svg-icons.svg                           the icon sprite for <svg><use href="#name"></svg>
#   LICENSE.md, the fonts' license.txt               MIT, Apache-2.0 (icons), OFL-1.1 (IBM Plex Sans)
# Source maps are left out.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="$here/dkfds"
recorded_version=""
recorded_integrity=""
if [[ -f "$dest/VERSION" ]]; then
    recorded_version="$(awk '$1 == "version" {print $2}' "$dest/VERSION")"
    recorded_integrity="$(awk '$1 == "integrity" {print $2}' "$dest/VERSION")"
fi
version="${1:-$recorded_version}"
if [[ -z "$version" ]]; then
    echo "usage: $0 VERSION   (no dkfds/VERSION to take it from)" >&2
    exit 2
fi

for tool in npm node tar awk install; do
    command -v "$tool" >/dev/null || { echo "$0: needs $tool" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

expected="$(npm view "dkfds@$version" dist.integrity)"
if [[ -z "$expected" ]]; then
    echo "$0: the registry has no dkfds@$version" >&2
    exit 1
fi
if [[ "$version" == "$recorded_version" && -n "$recorded_integrity" && "$expected" != "$recorded_integrity" ]]; then
    echo "$0: dkfds@$version's integrity changed: registry $expected, recorded $recorded_integrity" >&2
    exit 1
fi

tarball="$(cd "$work" && npm pack --silent "dkfds@$version" | tail -n 1)"
# npm needs node, so node does the hashing (no xxd/openssl to depend on).
actual="$(node -e 'const c = require("crypto"), fs = require("fs");
process.stdout.write("sha512-" + c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$work/$tarball")"
if [[ "$actual" != "$expected" ]]; then
    echo "$0: $tarball's sha512 $actual is not the registry's $expected" >&2
    exit 1
fi
tar -xzf "$work/$tarball" -C "$work"
dist="$work/package/dist"
css="$dist/css/dkfds.min.css"

files=(css/dkfds.min.css js/dkfds.min.js img/all-svg-icons.svg LICENSE.md)

# Images the CSS references (icons drawn as masks/backgrounds, placeholder logos).
while IFS= read -r ref; do
    files+=("$ref")
done < <(grep -o 'url(\.\./img/[^)]*)' "$css" | sed -e 's/^url(\.\.\///' -e 's/)$//' | sort -u)

# Fonts: within each @font-face's src list a browser takes the first source it can use; every
# woff2 one is usable, so nothing after it is ever fetched. Sources before it may be (Regular's).
while IFS= read -r ref; do
    files+=("$ref")
done < <(grep -o '@font-face{[^}]*}' "$css" \
    | awk '{
        n = split($0, parts, "url\\(\\.\\./")
        for (i = 2; i <= n; i++) {
            path = substr(parts[i], 1, index(parts[i], ")") - 1)
            print path
            if (path ~ /\.woff2$/) break
        }
    }' | sort -u)

# The fonts' own licence, once per font folder kept.
while IFS= read -r dir; do
    files+=("$dir/license.txt")
done < <(printf '%s\n' "${files[@]}" | grep '^fonts/' | xargs -n 1 dirname | sort -u)

for f in "${files[@]}"; do
    [[ -f "$dist/$f" ]] || { echo "$0: dkfds@$version has no dist/$f" >&2; exit 1; }
done

staging="$work/vendored"
mkdir -p "$staging"
for f in "${files[@]}"; do
    install -D -m 0644 "$dist/$f" "$staging/$f"
done
printf 'version %s\nintegrity %s\n' "$version" "$expected" > "$staging/VERSION"
if [[ -f "$dest/README.md" ]]; then
    cp "$dest/README.md" "$staging/README.md"
fi

rm -rf "$dest"
mv "$staging" "$dest"
count="$(find "$dest" -type f | wc -l)"
size="$(du -sb "$dest" | awk '{print $1}')"
echo "dkfds@$version vendored into $dest: $count files, $size bytes"
