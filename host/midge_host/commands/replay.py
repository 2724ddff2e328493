"""`midge replay DIR FILE...`: what the board would report on recordings, computed on the host.

Each recording is cut into the model's windows and run through the app's pipeline and
decision code (midge_host.replay); a camera model's FILE is an image, a folder of images
or an image recording, shown at --fps frames a second as `midge deploy --replay` shows it
(default 1, deploy's too). The detections print as `t_s,label,score` lines, the
columns of `midge pull`'s detections.csv but the board's boot and seq, so the two can be
compared line for line.
"""


def register(subparsers):
    parser = subparsers.add_parser(
        "replay", help="the detections a board would report on recordings",
        description="Run recordings through the deployed app's pipeline and decisions on the host; print "
                    "the detections as the board's log records them (t_s,label,score).")
    parser.add_argument("project", metavar="DIR", help="the project folder (its build/ holds the model)")
    parser.add_argument("files", metavar="FILE", nargs="+",
                        help="WAV or CSV recordings in the project's format; for a camera model images, "
                             "folders of them or image recordings (.pgm)")
    parser.add_argument("--fps", type=float, default=1.0,
                        help="a camera model's stream time: frames a second (default 1, as deploy --replay)")
    parser.set_defaults(func=handler)


def handler(args):
    import sys

    from midge_host.deploy.artifacts import load_build
    from midge_host.replay import detections

    build = load_build(args.project)
    print("t_s,label,score")
    for path in args.files:
        result = detections(build, path, fps=args.fps)
        for t, label, score in result.detections:
            print(f"{t},{label},{score}")
        print(f"midge: {path}: {result.windows} windows, {len(result.detections)} detections", file=sys.stderr)
    return 0
