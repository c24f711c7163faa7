#!/usr/bin/env python3
"""Upstream's approach to the weekly log analysis, for bench/logs.sh.

    python3 bench/upstream_analyzer.py LOGS_DIR [--since ISO] [--until ISO]

What FossaWork's tools/operations/log-analyzer.py (--errors --last-week
--report) does, written again so it can be measured next to fossamaint on
the same files:

  * every *.jsonl file under LOGS_DIR is read whole into memory
    (readlines), one file after the other;
  * each line goes through json.loads; a line that does not parse is
    skipped without a trace -- which silently drops every line in the
    python-logging pipe shape the backend's own file handler writes, and
    the traceback lines after them;
  * entries carry the upstream keys (timestamp, level, logger, message);
    other producers' keys (time, severity, msg) are not looked at;
  * the window is applied to the entry's own timestamp (naive ISO 8601);
  * each message is matched against one regular expression per category
    (upstream's keywords, case-insensitive);
  * ERROR and CRITICAL messages are counted raw in a Counter ("most common
    errors"), so variable parts (ids, durations) keep them apart.

One deliberate departure: files are opened with errors="replace". Upstream
opens them with the default strict UTF-8 decoding and stops with
UnicodeDecodeError at the first invalid byte; replacing lets the run finish
so there is a count to compare.

Prints a JSON summary on stdout (errors_total is the number to compare
with fossamaint's).
"""

import argparse
import json
import os
import re
import sys
from collections import Counter, defaultdict
from datetime import datetime

CATEGORIES = {
    "security": r"injection|xss|attack|forbidden|csrf|suspicious|blocked ip|rate limit|too many requests",
    "authentication": r"auth|login|credential|password|token|unauthorized|session expired|permission denied",
    "database": r"database|sqlite|sql|query|locked|integrity|constraint|transaction|deadlock|connection pool",
    "performance": r"slow|timeout|timed out|latency|memory|cpu|exceeded|took",
    "automation": r"automation|playwright|browser|scrap|form field|dispenser|workfossa|selector|page\.goto",
}
CATEGORY_RES = {name: re.compile(rx, re.IGNORECASE) for name, rx in CATEGORIES.items()}


def log_files(root):
    out = []
    for dirpath, _, names in os.walk(root):
        out.extend(os.path.join(dirpath, n) for n in names if n.endswith(".jsonl"))
    return sorted(out)


def parse_time(value):
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def analyze(root, since, until):
    stats = Counter()
    levels, loggers, hours = Counter(), Counter(), Counter()
    categories = defaultdict(Counter)
    error_messages = Counter()
    for path in log_files(root):
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
        stats["files"] += 1
        for line in lines:
            stats["lines"] += 1
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                stats["skipped"] += 1
                continue
            if not isinstance(entry, dict):
                stats["skipped"] += 1
                continue
            ts = parse_time(entry.get("timestamp"))
            if ts is None or (since and ts < since) or (until and ts >= until):
                continue
            stats["entries"] += 1
            level = entry.get("level", "UNKNOWN")
            message = entry.get("message", "")
            levels[level] += 1
            loggers[entry.get("logger", "unknown")] += 1
            hours[ts.hour] += 1
            for name, rx in CATEGORY_RES.items():
                if rx.search(message):
                    categories[name][level] += 1
            if level in ("ERROR", "CRITICAL"):
                error_messages[message] += 1
        del lines
    errors_total = sum(error_messages.values())
    return {
        "files": stats["files"],
        "lines": stats["lines"],
        "skipped_lines": stats["skipped"],
        "entries_in_window": stats["entries"],
        "errors_total": errors_total,
        "by_level": dict(levels),
        "by_logger": dict(loggers),
        "by_hour": [hours[h] for h in range(24)],
        "categories": {k: dict(v) for k, v in categories.items()},
        "distinct_error_messages": len(error_messages),
        "most_common_errors": error_messages.most_common(10),
        "investigate": errors_total > 100,
    }


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("logs_dir")
    ap.add_argument("--since", type=datetime.fromisoformat, help="naive ISO 8601 window start")
    ap.add_argument("--until", type=datetime.fromisoformat, help="naive ISO 8601 window end (exclusive)")
    args = ap.parse_args(argv)
    if not os.path.isdir(args.logs_dir):
        ap.error(f"{args.logs_dir} is not a directory")
    json.dump(analyze(args.logs_dir, args.since, args.until), sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
