#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Rewrite the thresholds that documents quote from the mixin's _config defaults.

The documents that quote a threshold (docs/runbooks/*.md, mixin/README.md, README.md) hold it
between markers, <!-- threshold:KEY -->VALUE<!-- /threshold -->, optionally with a format after
KEY (percent: 0.01 -> 1%; ms: 0.25 -> 250 ms; quantile: 0.95 -> p95). This script rewrites VALUE
from the values mixin/lib/config.libsonnet derives from _config (mixin/config.libsonnet), and
--check fails while one is stale, so a changed threshold cannot leave a document behind. A
config key quoted with a value in parentheses, `KEY` (VALUE), must be marked. The documents
state the defaults; mixin/build.sh runs this only when it renders the defaults.

    mixin/thresholds.py VALUES.json            # rewrite the documents
    mixin/thresholds.py --check VALUES.json    # exit 1 if one is stale

VALUES.json is {"values": {key: text}, "keys": [the _config keys]}, as mixin/build.sh gets it
from jsonnet. Python 3 standard library only.
"""

import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MARKER_RE = re.compile(r"<!-- threshold:([a-z][a-z0-9_]*)(?: ([a-z]+))? -->(.*?)<!-- /threshold -->",
                       re.S)


class ThresholdError(Exception):
    pass


def doc_files():
    """The documents that quote thresholds."""
    runbooks = os.path.join(ROOT, "docs", "runbooks")
    names = sorted(os.path.join(runbooks, f) for f in os.listdir(runbooks) if f.endswith(".md"))
    return names + [os.path.join(HERE, "README.md"), os.path.join(ROOT, "README.md")]


def doc_value(values, key, fmt, where):
    """VALUE of a threshold marker.

    >>> v = {"r": "0.01", "s": "0.25", "q": "0.95", "d": "5m"}
    >>> [doc_value(v, k, f, "x") for k, f in (("r", "percent"), ("s", "ms"), ("q", "quantile"), ("d", None))]
    ['1%', '250 ms', 'p95', '5m']
    """
    if key not in values:
        raise ThresholdError("%s: threshold marker for unknown key %s" % (where, key))
    value = values[key]
    try:
        if fmt == "percent":
            return "%g%%" % (float(value) * 100)
        if fmt == "ms":
            return "%g ms" % (float(value) * 1000)
        if fmt == "quantile":
            return "p%g" % (float(value) * 100)
    except ValueError:
        raise ThresholdError("%s: %s=%s is not a number (format %s)" % (where, key, value, fmt))
    if fmt:
        raise ThresholdError("%s: unknown threshold format %s" % (where, fmt))
    return value


def render_doc(text, values, keys, where):
    """TEXT with every threshold marker's value rewritten; an unmarked `KEY` (VALUE) is an error.

    >>> v = {"probe_loss_ratio": "0.02", "probe_loss_for": "5m"}
    >>> render_doc("over `probe_loss_ratio` (<!-- threshold:probe_loss_ratio percent -->1%"
    ...            "<!-- /threshold -->)", v, v, "x")
    'over `probe_loss_ratio` (<!-- threshold:probe_loss_ratio percent -->2%<!-- /threshold -->)'
    >>> render_doc("for `probe_loss_for` (5m)", v, v, "x")
    Traceback (most recent call last):
    ...
    thresholds.ThresholdError: x: `probe_loss_for` (...) quotes a threshold without a <!-- threshold:probe_loss_for --> marker
    >>> render_doc("<!-- threshold:nope -->1<!-- /threshold -->", v, v, "x")
    Traceback (most recent call last):
    ...
    thresholds.ThresholdError: x: threshold marker for unknown key nope
    """
    def sub(m):
        key, fmt = m.group(1), m.group(2)
        return "<!-- threshold:%s%s -->%s<!-- /threshold -->" % (
            key, " " + fmt if fmt else "", doc_value(values, key, fmt, where))

    out = MARKER_RE.sub(sub, text)
    for key in keys:
        if re.search(r"`%s`\s+\((?!<!-- threshold:%s[ -])" % (key, key), out):
            raise ThresholdError("%s: `%s` (...) quotes a threshold without a <!-- threshold:%s "
                                 "--> marker" % (where, key, key))
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="compare with the documents instead of rewriting them")
    ap.add_argument("values", help="JSON file with the values (see above)")
    args = ap.parse_args(argv)
    try:
        with open(args.values) as f:
            data = json.load(f)
        values, keys = data["values"], data["keys"]
        stale = []
        for path in doc_files():
            with open(path) as f:
                text = f.read()
            new = render_doc(text, values, keys, os.path.relpath(path, ROOT))
            if new == text:
                continue
            if args.check:
                stale.append(os.path.relpath(path, ROOT))
            else:
                with open(path, "w") as f:
                    f.write(new)
    except (ThresholdError, OSError, ValueError, KeyError) as e:
        print("thresholds.py: %s" % e, file=sys.stderr)
        return 2
    if stale:
        print("thresholds.py: stale, run `mixin/build.sh`: %s" % " ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
