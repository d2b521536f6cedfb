#!/bin/sh
# Rebuild civicapps/web/static/govuk/ from GOV.UK Frontend's npm release (versions pinned in
# package.json and package-lock.json). Needs node and npm; runs in a temporary folder so no
# node_modules is left in the tree. Run it after changing a version or civicapps.scss, then commit
# the result: the Python package ships the built files and never needs node.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../civicapps/web/static/govuk"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp "$here/package.json" "$here/package-lock.json" "$here/civicapps.scss" "$work/"
(cd "$work" && npm ci --no-audit --no-fund --ignore-scripts >/dev/null)
version=$(node -p "require('$work/node_modules/govuk-frontend/package.json').version")

mkdir -p "$out"
# Styles: GOV.UK Frontend's Sass with a system font stack and no font files (see civicapps.scss).
(cd "$work" && npx sass --load-path=node_modules --style=compressed --no-source-map civicapps.scss "$out/govuk-frontend.min.css")
# Scripts: the ES module as released, less the source map comment (the map is not shipped).
sed 's|//# sourceMappingURL=.*$||' "$work/node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js" > "$out/govuk-frontend.min.js"
# No fonts and no images: GOV.UK's are the crown and the GDS Transport font, for GOV.UK only.
printf '%s\n' "$version" > "$out/VERSION"
echo "Built GOV.UK Frontend $version into $out"
