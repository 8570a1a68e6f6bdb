#!/usr/bin/env python3
"""Which production sources clang-tidy must look at, and the record of those it found clean.

A source needs tidy unless the record (.ci/tidy-clean, committed) holds the key of its current
input: SHA-256 over clang-tidy's version, .clang-tidy, the source's compile command (with the
checkout's and the build tree's paths taken out, so that a clone elsewhere has the same keys),
and the path and text of every file of the checkout or the build tree that the source includes,
as clang lists them (-MM). Changing any of these (the file, a header of ours it includes, a flag,
a check, the tool) changes the key, and the source is looked at again. Headers from outside the
checkout (the system's, the libraries') are left out on purpose: machine images differ in their
point releases, and keys that depended on them sent CI through the whole tree (twenty minutes)
whenever its image was not the one the record was made on. scripts/tidy.sh records what passed;
commit the file with the code.

  tidy_cache.py need BUILD REGEX     the sources matching REGEX (absolute) that need tidy, as
                                     one regex for run-clang-tidy (nothing when none does)
  tidy_cache.py record BUILD REGEX   records the sources matching REGEX as clean
"""
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECORD = os.path.join(ROOT, ".ci", "tidy-clean")
PENDING = "tidy-pending.json"  # in the build tree: the keys `need` saw, for `record`


def entries(build, regex):
    with open(os.path.join(build, "compile_commands.json")) as f:
        commands = json.load(f)
    pattern = re.compile(regex)
    return [e for e in commands if pattern.search(os.path.abspath(e["file"]))]


def compile_args(entry):
    args = entry.get("arguments") or shlex.split(entry["command"])
    while args and ("ccache" in os.path.basename(args[0])):
        args = args[1:]
    out, skip = [], False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a in ("-o", "-c"):
            skip = a == "-o"
            continue
        out.append(a)
    return out


def local_name(path, build):
    """path relative to the checkout or the build tree, marked; None for a file outside both."""
    path = os.path.abspath(path)
    for root, mark in ((os.path.abspath(build), "<build>"), (ROOT, "<root>")):
        if path == root or path.startswith(root + os.sep):
            return mark + "/" + os.path.relpath(path, root)
    return None


def tool_salt():
    version = subprocess.run(["clang-tidy-14", "--version"], capture_output=True,
                             text=True).stdout
    with open(os.path.join(ROOT, ".clang-tidy"), "rb") as f:
        return version.encode() + b"\0" + f.read() + b"\0"


def key(entry, salt, build):
    args = compile_args(entry)
    p = subprocess.run(["clang++-14"] + args + ["-MM", "-MF", "-"], cwd=entry["directory"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return None  # cannot tell: tidy will say what is wrong
    files = p.stdout.replace("\\\n", " ").split(":", 1)[1].split()
    h = hashlib.sha256(salt)
    for a in args:
        h.update(a.replace(os.path.abspath(build), "<build>").replace(ROOT, "<root>").encode()
                 + b"\0")
    for name, path in sorted((local_name(os.path.join(entry["directory"], f), build), f)
                             for f in files):
        if name is None:
            continue
        with open(os.path.join(entry["directory"], path), "rb") as f:
            h.update(name.encode() + b"\0" + f.read() + b"\0")
    return h.hexdigest()


def keys(build, regex):
    chosen = entries(build, regex)
    salt = tool_salt()
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        found = list(pool.map(lambda e: key(e, salt, build), chosen))
    return [(os.path.relpath(os.path.abspath(e["file"]), ROOT), k) for e, k in zip(chosen, found)]


def read_record():
    """path -> its recorded keys."""
    record = {}
    if os.path.exists(RECORD):
        for line in open(RECORD, encoding="utf-8"):
            parts = line.split()
            if len(parts) == 2 and not line.startswith("#"):
                record.setdefault(parts[1], []).append(parts[0])
    return record


def main():
    command, build, regex = sys.argv[1:4]
    record = read_record()
    if command == "need":
        found = keys(build, regex)
        # The keys of what tidy is about to read: `record` writes these, not the keys of the
        # files as they are when it ends (a file edited meanwhile was not looked at as it is).
        with open(os.path.join(build, PENDING), "w", encoding="utf-8") as f:
            json.dump(dict(found), f)
        need = [os.path.join(ROOT, path) for path, k in found
                if k is None or k not in record.get(path, [])]
        if need:
            print("^(%s)$" % "|".join(re.escape(p) for p in need))
        return 0
    if command == "record":
        pending_path = os.path.join(build, PENDING)
        pending = {}
        if os.path.exists(pending_path):
            with open(pending_path, encoding="utf-8") as f:
                pending = json.load(f)
            os.remove(pending_path)
        pattern = re.compile(regex)
        found = [(path, k) for path, k in pending.items()
                 if pattern.search(os.path.join(ROOT, path))] if pending else keys(build, regex)
        for path, k in found:
            if k is not None:
                record[path] = [k]
        os.makedirs(os.path.dirname(RECORD), exist_ok=True)
        with open(RECORD, "w", encoding="utf-8") as f:
            f.write("# Sources clang-tidy found clean, by the key of their input "
                    "(scripts/tidy_cache.py).\n")
            for path in sorted(record):
                if os.path.exists(os.path.join(ROOT, path)):
                    for k in record[path]:
                        f.write("%s %s\n" % (k, path))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
