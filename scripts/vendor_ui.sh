#!/bin/sh
# Vendor the pages' browser libraries into ror/api/static/vendor (committed, so the service
# needs neither npm nor a CDN at run time). Reproducible: the versions come from
# ui/package-lock.json (`npm ci`), and the same inputs give the same files.
#
#   sh scripts/vendor_ui.sh        (needs node and npm with access to the npm registry)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

npm ci --prefix ui --ignore-scripts --no-audit --no-fund --loglevel=error

src=ui/node_modules/leaflet
dest=ror/api/static/vendor/leaflet
version=$(node -p "require('./$src/package.json').version")
license=$(node -p "require('./$src/package.json').license")

rm -rf "$dest"
mkdir -p "$dest/images"
cp "$src/dist/leaflet.js" "$src/dist/leaflet.js.map" "$src/dist/leaflet.css" "$dest/"
cp "$src"/dist/images/*.png "$dest/images/"
cp "$src/LICENSE" "$dest/LICENSE"
cat > "$dest/VENDOR.md" <<NOTE
# Leaflet $version

Copied from the npm package \`leaflet@$version\` (\`dist/\` and \`LICENSE\`) by
\`scripts/vendor_ui.sh\`; pinned with its integrity hash in \`ui/package-lock.json\`.
Licence: $license (see \`LICENSE\`), © Volodymyr Agafonkin and Leaflet contributors.
Do not edit these files: change the version in \`ui/package.json\`, run \`npm install --prefix ui\`,
then this script.
NOTE
echo "vendored leaflet $version into $dest"

# axe-core: the accessibility rules the browser tests run on every page state (never served).
src=ui/node_modules/axe-core
dest=tests/browser/vendor/axe-core
version=$(node -p "require('./$src/package.json').version")
license=$(node -p "require('./$src/package.json').license")
rm -rf "$dest"
mkdir -p "$dest"
cp "$src/axe.min.js" "$src/LICENSE" "$src/LICENSE-3RD-PARTY.txt" "$dest/"
cat > "$dest/VENDOR.md" <<NOTE
# axe-core $version

Copied from the npm package \`axe-core@$version\` (\`axe.min.js\`, \`LICENSE\`,
\`LICENSE-3RD-PARTY.txt\`) by \`scripts/vendor_ui.sh\`; pinned with its integrity hash in
\`ui/package-lock.json\`. Licence: $license (see \`LICENSE\`), © Deque Systems, Inc.
Used by the browser tests only (\`tests/browser/axe.py\`); the service never serves it.
Do not edit these files: change the version in \`ui/package.json\`, run \`npm install --prefix ui\`,
then this script.
NOTE
echo "vendored axe-core $version into $dest"
