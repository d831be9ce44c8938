#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Compare the metrics ikewatch emits with docs/metrics.md, in both directions.

Why: docs/metrics.md is the contract with whoever writes alerts and dashboards. A metric that is
emitted but not documented, documented but never emitted, or documented with another type or
other labels than it has, misleads them; nothing else compares the two.

Two commands:

  metrics_docs.py shape < SCRAPE
      Reduce one Prometheus text exposition (a /metrics body) to its shape: one line
      "TYPE name type" per # TYPE line and one line "SAMPLE family label,label" per distinct
      (family, label names) pair, sorted. Values and label values are dropped, so the shapes
      of many scrapes of one state are the same few lines. tests/integration/shim/curl writes
      one such file per distinct scrape of `serve` or `heal` into $METRICS_SEEN_DIR.

  metrics_docs.py check DOC SHAPE_OR_SCRAPE...
      Parse DOC's metric tables (a Markdown table whose header has a "type" column and a first
      column "metric" or "name"; metric names, and label names, are the `backticked` words of
      their cells, `direction="a|b"` naming label direction) and the union of the given shape
      files (or raw scrapes, or directories of them), and print one line per metric:
        ok - metrics-docs/NAME
        not ok - metrics-docs/NAME: what differs
      (one "not ok" line per difference). A table preceded by the comment
        <!-- metrics-check: every row also has labels a, b -->
      adds those labels to each of its rows, and
        <!-- metrics-check: may be absent from every scrape: WHY -->
      lets its rows be missing from every scrape (type and labels are still checked when one
      has them; WHY is for the reader). Exit status 1 if any line is "not ok".

A histogram or summary family owns NAME_bucket / NAME_sum / NAME_count; "le" and "quantile" are
not labels of the family. A family counts as emitted only when some scrape had a sample of it
(its labels are unknown otherwise).
"""
import os
import re
import sys

NAME_RE = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)')
SAMPLE_RE = re.compile(r"^(" + NAME_RE + r")(\{.*\})?\s+\S+(\s+\S+)?\s*$")
TYPE_RE = re.compile(r"^#\s*TYPE\s+(" + NAME_RE + r")\s+(\w+)\s*$")
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count")}
IMPLIED = {"histogram": {"le"}, "summary": {"quantile"}}


def label_names(braces):
    r"""Label names of a sample's {...}, or None if it is not well formed.

    >>> label_names('{a="x,y}",b="say \\"hi\\"",c=""}')
    ['a', 'b', 'c']
    >>> label_names('{a="x",}'), label_names('{a=x}'), label_names('{a="x" b="y"}')
    (['a'], None, None)
    """
    body = braces[1:-1].strip()
    names, pos = [], 0
    while pos < len(body):
        m = LABEL_RE.match(body, pos)
        if not m or m.end() == pos:
            return None
        names.append(m.group(1))
        pos = m.end()
    return names


def shape(text):
    r"""(types, samples): {family: type}, {family: set of frozensets of label names}.

    >>> t, s = shape('# TYPE h histogram\nh_bucket{le="1",x="a"} 1\nh_sum{x="a"} 2\n'
    ...              'h_count{x="a"} 1\nu 1\n# TYPE g gauge\ng{y="b"} 3\ng{y="c",z="d"} 3\nj{')
    >>> sorted(t.items()), sorted((k, sorted(sorted(x) for x in v)) for k, v in s.items())
    ([('g', 'gauge'), ('h', 'histogram')], [('g', [['y'], ['y', 'z']]), ('h', [['x']]), ('u', [[]])])
    """
    types, raw = {}, []
    # a body cut short (the reader of curl's output stopped early) ends in a partial line
    text = text[: text.rfind("\n") + 1]
    for line in text.splitlines():
        line = line.strip()
        m = TYPE_RE.match(line)
        if m:
            types[m.group(1)] = m.group(2)
            continue
        if not line or line.startswith("#"):
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            continue
        labels = label_names(m.group(2)) if m.group(2) else []
        if labels is not None:
            raw.append((m.group(1), labels))
    samples = {}
    for name, labels in raw:
        family, implied = name, set()
        for fam, typ in types.items():
            if name != fam and name in (fam + s for s in SUFFIXES.get(typ, ())):
                family, implied = fam, IMPLIED.get(typ, set())
                break
        samples.setdefault(family, set()).add(frozenset(set(labels) - implied))
    return types, samples


def shape_lines(text):
    types, samples = shape(text)
    out = {"TYPE %s %s" % (n, t) for n, t in types.items()}
    for fam, sets in samples.items():
        out.update(("SAMPLE %s %s" % (fam, ",".join(sorted(s)))).rstrip() for s in sets)
    return sorted(out)


def read_seen(paths):
    """Union of shape files, raw scrapes, or directories of either."""
    types, samples, files = {}, {}, []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, f) for f in os.listdir(p))
        else:
            files.append(p)
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        if text.startswith(("TYPE ", "SAMPLE ")):
            for line in text.splitlines():
                kind, _, rest = line.partition(" ")
                name, _, value = rest.partition(" ")
                if kind == "TYPE":
                    types.setdefault(name, set()).add(value)
                elif kind == "SAMPLE":
                    samples.setdefault(name, set()).update(filter(None, value.split(",")))
            continue
        t, s = shape(text)
        for n, typ in t.items():
            types.setdefault(n, set()).add(typ)
        for n, sets in s.items():
            for ls in sets:
                samples.setdefault(n, set()).update(ls)
    return types, samples, len(files)


def cells(line):
    line = line.strip()
    if not line.startswith("|"):
        return None
    # split on | not escaped as \|
    parts = re.split(r"(?<!\\)\|", line.strip("|"))
    return [c.strip() for c in parts]


def read_doc(path):
    r"""{metric: (type, set of labels, line number, may be absent)} from the metric tables of a
    Markdown file.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
    ...     _ = f.write("| label | what |\n|---|---|\n| `conn` | x |\n\n"
    ...                 "<!-- metrics-check: every row also has labels t -->\n"
    ...                 "| metric | type | extra labels | meaning |\n|---|---|---|---|\n"
    ...                 "| `a_total`, `b_total` | counter | `d=\"x\\|y\"` | z |\n"
    ...                 "| `c` | gauge | | z |\n\n| name | type | labels |\n|---|---|---|\n"
    ...                 "| `e` | gauge | `f`, `g` |\n| `c` | gauge | |\n\n"
    ...                 "<!-- metrics-check: may be absent from every scrape: no ESP here -->\n"
    ...                 "| metric | type | labels |\n|---|---|---|\n| `k` | gauge | |\n")
    >>> doc, errors = read_doc(f.name)
    >>> sorted((k, t, sorted(l), a) for k, (t, l, _, a) in doc.items())
    [('a_total', 'counter', ['d', 't'], False), ('b_total', 'counter', ['d', 't'], False), ('c', 'gauge', [], False), ('e', 'gauge', ['f', 'g'], False), ('k', 'gauge', [], True)]
    >>> [e.split(": ", 1)[1] for e in errors]
    ['c documented twice (also line 9)']
    >>> os.unlink(f.name)
    """
    doc, errors = {}, []
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    extra, header, pending = None, None, None
    absent, pending_absent = False, False
    for no, line in enumerate(lines, 1):
        m = re.match(r"\s*<!--\s*metrics-check:\s*every row also has labels\s+(.*?)\s*-->", line)
        if m:
            pending = {x.strip(" `") for x in m.group(1).split(",") if x.strip(" `")}
            continue
        if re.match(r"\s*<!--\s*metrics-check:\s*may be absent from every scrape:.*-->", line):
            pending_absent = True
            continue
        row = cells(line)
        if row is None:
            header = None
            if line.strip():
                pending, pending_absent = None, False
            continue
        if header is None:
            header = [c.lower() for c in row]
            extra, pending = pending or set(), None
            absent, pending_absent = pending_absent, False
            continue
        if set("".join(row)) <= set("-: "):
            continue  # the |---|---| line
        if "type" not in header or header[0] not in ("metric", "name"):
            continue
        lab = next((i for i, h in enumerate(header) if h in ("labels", "extra labels")), None)
        typ = row[header.index("type")].strip("` ").lower()
        labels = set(extra)
        if lab is not None and lab < len(row):
            labels |= set(re.findall(r"`([a-zA-Z_][a-zA-Z0-9_]*)(?:=[^`]*)?`", row[lab]))
        names = re.findall(r"`(" + NAME_RE + r")`", row[0])
        if not names:
            errors.append("%s:%d: no `metric` in the first cell" % (path, no))
        for n in names:
            if n in doc:
                errors.append("%s:%d: %s documented twice (also line %d)" % (path, no, n, doc[n][2]))
            doc[n] = (typ, labels, no, absent)
    return doc, errors


def fmt(labels):
    return "{" + ", ".join(sorted(labels)) + "}"


def check(doc_path, seen_paths):
    doc, errors = read_doc(doc_path)
    types, samples, nfiles = read_seen(seen_paths)
    bad = 0
    for e in errors:
        print("not ok - metrics-docs/%s: %s" % (os.path.basename(doc_path), e))
        bad += 1
    if nfiles == 0:
        print("not ok - metrics-docs/scrapes: no scrape saved (is METRICS_SEEN_DIR set?)")
        return 1
    for name in sorted(set(doc) | set(samples) | set(types)):
        why = []
        if name not in doc:
            why.append("emitted (type %s, labels %s) but not in %s"
                       % ("/".join(sorted(types.get(name, {"untyped"}))),
                          fmt(samples.get(name, ())), doc_path))
        else:
            dtype, dlabels, no, may_be_absent = doc[name]
            if name not in samples and may_be_absent:
                pass
            elif name not in samples:
                why.append("documented (%s:%d) but no scrape in any test had a sample of it%s"
                           % (doc_path, no, " (only its # TYPE line)" if name in types else ""))
            else:
                etypes = types.get(name, {"untyped"})
                if etypes != {dtype}:
                    why.append("type: emitted %s, documented %s" % ("/".join(sorted(etypes)), dtype))
                if samples[name] != dlabels:
                    why.append("labels: emitted %s, documented %s" % (fmt(samples[name]), fmt(dlabels)))
        if why:
            for w in why:
                print("not ok - metrics-docs/%s: %s" % (name, w))
            bad += len(why)
        else:
            print("ok - metrics-docs/%s" % name)
    return 1 if bad else 0


def main(argv):
    if len(argv) == 2 and argv[1] == "shape":
        sys.stdout.write("".join(l + "\n" for l in shape_lines(sys.stdin.read())))
        return 0
    if len(argv) >= 4 and argv[1] == "check":
        return check(argv[2], argv[3:])
    sys.stderr.write("usage: metrics_docs.py shape < SCRAPE | check DOC SHAPE_OR_SCRAPE...\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
