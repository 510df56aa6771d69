"""Fixture makemanifest: freezes the modules a manifest names.

Usage: makemanifest.py -o OUT.c -v NAME=VALUE... -b BUILD_DIR MANIFEST...
A manifest is Python calling freeze(path), include(path) and require(name);
$(NAME) in paths expands to the -v variables, as in MicroPython.
"""

import argparse
import os
import subprocess
import sys

VARS = {}


def expand(path):
    for name, value in VARS.items():
        path = path.replace("$(%s)" % name, value)
    return path


class Manifest:
    def __init__(self):
        self.modules = []  # (path of .py, name inside the firmware)

    def freeze(self, path, script=None, opt=None):
        path = expand(path)
        scripts = [script] if isinstance(script, str) else script
        if scripts is None:
            scripts = []
            for root, _dirs, files in os.walk(path):
                for name in sorted(files):
                    if name.endswith(".py"):
                        scripts.append(os.path.relpath(os.path.join(root, name), path))
        for name in sorted(scripts):
            self.modules.append((os.path.join(path, name), name))

    def include(self, path):
        path = expand(path)
        if os.path.isdir(path):
            path = os.path.join(path, "manifest.py")
        self.execute(path)

    def require(self, name, **kwargs):
        pass

    def execute(self, path):
        with open(path) as f:
            code = f.read()
        scope = {"freeze": self.freeze, "include": self.include, "require": self.require}
        exec(compile(code, path, "exec"), scope)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("-v", "--var", action="append", default=[])
    parser.add_argument("-b", "--build-dir", required=True)
    parser.add_argument("-f", "--mpy-cross-flags", default="")
    parser.add_argument("--mpy-tool-flags", default="")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    for var in args.var:
        name, value = var.split("=", 1)
        VARS[name] = value

    if "MPY_DIR" not in VARS or "PORT_DIR" not in VARS:
        print("MPY_DIR and PORT_DIR variables must be specified")
        sys.exit(1)

    mpy_cross = VARS["MPY_DIR"] + "@@MPY_CROSS_REL@@"
#@if !legacy
    mpy_cross = os.getenv("MICROPY_MPYCROSS", mpy_cross)
#@endif
    if not os.path.exists(mpy_cross):
        print("mpy-cross not found at {}, please build it first".format(mpy_cross))
        sys.exit(1)

    manifest = Manifest()
    for path in args.files:
        manifest.execute(expand(path))

    outputs = []
    for source, name in manifest.modules:
        target = os.path.join(args.build_dir, "frozen_mpy", name[:-3] + ".mpy")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        command = [mpy_cross] + args.mpy_cross_flags.split() + ["-o", target, "-s", name, source]
        if subprocess.call(command) != 0:
            print("error compiling {}".format(source))
            sys.exit(1)
        outputs.append(target)

    tool = os.path.join(VARS["MPY_DIR"], "tools", "mpy-tool.py")
    content = subprocess.check_output([sys.executable, tool, "-f", "-q"] + outputs)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    # Leave an unchanged file alone so that make does not rebuild from it.
    if os.path.exists(args.output):
        with open(args.output, "rb") as f:
            if f.read() == content:
                return
    with open(args.output, "wb") as f:
        f.write(content)


if __name__ == "__main__":
    main()
