#!/usr/bin/python3
"""Tests of scripts/check_layers.py: the real tree passes, and fake trees with a forbidden
include, a cross-module `internal` use, a test helper in production code, a module missing
from src/LAYERS or a stale exception fail with file, line and edge.

Usage: layers_test.py REPO_ROOT     (CTest: layers_test)
"""

import os
import re
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(__file__), "..", ".."))
CHECKER = os.path.join(ROOT, "scripts", "check_layers.py")


def run_checker(root):
    p = subprocess.run([sys.executable, CHECKER, "--root", root],
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout.splitlines()


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class LayersTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        # The real module lines, so the fake trees are judged by the real rules; the real
        # internal-use exceptions and private headers name files these trees lack, so they are
        # left out.
        with open(os.path.join(ROOT, "src", "LAYERS"), encoding="utf-8") as f:
            self.layers = "".join(l for l in f if not l.startswith(("internal-use", "private")))
        write(self.root, "src/LAYERS", self.layers)
        # A clean tree: allowed edges, plus decoys the checker must not count (comments,
        # strings, a raw string, digit separators before a literal).
        write(self.root, "src/base/status.h", "#pragma once\nnamespace zx::base {}\n")
        write(self.root, "src/dialogue/service.h", '#pragma once\n#include "text/utf8.h"\n')
        write(self.root, "src/text/utf8.h",
              '#pragma once\n#include "base/status.h"\n#include <string>\n'
              "namespace zx::text::internal { int Decode(); }\n")
        write(self.root, "src/text/decoys.cc",
              '#include "text/utf8.h"\n'
              '// #include "dialogue/service.h" and base::internal::X in a comment\n'
              "/* #include \"app/main.h\"\n   dialogue::internal::Y */\n"
              'const char* a = "dialogue::internal::Z";\n'
              "const long n = 1'000'000; const char c = '\"';\n"
              'const char* r = R"x(base::internal::W ")x";\n'
              "int f() { return zx::text::internal::Decode(); }  // own module: fine\n")

    def tearDown(self):
        self.tmp.cleanup()

    def test_real_tree_passes(self):
        code, out = run_checker(ROOT)
        self.assertEqual(code, 0, "\n".join(out))

    def test_clean_fake_tree_passes(self):
        code, out = run_checker(self.root)
        self.assertEqual((code, out), (0, ["layers: 4 files follow src/LAYERS"]))

    def test_forbidden_include_and_internal_use_fail(self):
        # base includes from the top of the chain (line 3).
        write(self.root, "src/base/x.h",
              '#pragma once\n#include <vector>\n#include "dialogue/service.h"\n')
        # text names base's internal namespace (line 4), though text may include base.
        write(self.root, "src/text/y.cc",
              '#include "base/status.h"\n\nint g() {\n'
              "  return zx::base::internal::Helper() + base::internal::Helper();\n}\n")
        # telephony is beside the chain: it may not reach storage (line 1), nor may
        # production code use a test helper (line 2), nor another module's private header.
        write(self.root, "src/telephony/gateway.cc",
              '#include "storage/database.h"\n#include "text/testing/fake.h"\n'
              '#include "text/utf8_internal.h"\n')
        # ... but a test may use a test helper of a module it may include.
        write(self.root, "src/telephony/gateway_test.cc", '#include "text/testing/fake.h"\n')
        code, out = run_checker(self.root)
        self.assertEqual(code, 1)
        self.assertEqual(out, [
            'src/base/x.h:3: base -> dialogue ("dialogue/service.h"; '
            "base may include: nothing but itself)",
            "src/telephony/gateway.cc:1: telephony -> storage "
            '("storage/database.h"; telephony may include: base text)',
            "src/telephony/gateway.cc:2: production code includes the test helper "
            '"text/testing/fake.h" (only *_test.cc and testing/ may)',
            "src/telephony/gateway.cc:3: telephony -> text's private header "
            '"text/utf8_internal.h" (private headers stay in their module)',
            "src/text/y.cc:4: text uses base::internal (internal names stay inside base)",
        ])

    def test_listed_private_header_stays_in_its_module(self):
        write(self.root, "src/LAYERS", self.layers + "private: text tables.h\n")
        write(self.root, "src/text/tables.h", "#pragma once\n")
        # Its own module may include it, from a .cc file and from another private header.
        write(self.root, "src/text/utf8.cc", '#include "text/tables.h"\n')
        write(self.root, "src/text/more_internal.h", '#pragma once\n#include "text/tables.h"\n')
        self.assertEqual(run_checker(self.root)[0], 0)
        # Another module may not (line 2), even one that may include text.
        write(self.root, "src/dialogue/service.cc",
              '#include "text/utf8.h"\n#include "text/tables.h"\n')
        # Nor may a public header of its own module: its users could not compile it.
        write(self.root, "src/text/pinyin.h", '#pragma once\n#include "text/tables.h"\n')
        code, out = run_checker(self.root)
        self.assertEqual((code, out), (1, [
            "src/dialogue/service.cc:2: dialogue -> text's private header "
            '"text/tables.h" (private headers stay in their module)',
            'src/text/pinyin.h:2: public header includes the private header "text/tables.h" '
            "(its users could not compile it)"]))

    def test_listed_private_header_must_exist(self):
        write(self.root, "src/LAYERS", self.layers + "private: text gone.h\n")
        code, out = run_checker(self.root)
        self.assertEqual(code, 1)
        self.assertEqual(len(out), 1)
        self.assertRegex(out[0], r"^src/LAYERS:\d+: private header src/text/gone.h does not exist$")

    def test_module_missing_from_layers_fails(self):
        write(self.root, "src/tickets2/order.h", '#pragma once\n#include "base/status.h"\n')
        code, out = run_checker(self.root)
        self.assertEqual(code, 1)
        self.assertEqual(len(out), 1)
        self.assertRegex(out[0], r"^src/tickets2: module missing from src/LAYERS")

    def test_internal_use_exception_allows_one_file_and_must_stay_used(self):
        write(self.root, "src/dialogue/service.cc",
              '#include "text/utf8.h"\nint h() { return text::internal::Decode(); }\n')
        code, out = run_checker(self.root)
        self.assertEqual((code, out), (1, [
            "src/dialogue/service.cc:2: dialogue uses text::internal "
            "(internal names stay inside text)"]))
        # Listed: allowed for that file.
        write(self.root, "src/LAYERS",
              self.layers + "internal-use: src/dialogue/service.cc text::internal\n")
        self.assertEqual(run_checker(self.root)[0], 0)
        # The use is gone: the exception is stale and fails, so the list only shrinks.
        write(self.root, "src/dialogue/service.cc", '#include "text/utf8.h"\n')
        code, out = run_checker(self.root)
        self.assertEqual(code, 1)
        self.assertEqual(len(out), 1)
        self.assertRegex(out[0], r"^src/LAYERS:\d+: src/dialogue/service.cc no longer uses "
                                 r"text::internal; remove this internal-use line$")

    def test_unknown_module_in_layers_fails(self):
        # A typo in an allowed list must not pass as "allows nothing".
        write(self.root, "src/LAYERS", re.sub(r"^text:.*$", "text: bsae", self.layers,
                                              flags=re.M))
        code, out = run_checker(self.root)
        self.assertEqual(code, 1)
        self.assertIn("text may include bsae, which is not a module listed here", "\n".join(out))


    def test_http_core_knows_no_domain_module(self):
        # A route set may include the module it serves; the server core may not, nor a route
        # set of its own module; a test of the core may.
        write(self.root, "src/http/knowledge_routes.cc", '#include "dialogue/service.h"\n')
        write(self.root, "src/http/server.cc",
              '#include "base/status.h"\n#include "dialogue/service.h"\n'
              '#include "http/knowledge_routes.h"\n')
        write(self.root, "src/http/server_test.cc", '#include "dialogue/service.h"\n')
        code, out = run_checker(self.root)
        self.assertEqual(code, 1)
        self.assertEqual(out, [
            'src/http/server.cc:2: the core of http -> dialogue ("dialogue/service.h"; only the '
            "route sets of http may; its core may include: base security text)",
            'src/http/server.cc:3: the core of http includes the route set '
            '"http/knowledge_routes.h" (route sets are added by app)',
        ])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
