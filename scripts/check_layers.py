#!/usr/bin/python3
"""Fails on a dependency between modules that docs/ARCHITECTURE.md does not allow.

Usage: scripts/check_layers.py [--root DIR]     (DIR defaults to this checkout)

Why a script as well as the build: the build (cmake/ZxLibrary.cmake) gives each target only the
public headers of the modules it links, so it catches an include of a module the target does
not link; this catches, in a second and without building, an include that the links would
allow but src/LAYERS does not, plus the rules below that linking cannot express. For every
src/**/*.{h,cc} it checks:

  * each `#include "module/..."` goes to the file's own module or to one that src/LAYERS lists
    for it;
  * headers under `<module>/testing/` are included only by tests (`*_test.cc`) and other
    testing headers, never by production code;
  * another module's private headers (`*_internal.h`, `internal/`, and those a
    `private: module header...` line of src/LAYERS names) are not included, a listed private
    header exists, and no public header of its module includes it (its users could not
    compile the public one: the build exports only public headers, cmake/ZxLibrary.cmake);
  * another module's `internal` namespace (`text::internal`, `base::metrics_internal`) is not
    named, unless src/LAYERS lists that exact use (and then it must still exist);
  * a module with a `core` line (http) keeps its core narrow: its production files other than
    the `route-sets` it names include only the core's modules and no route set, so that the
    server core knows no domain module it serves;
  * every directory under src/ is a module listed in src/LAYERS.

Comments and string literals are ignored, so prose and log messages never count as uses.
Prints one line per problem, `src/a/x.cc:12: a -> b (a may include: ...)`, and exits 1.
Python 3 standard library only.
"""

import argparse
import fnmatch
import os
import re
import sys

INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*[<"]([^">\n]+)[">]', re.M)


def parse_layers(path, cores=None):
    """Returns ({module: set(allowed)}, {(file, namespace): line},
    {"module/header": line} of listed private headers, [errors]).

    `cores`, when given, receives {module: (set(allowed for its core), [route-set globs])}
    from the "core MODULE: modules..." and "route-sets MODULE: globs..." lines.
    """
    allowed, internal_uses, private, errors = {}, {}, {}, []
    cores = {} if cores is None else cores
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            key, sep, rest = line.partition(":")
            key, words = key.strip(), rest.split()
            if not sep or not key:
                errors.append(f"{path}:{n}: expected 'module: modules...' or "
                              f"'internal-use: file namespace'")
            elif key == "private":
                if len(words) < 2:
                    errors.append(f"{path}:{n}: expected 'private: module header...'")
                for header in words[1:]:
                    private[f"{words[0]}/{header}"] = n
            elif key.split()[0] in ("core", "route-sets") and len(key.split()) == 2:
                kind, module = key.split()
                core = cores.setdefault(module, [set(), []])
                if kind == "core":
                    core[0] = set(words)
                else:
                    core[1].extend(words)
            elif key == "internal-use":
                if len(words) != 2:
                    errors.append(f"{path}:{n}: expected 'internal-use: file namespace'")
                else:
                    internal_uses[(words[0], words[1])] = n
            elif key in allowed:
                errors.append(f"{path}:{n}: module {key} listed twice")
            else:
                allowed[key] = set(words)
    # A typo in an allowed list would silently allow nothing (or the wrong thing).
    for module, deps in allowed.items():
        for d in sorted(deps - allowed.keys()):
            errors.append(f"{path}: {module} may include {d}, which is not a module listed here")
    for module, (deps, _) in cores.items():
        for d in sorted(deps - allowed.get(module, set())):
            errors.append(f"{path}: the core of {module} may include {d}, which {module} may not")
    return allowed, internal_uses, private, errors


def is_route_set(name, globs):
    return any(fnmatch.fnmatchcase(name, g) for g in globs)


def is_private(target, private):
    """Whether "module/.../x.h" is a private header of its module (see src/LAYERS)."""
    parts = target.split("/")
    return ("internal" in parts[1:-1] or parts[-1].endswith("_internal.h")
            or target in private)


def strip_code(text):
    """Returns (text without comments, text without comments and string/char literals).

    Removed characters become spaces and newlines are kept, so offsets and line numbers stay
    those of the file. The first is for #include (whose "path" is a literal), the second for
    names used in code.
    """
    no_comments, no_literals = list(text), list(text)
    i, n = 0, len(text)

    def blank(out, a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            blank(no_comments, i, j)
            blank(no_literals, i, j)
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank(no_comments, i, j)
            blank(no_literals, i, j)
            i = j
        elif c == '"' and i > 0 and text[i - 1] == "R":  # raw string R"delim( ... )delim"
            open_paren = text.find("(", i)
            delim = text[i + 1:open_paren] if open_paren >= 0 else ""
            j = text.find(")" + delim + '"', max(open_paren, i))
            j = n if open_paren < 0 or j < 0 else j + len(delim) + 2
            blank(no_literals, i + 1, j - 1)
            i = j
        elif c in "\"'":
            if c == "'" and is_digit_separator(text, i):
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j, n - 1)
            blank(no_literals, i + 1, j)
            i = j + 1
        else:
            i += 1
    return "".join(no_comments), "".join(no_literals)


def is_digit_separator(text, i):
    """Whether the ' at text[i] is inside a number (1'000'000, 0xFF'FF) rather than a literal
    (L'x', u8'x')."""
    k = i
    while k > 0 and (text[k - 1].isalnum() or text[k - 1] in "_'"):
        k -= 1
    return k < i and text[k].isdigit()


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


def check(root):
    """Returns (list of problems, number of files checked)."""
    src = os.path.join(root, "src")
    layers_path = os.path.join(src, "LAYERS")
    if not os.path.isfile(layers_path):
        return [f"{layers_path}: missing (the list of what each module may include)"], 0
    cores = {}
    allowed, internal_uses, private, problems = parse_layers(layers_path, cores)
    rel_layers = os.path.relpath(layers_path, root)
    for header, n in sorted(private.items(), key=lambda kv: kv[1]):
        if not os.path.isfile(os.path.join(src, header)):
            problems.append(f"{rel_layers}:{n}: private header src/{header} does not exist")

    module_dirs = sorted(d for d in os.listdir(src)
                         if os.path.isdir(os.path.join(src, d)) and not d.startswith("."))
    for d in module_dirs:
        if d not in allowed:
            problems.append(f"src/{d}: module missing from {rel_layers} "
                            f"(add a line '{d}: <modules it may include>')")
    # Module names include planned ones, so an include of src/llm/... is caught before it exists.
    modules = set(module_dirs) | allowed.keys()
    internal_name = re.compile(
        r"\b(" + "|".join(sorted(modules)) + r")::(\w+_)?internal\b") if modules else None

    used_exceptions = set()
    files = 0
    for module in module_dirs:
        if module not in allowed:
            continue  # reported above; judging its files by an empty list would only add noise
        for dirpath, dirnames, filenames in os.walk(os.path.join(src, module)):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith((".h", ".cc")):
                    continue
                files += 1
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                # Tests and their helpers may use testing/ headers; production code may not.
                is_test = name.endswith("_test.cc") or "/testing/" in rel
                with open(path, encoding="utf-8", errors="replace") as f:
                    no_comments, code = strip_code(f.read())
                may = allowed[module]
                # The core of a module with a `core` line: everything but its route sets.
                core = None
                if module in cores and not is_test and not is_route_set(name, cores[module][1]):
                    core = cores[module]
                may_text = " ".join(sorted(may)) or "nothing but itself"

                for m in INCLUDE.finditer(no_comments):
                    target = m.group(1).strip()
                    parts = target.split("/")
                    to = parts[0]
                    if len(parts) < 2 or to not in modules:
                        continue  # a system or third-party header
                    where = f"{rel}:{line_of(no_comments, m.start())}"
                    if to != module and to not in may:
                        problems.append(f"{where}: {module} -> {to} (\"{target}\"; "
                                        f"{module} may include: {may_text})")
                    elif core and to != module and to not in core[0]:
                        problems.append(f"{where}: the core of {module} -> {to} (\"{target}\"; "
                                        f"only the route sets of {module} may; its core may "
                                        f"include: {' '.join(sorted(core[0]))})")
                    elif core and to == module and is_route_set(parts[-1], core[1]):
                        problems.append(f"{where}: the core of {module} includes the route set "
                                        f"\"{target}\" (route sets are added by app)")
                    elif "testing" in parts[1:-1] and not is_test:
                        problems.append(f"{where}: production code includes the test helper "
                                        f"\"{target}\" (only *_test.cc and testing/ may)")
                    elif to != module and is_private(target, private):
                        problems.append(f"{where}: {module} -> {to}'s private header "
                                        f"\"{target}\" (private headers stay in their module)")
                    elif (to == module and name.endswith(".h") and is_private(target, private)
                          and not is_private(os.path.relpath(path, src).replace(os.sep, "/"),
                                             private)):
                        problems.append(f"{where}: public header includes the private header "
                                        f"\"{target}\" (its users could not compile it)")

                for m in internal_name.finditer(code) if internal_name else ():
                    owner = m.group(1)
                    if owner == module:
                        continue
                    ns = m.group(0)
                    if (rel, ns) in internal_uses:
                        used_exceptions.add((rel, ns))
                        continue
                    p = (f"{rel}:{line_of(code, m.start())}: {module} uses {ns} "
                         f"(internal names stay inside {owner})")
                    if p not in problems:  # once per line, however often it is named there
                        problems.append(p)

    # An exception whose use is gone must go too, or it would silently allow the next one.
    for (rel, ns), n in sorted(internal_uses.items(), key=lambda kv: kv[1]):
        if (rel, ns) not in used_exceptions:
            problems.append(f"{rel_layers}:{n}: {rel} no longer uses {ns}; "
                            f"remove this internal-use line")
    return problems, files


def main():
    default_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--root", default=default_root,
                        help="checkout to check (holds src/ and src/LAYERS)")
    args = parser.parse_args()
    problems, files = check(args.root)
    for p in problems:
        print(p)
    if problems:
        print(f"layers: {len(problems)} problem(s); allowed directions are in src/LAYERS "
              f"(docs/ARCHITECTURE.md)", file=sys.stderr)
        return 1
    print(f"layers: {files} files follow src/LAYERS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
