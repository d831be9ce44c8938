#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Render the ikewatch mixin (mixin.libsonnet) with jsonnet (Debian: jsonnet) into the files
# that are committed, so that users need nothing but the files: mixin/rules/ikewatch-alerts.yaml,
# mixin/rules/ikewatch-recording.yaml and mixin/dashboards/*.json (one gateway, the fleet), and
# rewrite the thresholds the documents quote (mixin/thresholds.py). CI runs `build.sh --check`.
#
#   mixin/build.sh                    # rewrite the committed files and documents
#   mixin/build.sh --check            # exit 1 if one of them is stale
#   mixin/build.sh --out DIR [--set KEY=VALUE]... [--for-scale F] [--min-window 20s]
#                                     # a variant, all files in DIR (documents untouched);
#                                     # --for-scale 0.1 divides every duration by 10 (windows,
#                                     # intervals and margins stay at least --min-window)
# Exit status: 0 done (or up to date), 1 stale (--check), 2 usage or rendering error.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
check=0 out= sets= scale= min_window=20s note=
nl='
'
usage() {
	sed -n '/^#   mixin/,/^# Exit/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--check) check=1 ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift ;;
	--set) [ $# -ge 2 ] || usage; sets=$sets$2$nl; note="$note --set $2"; shift ;;
	--for-scale) [ $# -ge 2 ] || usage; scale=$2; note="--for-scale $2$note"; shift ;;
	--min-window) [ $# -ge 2 ] || usage; min_window=$2; shift ;;
	-h | --help) usage ;;
	*) echo "build.sh: unknown argument $1" >&2; usage ;;
	esac
	shift
done
case $scale in
'' | *[!0-9.]* | .* | *.*.*) [ -z "$scale" ] || { echo "build.sh: --for-scale: not a number: $scale" >&2; exit 2; } ;;
esac
if [ -n "$sets$scale" ] && [ -z "$out" ]; then
	echo "build.sh: a variant (--set, --for-scale) needs --out DIR" >&2
	exit 2
fi
command -v jsonnet >/dev/null 2>&1 || { echo "build.sh: jsonnet not found (Debian: apt-get install jsonnet)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mixin-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/files"
if ! jsonnet -J "$here" -S -m "$tmp/files" --ext-str sets="$sets" --ext-str scale="$scale" \
	--ext-str min_window="$min_window" --ext-str note="${note# }" "$here/render.jsonnet" >"$tmp/list" 2>"$tmp/err"; then
	echo "build.sh: jsonnet: $(head -n 3 "$tmp/err")" >&2
	exit 2
fi

stale=
for f in "$tmp"/files/*; do
	name=$(basename "$f")
	if [ -n "$out" ]; then
		dest=$out/$name
	else
		case $name in
		*.json) dest=$here/dashboards/$name ;;
		*) dest=$here/rules/$name ;;
		esac
	fi
	if [ $check = 1 ]; then
		cmp -s "$f" "$dest" || stale="$stale ${dest#"$here"/}"
	else
		mkdir -p "$(dirname "$dest")"
		cp "$f" "$dest"
	fi
done

# The documents quote the defaults: only the default rendering touches them.
if [ -z "$out" ]; then
	jsonnet -J "$here" -e "local m = import 'mixin.libsonnet';
		{ values: (import 'lib/config.libsonnet').values(m._config), keys: std.objectFields(m._config) }" \
		>"$tmp/values.json"
	rc=0
	if [ $check = 1 ]; then
		python3 -B "$here/thresholds.py" --check "$tmp/values.json" || rc=$?
	else
		python3 -B "$here/thresholds.py" "$tmp/values.json" || rc=$?
	fi
	[ $rc -le 1 ] || exit 2
	[ $rc = 0 ] || stale="$stale (documents)"
fi
if [ -n "$stale" ]; then
	echo "build.sh: stale, run mixin/build.sh:$stale" >&2
	exit 1
fi
exit 0
