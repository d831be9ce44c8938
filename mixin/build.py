#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Render the ikewatch mixin from mixin/config.yaml.

Every threshold and duration lives in mixin/config.yaml. This script substitutes them into
mixin/templates/*.yaml.tmpl and writes mixin/rules/*.yaml, and renders the Grafana dashboard
mixin/dashboards/ikewatch.json (mixin/dashboard.py). The rendered files are committed so that
users need nothing but the files; CI runs `build.py --check` to prove they are up to date.

The documents that quote a threshold (docs/runbooks/*.md, mixin/README.md, README.md) hold it
between markers, <!-- threshold:KEY -->VALUE<!-- /threshold -->, optionally with a format after
KEY (percent: 0.01 -> 1%; ms: 0.25 -> 250 ms; quantile: 0.95 -> p95). build.py rewrites VALUE
from config.yaml and --check fails while one is stale, so a changed threshold cannot leave a
document behind. A config key quoted with a value in parentheses, `KEY` (VALUE), must be marked.
These documents state the defaults: variants (--out, --set, --for-scale) leave them alone.

    python3 mixin/build.py                      # rewrite the committed files
    python3 mixin/build.py --check              # exit 1 if a committed file is stale
    python3 mixin/build.py --out DIR --for-scale 0.1 --set selector='job="lab"'
                                                # a lab variant with every duration / 10

Python 3 standard library only (Debian has no jsonnet worth depending on, and PyYAML is not
needed: the config is a flat key: value list that this file parses strictly).
"""

import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # keep mixin/ free of __pycache__
import dashboard  # noqa: E402  (mixin/dashboard.py, next to this file)

TEMPLATES = {
    "ikewatch-alerts.yaml": "ikewatch-alerts.yaml.tmpl",
    "ikewatch-recording.yaml": "ikewatch-recording.yaml.tmpl",
}
DASHBOARD = "ikewatch.json"
ROOT = os.path.dirname(HERE)
MARKER_RE = re.compile(r"<!-- threshold:([a-z][a-z0-9_]*)(?: ([a-z]+))? -->(.*?)<!-- /threshold -->",
                       re.S)

DURATION_RE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
PLACEHOLDER_RE = re.compile(r"\$\{([A-Za-z0-9_]*)\}")


class ConfigError(Exception):
    pass


def parse_duration(text):
    """Seconds of a Prometheus duration such as 90s, 5m, 1h30m; None if TEXT is not one.

    >>> parse_duration("1h30m"), parse_duration("90s"), parse_duration("0.5"), parse_duration("")
    (5400, 90, None, None)
    """
    m = DURATION_RE.match(text)
    if not m or not any(m.groups()):
        return None
    d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s


def format_duration(seconds):
    """The shortest single-unit Prometheus duration for SECONDS (whole seconds).

    >>> format_duration(120), format_duration(90), format_duration(86400)
    ('2m', '90s', '1d')
    """
    if seconds <= 0:
        return "0s"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return "%d%s" % (seconds // size, unit)
    return "%ds" % seconds


def unquote(value, where):
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        inner = value[1:-1]
        if value[0] == "'":
            # YAML single quotes: '' is the only escape.
            if re.search(r"(?<!')'(?!')", inner):
                raise ConfigError("%s: stray single quote" % where)
            return inner.replace("''", "'")
        if "\\" in inner or '"' in inner:
            raise ConfigError("%s: use single quotes for values with \\ or \"" % where)
        return inner
    if value[:1] in "'\"":
        raise ConfigError("%s: unterminated quote" % where)
    return value


def parse_config(text, name="config.yaml"):
    r"""The flat key: value subset of YAML used by mixin/config.yaml, as an ordered dict.

    Comments (#) and blank lines are skipped; anything else that is not `key: value` at the
    start of a line, and any duplicate key, is an error: a silently ignored line would be a
    threshold nobody applied.

    >>> parse_config("a: 5m  # why\nb: 'job=\"x\"'  # c\nc: 'it''s'")
    {'a': '5m', 'b': 'job="x"', 'c': "it's"}
    >>> for bad in ("a: 1\n  b: 2", "a: 1\na: 2", "a 1", "a: 'x"):
    ...     try:
    ...         parse_config(bad)
    ...     except ConfigError as e:
    ...         print(e)
    config.yaml:2: nested values are not supported
    config.yaml:2: duplicate key a
    config.yaml:1: expected 'key: value'
    config.yaml:1: unterminated quote
    """
    cfg = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        where = "%s:%d" % (name, lineno)
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0].isspace():
            raise ConfigError("%s: nested values are not supported" % where)
        key, sep, value = line.partition(":")
        if not sep or not KEY_RE.match(key):
            raise ConfigError("%s: expected 'key: value'" % where)
        value = value.strip()
        if value[:1] not in "'\"":
            value = value.split(" #", 1)[0].strip()
        elif " #" in value:
            # A comment after a quoted value: cut after the closing quote.
            q = value[0]
            end = value.find(q, 1)
            while q == "'" and end != -1 and value[end + 1:end + 2] == "'":
                end = value.find(q, end + 2)
            if end != -1:
                rest = value[end + 1:].strip()
                if rest and not rest.startswith("#"):
                    raise ConfigError("%s: text after quoted value" % where)
                value = value[:end + 1]
        if key in cfg:
            raise ConfigError("%s: duplicate key %s" % (where, key))
        cfg[key] = unquote(value, where)
    return cfg


def apply_overrides(cfg, sets):
    for item in sets:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError("--set %s: expected KEY=VALUE" % item)
        if key not in cfg:
            raise ConfigError("--set %s: unknown key (see mixin/config.yaml)" % key)
        cfg[key] = value


def scale_durations(cfg, factor, min_window):
    """Multiply every duration by FACTOR for short lab runs. Rate windows keep at least
    MIN_WINDOW seconds so that they still hold several scrapes."""
    if factor <= 0:
        raise ConfigError("--for-scale must be positive")
    for key, value in cfg.items():
        secs = parse_duration(value)
        if secs is None:
            continue
        new = max(1, int(round(secs * factor)))
        if key.endswith("_window") or key.endswith("_interval") or key.endswith("_margin"):
            new = max(new, min_window)
        cfg[key] = format_duration(new)


def derive(cfg):
    """The values templates see: config keys, KEY_seconds for durations, computed limits."""
    if not cfg.get("selector", "").strip():
        raise ConfigError("selector must not be empty (PromQL rejects '{,kind=...}')")
    if re.search(r"[{}]", cfg["selector"]):
        raise ConfigError("selector holds matchers only, without braces")
    out = dict(cfg)
    for key, value in cfg.items():
        secs = parse_duration(value)
        if secs is not None:
            out[key + "_seconds"] = str(secs)
    for key in ("probe_loss_ratio", "probe_latency_quantile", "probe_latency_seconds",
                "cert_expiry_warning_days", "cert_expiry_critical_days", "frequent_rekeys_max",
                "frequent_rekeys_factor", "esp_lost_min_packets", "esp_loss_ratio",
                "ike_unanswered_retransmits"):
        try:
            float(cfg[key])
        except (KeyError, ValueError):
            raise ConfigError("%s must be a number" % key)
    if not 0 < float(cfg["probe_latency_quantile"]) < 1:
        raise ConfigError("probe_latency_quantile must lie between 0 and 1")
    for key in ("cert_expiry_warning_days", "cert_expiry_critical_days"):
        out[key + "_seconds"] = str(int(float(cfg[key]) * 86400))
    if float(cfg["cert_expiry_critical_days"]) >= float(cfg["cert_expiry_warning_days"]):
        raise ConfigError("cert_expiry_critical_days must be below cert_expiry_warning_days")
    out["frequent_rekeys_threshold"] = "%g" % (float(cfg["frequent_rekeys_max"]) + 0.5)
    if float(cfg["frequent_rekeys_factor"]) <= 1:
        raise ConfigError("frequent_rekeys_factor must be above 1 (1: the configured rate)")
    if not 0 < float(cfg["esp_loss_ratio"]) < 1:
        raise ConfigError("esp_loss_ratio must lie between 0 and 1")
    out["runbook_url_base"] = cfg["runbook_url_base"].rstrip("/")
    return out


def render(template, values, name):
    used = set()

    def sub(m):
        key = m.group(1)
        if key not in values:
            raise ConfigError("%s: unknown placeholder ${%s}" % (name, key))
        used.add(key)
        return values[key]

    return PLACEHOLDER_RE.sub(sub, template), used


def build(cfg_text, sets=(), for_scale=None, min_window=20):
    """Return {file name: content} for every generated file."""
    cfg = parse_config(cfg_text)
    apply_overrides(cfg, sets)
    if for_scale is not None:
        scale_durations(cfg, for_scale, min_window)
    values = derive(cfg)
    note = ""
    if sets or for_scale is not None:
        note = "# Variant: %s\n" % " ".join(
            (["--for-scale %g" % for_scale] if for_scale is not None else [])
            + ["--set %s" % s for s in sets])
    files, used = {}, set()
    for out, tmpl in TEMPLATES.items():
        with open(os.path.join(HERE, "templates", tmpl)) as f:
            text, u = render(f.read(), values, tmpl)
        used |= u
        header = ("# Generated by mixin/build.py from mixin/templates/%s and mixin/config.yaml.\n"
                  "# Do not edit: change those and run `python3 mixin/build.py`.\n%s"
                  % (tmpl, note))
        # Keep the SPDX line first, then say where the file comes from.
        first, _, rest = text.partition("\n")
        files[out] = first + "\n" + header + rest
    board, u = dashboard.build(values)
    used |= u
    files[DASHBOARD] = json.dumps(board, indent=2, sort_keys=False) + "\n"
    unused = set(cfg) - used - {k for k in cfg if k + "_seconds" in used}
    if unused:
        raise ConfigError("config keys used by no template: %s" % ", ".join(sorted(unused)))
    return files


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
        raise ConfigError("%s: threshold marker for unknown key %s" % (where, key))
    value = values[key]
    try:
        if fmt == "percent":
            return "%g%%" % (float(value) * 100)
        if fmt == "ms":
            return "%g ms" % (float(value) * 1000)
        if fmt == "quantile":
            return "p%g" % (float(value) * 100)
    except ValueError:
        raise ConfigError("%s: %s=%s is not a number (format %s)" % (where, key, value, fmt))
    if fmt:
        raise ConfigError("%s: unknown threshold format %s" % (where, fmt))
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
    build.ConfigError: x: `probe_loss_for` (...) quotes a threshold without a <!-- threshold:probe_loss_for --> marker
    """
    def sub(m):
        key, fmt = m.group(1), m.group(2)
        return "<!-- threshold:%s%s -->%s<!-- /threshold -->" % (
            key, " " + fmt if fmt else "", doc_value(values, key, fmt, where))

    out = MARKER_RE.sub(sub, text)
    for key in keys:
        if re.search(r"`%s`\s+\((?!<!-- threshold:%s[ -])" % (key, key), out):
            raise ConfigError("%s: `%s` (...) quotes a threshold without a <!-- threshold:%s --> "
                              "marker" % (where, key, key))
    return out


def build_docs(cfg_text):
    """Return {path: content} for every document that quotes a threshold (the defaults)."""
    cfg = parse_config(cfg_text)
    values = derive(cfg)
    docs = {}
    for path in doc_files():
        with open(path) as f:
            docs[path] = render_doc(f.read(), values, cfg, os.path.relpath(path, ROOT))
    return docs


def destination(name, out_dir):
    if out_dir:
        return os.path.join(out_dir, name)
    sub = "dashboards" if name.endswith(".json") else "rules"
    return os.path.join(HERE, sub, name)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", default=os.path.join(HERE, "config.yaml"))
    ap.add_argument("--out", help="write all files into this directory instead of mixin/")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override one config key (repeatable)")
    ap.add_argument("--for-scale", type=float, metavar="FACTOR",
                    help="multiply every duration by FACTOR (e.g. 0.1 for the lab)")
    ap.add_argument("--min-window", default="20s",
                    help="with --for-scale: lower bound of windows and intervals (default 20s)")
    ap.add_argument("--check", action="store_true",
                    help="compare with the committed files instead of writing")
    args = ap.parse_args(argv)
    min_window = parse_duration(args.min_window)
    if min_window is None:
        ap.error("--min-window: not a duration")
    try:
        with open(args.config) as f:
            text = f.read()
        files = {destination(n, args.out): c
                 for n, c in build(text, args.set, args.for_scale, min_window).items()}
        if not args.out and not args.set and args.for_scale is None:
            files.update(build_docs(text))
    except (ConfigError, OSError) as e:
        print("build.py: %s" % e, file=sys.stderr)
        return 2
    stale = []
    for path, content in files.items():
        if args.check:
            try:
                with open(path) as f:
                    if f.read() == content:
                        continue
            except OSError:
                pass
            stale.append(os.path.relpath(path))
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(content)
    if stale:
        print("build.py: stale, run `python3 mixin/build.py`: %s" % " ".join(stale),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
