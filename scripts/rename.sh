#!/usr/bin/env bash
# Renames the module: scripts/rename.sh example.com/billing
# The module path appears only in go.mod and in import paths, so this is
# all a clone needs (gonew does the same for a published template).
set -euo pipefail
new=${1:?usage: bash scripts/rename.sh NEW/MODULE/PATH}
cd "$(dirname "$0")/.."
old=$(go list -m)
go mod edit -module "$new"
grep -rl --include='*.go' "\"$old" . | xargs -r sed -i "s#\"$old/#\"$new/#g; s#\"$old\"#\"$new\"#g"
gofmt -l . | xargs -r gofmt -w
go build ./... && echo "module renamed from $old to $new"
