#!/usr/bin/python3
"""api/openapi.yaml stays a usable description of the server, without starting one:

  1. it parses as YAML with no key twice in one mapping (PyYAML alone keeps the last of two
     equal keys, so a merge that splices one path's lines into another's goes unnoticed) and
     has the shape of an OpenAPI 3.0 document: each operation with responses, each response
     with a description, operationIds unique, each `{name}` of a path declared as a path
     parameter, and no key left without a value (an unquoted comma inside a flow mapping,
     `{description: a, b}`, makes `b` such a key and cuts the text short);
  2. every `$ref` points into the document at something that exists;
  3. every route the C++ code registers (`router.Add("METHOD", PATTERN, ...)` in
     src/http/*.cc, PATTERN a literal or built with `+` from literals, string variables such as
     `const std::string base = "/api/v1/tickets";` and the names of a
     `for (const char* verb : {"disable", ...})` loop) is documented with its method. An
     undocumented /api/v1/ route fails the test; other undocumented routes and documented
     routes no code registers are listed only. A route whose pattern the test cannot work out
     fails it too, so that a new way of building patterns is taught here, not skipped.

Path parameters are compared by position only (`/a/{id}` and `/a/{n}` are one route), as the
router does. Python 3 standard library and PyYAML (Debian's python3-yaml).

Usage: openapi_test.py REPO_ROOT     (CTest: api_openapi_test)
"""

import glob
import os
import re
import sys

import yaml

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(__file__), "..", ".."))
SPEC = os.path.join(ROOT, "api", "openapi.yaml")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PATH_ITEM_KEYS = set(METHODS) | {"$ref", "summary", "description", "servers", "parameters"}

# AddStaticRoutes (src/http/static_files.cc) builds its patterns from the prefix it is given
# (`base + "/{file}"`); its mounts are read from the calls in src/app/*.cc instead.
STATIC_ROUTES_FILE = "static_files.cc"


# ---- 1. the YAML and the document's shape ----

class UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a key seen before in the same mapping."""


def _construct_mapping(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark,
                f"key {key!r} twice (first on line {seen[key]})", key_node.start_mark)
        seen[key] = key_node.start_mark.line + 1
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                _construct_mapping)


def load_spec(errors):
    with open(SPEC, encoding="utf-8") as f:
        text = f.read()
    try:
        return yaml.load(text, Loader=UniqueKeyLoader)
    except yaml.YAMLError as e:
        errors.append(f"api/openapi.yaml is not valid YAML: {e}")
        return None


def check_shape(doc, errors):
    if not isinstance(doc, dict):
        errors.append("the document is not a mapping")
        return
    if not str(doc.get("openapi", "")).startswith("3.0."):
        errors.append(f"openapi: {doc.get('openapi')!r}, expected 3.0.x")
    info = doc.get("info")
    if not isinstance(info, dict) or "title" not in info or "version" not in info:
        errors.append("info needs a title and a version")
    paths = doc.get("paths")
    if not isinstance(paths, dict) or not paths:
        errors.append("no paths")
        return
    operation_ids = {}
    for path, item in paths.items():
        where = f"paths {path}"
        if not str(path).startswith("/"):
            errors.append(f"{where}: a path starts with '/'")
        if not isinstance(item, dict):
            errors.append(f"{where}: not a mapping")
            continue
        for key in item:
            if key not in PATH_ITEM_KEYS and not str(key).startswith("x-"):
                errors.append(f"{where}: unknown key {key!r} (a line of another path?)")
        declared_for_path = path_params(doc, item.get("parameters"))
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            w = f"{where} {method}"
            if not isinstance(op, dict):
                errors.append(f"{w}: not a mapping")
                continue
            op_id = op.get("operationId")
            if op_id is not None:
                if op_id in operation_ids:
                    errors.append(f"{w}: operationId {op_id} is {operation_ids[op_id]}'s too")
                operation_ids.setdefault(op_id, f"{method} {path}")
            responses = op.get("responses")
            if not isinstance(responses, dict) or not responses:
                errors.append(f"{w}: no responses")
            else:
                for code, response in responses.items():
                    if not re.fullmatch(r"[1-5](\d\d|XX)|default", str(code)):
                        errors.append(f"{w}: response key {code!r} is not a status code")
                    elif not isinstance(response, dict) or (
                            "$ref" not in response and "description" not in response):
                        errors.append(f"{w} {code}: a response needs a description or a $ref")
            declared = declared_for_path | path_params(doc, op.get("parameters"))
            for name in re.findall(r"\{([^}]+)\}", path):
                if name not in declared:
                    errors.append(f"{w}: path parameter {{{name}}} is not declared (in: path)")
    check_no_empty_values(doc, [], errors)


def path_params(doc, parameters):
    """The names of the path parameters among `parameters` (#/components/parameters/X too)."""
    names = set()
    for p in parameters or []:
        if isinstance(p, dict) and isinstance(p.get("$ref"), str):
            prefix = "#/components/parameters/"
            if p["$ref"].startswith(prefix):
                p = (doc.get("components") or {}).get("parameters", {}).get(
                    p["$ref"][len(prefix):])
        if isinstance(p, dict) and p.get("in") == "path":
            names.add(p.get("name"))
    return names


def check_no_empty_values(node, where, errors):
    if isinstance(node, dict):
        in_properties = bool(where) and where[-1] == "properties"
        for key, value in node.items():
            if key in ("example", "examples", "default", "enum") and not in_properties:
                continue  # example and default values may well hold a null
            if value is None:
                errors.append(f"{pointer_text(where + [key])}: a key without a value "
                              "(an unquoted comma in a flow mapping?)")
            check_no_empty_values(value, where + [key], errors)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            check_no_empty_values(value, where + [i], errors)


def pointer_text(where):
    """A JSON pointer (#/paths/~1api~1v1~1ask/post) for the keys in `where`."""
    return "#/" + "/".join(str(k).replace("~", "~0").replace("/", "~1") for k in where)


# ---- 2. $ref ----

def check_refs(doc, errors):
    def pointer(ref):
        node = doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return False
        return True

    count = 0

    def walk(node, where):
        nonlocal count
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    count += 1
                    if not isinstance(value, str) or not value.startswith("#/"):
                        errors.append(f"{pointer_text(where)}: $ref {value!r} is not a "
                                      "reference into this file")
                    elif not pointer(value):
                        errors.append(f"{pointer_text(where)}: $ref {value} points at nothing")
                else:
                    walk(value, where + [key])
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, where + [i])

    walk(doc, [])
    return count


# ---- 3. the routes the code registers ----

def strip_comments(src):
    """The C++ source without // and /* */ comments (string and char literals kept)."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append(src[i:j + 1])
            i = j + 1
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split_top(text, sep):
    """Splits at `sep` outside brackets and string literals."""
    parts, depth, cur, i = [], 0, [], 0
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            cur.append(text[i:j + 1])
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == sep and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur).strip())
    return parts


def call_args(src, start):
    """The text between the parenthesis at `start` and its match."""
    depth, i = 0, start
    while i < len(src):
        c = src[i]
        if c == '"':
            i += 1
            while i < len(src) and src[i] != '"':
                i += 2 if src[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return src[start + 1:i]
        i += 1
    return src[start + 1:]


LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')


def evaluate(expr, variables):
    """The strings a pattern expression can be (several for a loop variable), or None."""
    results = [""]
    for term in split_top(expr, "+"):
        m = re.fullmatch(r"std::string(?:_view)?\s*\((.*)\)", term, re.S)
        if m:
            term = m.group(1).strip()
        if re.fullmatch(r'(\s*"(?:[^"\\]|\\.)*"\s*)+', term):
            values = ["".join(LITERAL.findall(term))]
        elif re.fullmatch(r"\w+", term) and term in variables:
            values = variables[term]
        else:
            return None
        results = [r + v for r in results for v in values]
    return results


VAR_DEF = re.compile(
    r"(?:const\s+)?std::string\s+(\w+)\s*(?:=\s*([^;]+?)|\(([^;]+?)\))\s*;", re.S)
LOOP_DEF = re.compile(r"for\s*\(\s*const\s+char\s*\*\s*(\w+)\s*:\s*\{([^}]*)\}\s*\)")
ADD_CALL = re.compile(r"(?:\.|->)\s*Add\s*(?=\(\s*\"[A-Z]+\"\s*,)")


def registered_routes(errors):
    """[(METHOD, pattern, where)] from src/http/*.cc, and the mounts of AddStaticRoutes."""
    routes = []
    files = sorted(f for f in glob.glob(os.path.join(ROOT, "src", "http", "*.cc"))
                   if not f.endswith("_test.cc"))
    for path in files:
        name = os.path.basename(path)
        with open(path, encoding="utf-8") as f:
            src = strip_comments(f.read())
        # (position, name, values): a definition holds from where it is made on.
        defs = []
        for m in VAR_DEF.finditer(src):
            defs.append((m.start(), m.group(1), m.group(2) if m.group(2) else m.group(3)))
        for m in LOOP_DEF.finditer(src):
            defs.append((m.start(), m.group(1), [v for v in LITERAL.findall(m.group(2))]))
        defs.sort(key=lambda d: d[0])
        for m in ADD_CALL.finditer(src):
            line = src.count("\n", 0, m.start()) + 1
            args = split_top(call_args(src, m.end()), ",")
            method = LITERAL.fullmatch(args[0]).group(1)
            variables = {}
            for pos, var, value in defs:
                if pos >= m.start():
                    break
                if isinstance(value, list):
                    variables[var] = value
                else:
                    variables.pop(var, None)
                    v = evaluate(value.strip(), variables)
                    if v is not None:
                        variables[var] = v
            patterns = evaluate(args[1], variables)
            if patterns is None:
                if name == STATIC_ROUTES_FILE and "base" in args[1]:
                    continue  # read from the AddStaticRoutes calls below
                errors.append(f"src/http/{name}:{line}: cannot work out the pattern "
                              f"{args[1]!r} (teach tests/api/openapi_test.py)")
                continue
            for p in patterns:
                routes.append((method, p, f"src/http/{name}:{line}"))
    # AddStaticRoutes(router, "/chat", ...): GET /chat, /chat/ and /chat/{file}.
    for path in sorted(glob.glob(os.path.join(ROOT, "src", "app", "*.cc"))):
        with open(path, encoding="utf-8") as f:
            src = strip_comments(f.read())
        for m in re.finditer(r"AddStaticRoutes\s*\(\s*\w+\s*,\s*\"(/[^\"]*)\"", src):
            base = m.group(1).rstrip("/")
            where = f"src/app/{os.path.basename(path)} (AddStaticRoutes)"
            for p in ([base, base + "/", base + "/{file}"] if base else ["/", "/{file}"]):
                routes.append(("GET", p, where))
    return routes


def shape(pattern):
    return re.sub(r"\{[^}]*\}", "{}", pattern)


def check_routes(doc, errors, notes):
    routes = registered_routes(errors)
    if len(routes) < 50:
        errors.append(f"only {len(routes)} routes found in src/http: has the way routes are "
                      "registered changed? (teach tests/api/openapi_test.py)")
    documented = {}
    for path, item in (doc.get("paths") or {}).items():
        for method in METHODS:
            if isinstance(item, dict) and method in item:
                documented[(method.upper(), shape(path))] = path
    served = {}
    for method, pattern, where in routes:
        served.setdefault((method, shape(pattern)), (pattern, where))
    missing_api, missing_other = [], []
    for key, (pattern, where) in sorted(served.items()):
        if key in documented:
            if documented[key] != pattern:
                notes.append(f"{key[0]} {pattern} is documented as {documented[key]}")
            continue
        line = f"{key[0]} {pattern}   ({where})"
        (missing_api if pattern.startswith("/api/v1/") else missing_other).append(line)
    for line in missing_api:
        errors.append(f"undocumented API route: {line}")
    for line in missing_other:
        notes.append(f"undocumented route (not under /api/v1/): {line}")
    for key, path in sorted(documented.items(), key=lambda kv: (kv[1], kv[0])):
        if key not in served:
            notes.append(f"documented, but no code registers it: {key[0]} {path}")
    return len(served), len(documented)


def main():
    errors, notes = [], []
    doc = load_spec(errors)
    if doc is not None:
        check_shape(doc, errors)
        refs = check_refs(doc, errors)
        served, documented = check_routes(doc, errors, notes)
        print(f"api/openapi.yaml: {len(doc.get('paths') or {})} paths, {documented} operations, "
              f"{refs} $refs; the code registers {served} routes")
    for n in notes:
        print(f"note: {n}")
    for e in errors:
        print(f"FAIL: {e}")
    if errors:
        print(f"api_openapi_test: {len(errors)} problem(s)")
        return 1
    print("api_openapi_test: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
