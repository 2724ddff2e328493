"""`midge plot spectrogram|mfe|mfcc|features FILE --out PNG`: a picture of what
the model will see.

spectrogram/mfe/mfcc: FILE is a WAV (or one-column CSV); its first window goes
through that kind's extractor (defaults, or ``--config CONFIG.json`` to set
parameters; its "kind" must match). features: FILE is an .npz from `midge
features`; ``--index`` picks the recording. Time runs along x in seconds (frame
centres); y is frequency in Hz (spectrogram), the mel filter with its centre
frequency (mfe), the cepstral coefficient (mfcc), the mel channel
(micro_speech); the colour bar shows the int8 features. Motion features are
drawn as one bar chart per axis.

detections: ``--project DIR`` (a detection project, built); FILE is an image, a
folder of images or an image recording: each frame, as the board sees it, goes
through the device pipeline, and its objects are drawn on it (a cross at each
centroid, with its class), with the true boxes of images in the project's data/.
"""

import json
from pathlib import Path

import numpy as np

from midge_host import recordings
from midge_host.commands.features import load_config, read_clips
from midge_host.errors import MidgeError
from midge_host.features import extract, extractor

KINDS = ("spectrogram", "mfe", "mfcc", "features", "detections")
SHOWN = 16  # images drawn by `plot detections` (all are counted)


def register(subparsers):
    """Add `midge plot` to the CLI's sub-parsers."""
    parser = subparsers.add_parser(
        "plot", help="draw the features a model sees, as a PNG",
        description="Draw a recording's features (or an .npz from `midge features`) as a PNG.")
    parser.add_argument("kind", choices=KINDS, help="what to draw")
    parser.add_argument("file", metavar="FILE", help="a WAV/CSV recording, an .npz for `features`, "
                                                     "images for `detections`")
    parser.add_argument("--out", required=True, metavar="PNG", help="the picture to write")
    parser.add_argument("--config", metavar="CONFIG.json", help="feature parameters (not for `features`)")
    parser.add_argument("--index", type=int, default=0, help="which recording of the .npz (features)")
    parser.add_argument("--project", metavar="DIR", help="the detection project whose model finds the objects "
                                                         "(detections)")
    parser.set_defaults(func=handler)


def handler(args):
    """Compute or load the features, draw them, write the PNG; return 0."""
    if args.kind == "detections":
        return _detections(args)
    if args.kind == "features":
        if args.config:
            raise MidgeError("--config is for spectrogram/mfe/mfcc; an .npz carries its own config")
        config, features, name = _load_npz(Path(args.file), args.index)
    else:
        config = load_config(args.config) if args.config else {"kind": args.kind}
        if config["kind"] != args.kind:
            raise MidgeError(f"{args.config}: a {config['kind']!r} config, not {args.kind!r}")
        fx = extractor(config)
        features = extract(fx.config, read_clips(fx, recordings.collect_inputs([args.file])))[0]
        config, name = fx.config, args.file
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    draw(config, features, f"{Path(name).name}: {config['kind']}", out)
    print(f"{out}: {config['kind']} {features.shape[0]} x {features.shape[1]}")
    return 0


def _detections(args):
    from midge_host.dataset import boxes
    from midge_host.deploy import replay_frames
    from midge_host.deploy.artifacts import load_build
    from midge_host.project import load_project
    from midge_host.train import detection, plots
    from midge_host.train.pipeline import run_device
    if not args.project:
        raise MidgeError("plot detections needs --project DIR: the model that finds the objects")
    project = load_project(args.project)
    if project.task != "detection":
        raise MidgeError(f"{project.dir} is a {project.task} project; plot detections draws a detection model's "
                         "objects")
    build = load_build(project.dir)
    frames = replay_frames(build, args.file)
    _, outputs = run_device(build.path("model.tflite"), build.path("meta.json"), frames)
    found = detection.decode(build.meta, outputs)
    store = boxes.load_store(project.data_dir)
    path = Path(args.file).resolve()
    from midge_host.dataset.images import SOURCE_SUFFIXES
    names = sorted(p for p in path.rglob("*") if p.suffix.lower() in SOURCE_SUFFIXES) if path.is_dir() else [path]
    truth = [[]] * len(frames)
    if len(names) == len(frames) and all(p.is_relative_to(project.data_dir.resolve()) for p in names):
        truth = [store.get(p.relative_to(project.data_dir.resolve()).as_posix(), []) for p in names]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    shown = min(len(frames), SHOWN)
    plots.detections(frames[:shown], found[:shown], truth[:shown], list(project.labels), out,
                     f"{path.name}: {project.name}" + (f" (first {shown} of {len(frames)})" if shown < len(frames) else ""))
    counts = {}
    for objects in found:
        for k, *_ in objects:
            counts[project.labels[k]] = counts.get(project.labels[k], 0) + 1
    print(f"{out}: {len(frames)} image(s), " + (", ".join(f"{n} {label}" for label, n in counts.items())
                                                 or "no objects"))
    return 0


def _load_npz(path, index):
    try:
        data = np.load(path)
        config = json.loads(str(data["config"]))
        features, files = data["features"], data["files"]
    except (OSError, ValueError, KeyError) as err:
        raise MidgeError(f"{path}: not a features .npz from `midge features` ({err})") from None
    if not 0 <= index < len(features):
        raise MidgeError(f"{path}: --index {index} outside 0..{len(features) - 1}")
    return config, features[index], str(files[index])


def draw(config, features, title, out):
    """Write a PNG of one window's features (frames x features) for ``config``."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fx = extractor(config)
    if config["kind"] == "motion":
        _draw_motion(plt, fx, features[0], title, out)
        return
    rate = config["sample_rate"]
    frame, stride = _framing(fx)
    frames = features.shape[0]
    t0 = (frame / 2 - stride / 2) / rate
    t1 = ((frames - 1) * stride + frame / 2 + stride / 2) / rate
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    rows = features.shape[1]
    extent, ylabel, ticks = _yaxis(fx, config, rows)
    image = ax.imshow(features.T.astype(np.int16), origin="lower", aspect="auto", cmap="magma",
                      extent=(t0, t1) + extent, vmin=-128, vmax=127, interpolation="nearest")
    if ticks:
        ax.set_yticks(ticks[0], ticks[1])
    ax.set_xlabel("time (s)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    bar = fig.colorbar(image, ax=ax)
    bar.set_label(_value_label(config))
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def _framing(fx):
    if fx.config["kind"] == "micro_speech":
        return 480, 320
    return fx.frame_samples, fx.stride_samples


def _yaxis(fx, config, rows):
    rate = config["sample_rate"]
    kind = config["kind"]
    if kind == "spectrogram":
        step = rate / fx.fft_length
        return (-step / 2, (rows - 0.5) * step), "frequency (Hz)", None
    if kind == "mfe":
        picks = np.linspace(0, rows - 1, min(rows, 8)).round().astype(int)
        labels = [f"{i}: {fx.edges[i + 1] * rate / (fx.fft_length + 1):.0f} Hz" for i in picks]
        return (-0.5, rows - 0.5), "mel filter (centre)", (picks, labels)
    if kind == "mfcc":
        return (-0.5, rows - 0.5), "cepstral coefficient", None
    return (-0.5, rows - 0.5), "mel channel", None


def _value_label(config):
    kind = config["kind"]
    if kind in ("spectrogram", "mfe"):
        floor = config["noise_floor_db"]
        return f"int8: {floor} dB -> -128, +12 dB -> 127"
    if kind == "mfcc":
        return f"int8: coefficient x {2 ** config['scale_shift']}"
    return "int8 feature"


def _draw_motion(plt, fx, values, title, out):
    names = ["mean", "rms", "std", "skew", "kurt", "p2p"]
    edges = fx.config["bands"]
    names += [f"{edges[i]}-{edges[i + 1]} Hz" for i in range(fx.band_count)]
    fig, axes = plt.subplots(fx.axes, 1, figsize=(8, 1.8 * fx.axes + 1), dpi=100, squeeze=False)
    for a in range(fx.axes):
        ax = axes[a][0]
        ax.bar(range(fx.per_axis), values[a * fx.per_axis:(a + 1) * fx.per_axis])
        ax.set_ylabel(f"axis {a}")
        ax.set_xticks(range(fx.per_axis), names if a == fx.axes - 1 else [""] * fx.per_axis,
                      rotation=30, fontsize=8)
    axes[0][0].set_title(title + f" ({fx.config['output']}; scales in docs/features.md)")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
