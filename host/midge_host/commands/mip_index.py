"""`midge mip-index --out DIR [--arch ARCH ...]`: write a static mip package index of
the device package (midge_host.deploy.mip_index), then print how to serve it and the
`mpremote mip install` line for each arch with the boards that need it. See docs/deploy.md.
"""

from pathlib import Path

SERVE_PORT = 8000


def register(subparsers):
    parser = subparsers.add_parser(
        "mip-index", help="write a mip package index of the device package",
        description="Write a static package index (package/..., file/...) that `mpremote mip install "
                    "--index URL` reads: the source variant `midge` and, per mpy arch, `midge-ARCH` "
                    "compiled as deploy compiles it.")
    parser.add_argument("--out", required=True, metavar="DIR", help="the folder to write the index into")
    parser.add_argument("--arch", action="append", metavar="ARCH",
                        help="an mpy arch to compile for; repeat for more (default: every board "
                             "profile's arch, and x64)")
    parser.set_defaults(func=handler)


def handler(args):
    from midge_host.deploy.mip_index import boards_by_arch, build_index

    out = Path(args.out)
    built = build_index(out, args.arch)
    source, compiled = built[0], built[1:]
    boards = boards_by_arch()
    url = f"http://localhost:{SERVE_PORT}"
    print(f"wrote a mip index of midge to {out}: {source.name} (source, {len(source.files)} files)"
          + "".join(f", {p.name}" for p in compiled))
    print(f"\nserve it:  python -m http.server {SERVE_PORT} --directory {out}")
    print("then, on this machine (mpremote downloads here and copies over the board's port; "
          "elsewhere, this machine's address instead of localhost):")
    width = max([len(p.name) for p in compiled] + [0])
    for package in compiled:
        arch = package.name.split("-", 1)[1]
        needs = ", ".join(boards.get(arch, [])) or "no board profile"
        print(f"  mpremote mip install --index {url} {package.name:<{width}}   # {needs}")
    print(f"  mpremote mip install --index {url} --no-mpy {source.name}   # the .py sources, any board")
    return 0
