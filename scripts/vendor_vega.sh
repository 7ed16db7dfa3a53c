#!/usr/bin/env bash
# Writes .dvc/plots.html, the HTML template of `dvc plots show` / `dvc plots diff` (set in
# .dvc/config: plots.html_template): DVC's own page with Vega, Vega-Lite and vega-embed inline,
# at the versions dvc-render loads from a CDN, so the plots page renders offline. Needs npm.
# Licences: BSD-3-Clause (all three; copied into .dvc/plots-licenses/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent vega@5.20.2 vega-lite@5.2.0 vega-embed@6.18.2 >/dev/null)
for name in vega-5.20.2 vega-lite-5.2.0 vega-embed-6.18.2; do
  mkdir -p "$tmp/$name" && tar xzf "$tmp/$name.tgz" -C "$tmp/$name"
done
mkdir -p .dvc/plots-licenses
for name in vega-5.20.2 vega-lite-5.2.0 vega-embed-6.18.2; do
  cp "$tmp/$name/package/LICENSE" ".dvc/plots-licenses/${name%-*}.LICENSE"
done
{
  echo '<!DOCTYPE html>'
  echo '<!-- dvc plots template with Vega 5.20.2, Vega-Lite 5.2.0 and vega-embed 6.18.2 inline'
  echo "     (npm pack; sha1 of the packages: $(cd "$tmp" && sha1sum ./*.tgz | awk '{print $1}' | tr '\n' ' '))."
  echo '     Written by scripts/vendor_vega.sh. No scripts placeholder, so nothing loads from a CDN. -->'
  echo '<html><head>{refresh_tag}<meta charset="utf-8"><title>DVC Plot</title>'
  for js in vega-5.20.2/package/build/vega.min.js vega-lite-5.2.0/package/build/vega-lite.min.js \
            vega-embed-6.18.2/package/build/vega-embed.min.js; do
    printf '<script>'; cat "$tmp/$js"; printf '</script>\n'
  done
  echo '<style>table { border-spacing: 15px; }</style></head>'
  echo '<body>{plot_divs}</body></html>'
} > .dvc/plots.html.tmp
mv .dvc/plots.html.tmp .dvc/plots.html
echo "wrote .dvc/plots.html ($(du -h .dvc/plots.html | cut -f1))"
