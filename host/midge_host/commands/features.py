"""`midge features CONFIG.json INPUT... --out FEATURES.npz [--engine E]`: extract
features from WAV/CSV recordings (files or folders) exactly as the board will.

CONFIG.json is a feature config ({"kind": ..., params}) or a model's meta.json
holding one under "features"; ``--frontend micro_speech`` stands for
{"kind": "micro_speech"} (then every positional argument is an input). Each
file gives one window, its first ``window_ms`` (a note says how many files were
longer). The .npz holds ``features`` (files x frames x features), ``files``
(the paths as given) and ``config`` (the complete config, JSON).
"""

import json
import sys
from pathlib import Path

import numpy as np

from midge_host import recordings
from midge_host.errors import MidgeError
from midge_host.features import ENGINES, extract, extractor

FRONTENDS = {"micro_speech": {"kind": "micro_speech"}}


def register(subparsers):
    """Add `midge features` to the CLI's sub-parsers."""
    parser = subparsers.add_parser(
        "features", help="extract features from WAV/CSV files into an .npz",
        description="Extract features from WAV/CSV recordings (files or folders) with the "
                    "board's integer DSP, bit for bit.")
    parser.add_argument("paths", nargs="+", metavar="CONFIG.json INPUT",
                        help="the feature config (unless --frontend), then WAV/CSV files or folders")
    parser.add_argument("--out", required=True, metavar="FEATURES.npz", help="where to write the features")
    parser.add_argument("--engine", choices=ENGINES, default="auto",
                        help="micropython: the device code under the unix port; host: the numpy "
                             "mirror; auto (default): the fastest exact one for the kind")
    parser.add_argument("--frontend", choices=sorted(FRONTENDS),
                        help="use a built-in feature config instead of CONFIG.json")
    parser.set_defaults(func=handler)


def load_config(path):
    """The feature config in a JSON file: the object itself, or its "features" entry."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise MidgeError(f"{path}: no such feature config") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise MidgeError(f"{path}: not a JSON feature config ({err})",
                         hint='write e.g. {"kind": "mfe", "sample_rate": 16000}') from None
    if isinstance(data, dict) and isinstance(data.get("features"), dict):
        data = data["features"]
    if not isinstance(data, dict) or "kind" not in data:
        raise MidgeError(f"{path}: a feature config is a JSON object with a \"kind\"",
                         hint='e.g. {"kind": "spectrogram", "sample_rate": 16000}')
    return data


def read_clips(fx, files):
    """One interleaved int16 window source per file; prints a note for longer files."""
    rate = fx.config["sample_rate"]
    clips = [recordings.read_input(f, rate, fx.channels, fx.window_frames) for f in files]
    longer = sum(len(c) > fx.window_samples for c in clips)
    if longer:
        print(f"midge: note: {longer} of {len(clips)} files are longer than one window; "
              f"their first {fx.config['window_ms']} ms were used", file=sys.stderr)
    return clips


def handler(args):
    """Extract, write the .npz, print a one-line summary; return 0."""
    paths = list(args.paths)
    if args.frontend:
        config = dict(FRONTENDS[args.frontend])
    else:
        config = load_config(paths.pop(0))
    if not paths:
        raise MidgeError("no input files given", hint="midge features CONFIG.json INPUT... --out FEATURES.npz")
    fx = extractor(config)
    files = recordings.collect_inputs(paths)
    features = extract(fx.config, read_clips(fx, files), engine=args.engine)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, features=features, files=np.array([str(f) for f in files]),
             config=np.array(json.dumps(fx.config)))
    print(f"{out}: {len(files)} x {fx.frame_count} x {fx.feature_count} {features.dtype} "
          f"{fx.config['kind']} features")
    return 0
