"""Rebuild midge's ready-to-deploy models (models/<name>/) from its own templates.

    python tools/build_models.py                # rebuild every model into models/
    python tools/build_models.py kws motion     # just these
    python tools/build_models.py --check motion # rebuild in build/models/ and compare bytes

Each model is the template of the same name, walked through the user's path with the
real `midge` CLI in build/models/<name>/: `new` -> `data synth` (seed 0) -> `train` ->
`quantize` -> `eval` -> `profile` (its board and PROFILE_ALSO). models/<name>/ then
holds the deploy files (model.tflite, labels.txt, meta.json, vectors.bin), the model
card, metrics.json, profile.json and ``sample.<wav|csv|pgm>``: held-out test files of
every label, three times each (long enough for the recognizer to settle), that an emulated board replays (`midge_host.dataset.showcase`);
models/README.md lists them (`midge models`).

Reproducible: synthesis and training are seeded and deterministic
(``keras.utils.set_random_seed`` + op determinism), and meta.json's ``created`` comes
from SOURCE_DATE_EPOCH (set to EPOCH here), so on the same machine, Python and pinned
packages (requirements.txt) a rebuild gives byte-identical deploy files: ``--check``
compares them and exits 1 naming any that differ. Another CPU can train other weights
(TensorFlow's float kernels take its SIMD paths): the model and its vectors may then differ
from models/, the rest does not. Figures in the cards (profile
latencies, heap) are measurements and are not compared.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS_DIR = ROOT / "models"
WORK_DIR = ROOT / "build" / "models"
MIDGE = str(Path(sys.executable).with_name("midge"))

NAMES = ("kws", "motion", "anomaly", "mosquito", "rainfall", "person", "objects")
"""The models, each built from the template of the same name."""

PROFILE_ALSO = {"microphone": "pico", "imu": "pico", "camera": "xiao_esp32s3_sense"}
"""A second board each model is profiled on, beside its template's own, by sensor."""

EPOCH = 1796083200
"""SOURCE_DATE_EPOCH of the builds (2026-12-01T00:00:00Z): meta.json's ``created``."""

SAMPLE_REPEAT = 3
"""Times each label's test file plays in a model's sample recording."""

DEPLOY_FILES = ("model.tflite", "labels.txt", "meta.json", "vectors.bin")
SHIPPED = DEPLOY_FILES + ("model_card.md", "metrics.json", "profile.json")


def run(name, *args):
    """Run the midge CLI; exit with its output when it fails."""
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(EPOCH), TF_CPP_MIN_LOG_LEVEL="2")
    started = time.monotonic()
    proc = subprocess.run([MIDGE, *args], capture_output=True, text=True, env=env)
    if proc.returncode:
        sys.exit(f"build_models: {name}: `midge {' '.join(args)}` failed:\n{proc.stdout}{proc.stderr}")
    print(f"  {name}: midge {args[0]}{' ' + args[1] if args[0] == 'data' else ''} "
          f"({time.monotonic() - started:.0f} s)", flush=True)


def build(name, work=WORK_DIR, full=True):
    """Walk template ``name`` from `midge new` to a model in ``work``/name, evaluated and
    profiled unless ``full`` is False (the deploy files do not depend on them); returns its build/."""
    from midge_host.project.load import load_project
    project = work / name
    if project.exists():
        shutil.rmtree(project)
    work.mkdir(parents=True, exist_ok=True)
    run(name, "new", str(project), "--template", name)
    loaded = load_project(project)
    run(name, "data", "synth", str(project))
    for step in ("train", "quantize"):
        run(name, step, str(project))
    if not full:
        return project / "build"
    run(name, "eval", str(project))
    boards = [loaded.board] + [b for b in [PROFILE_ALSO[loaded.sensor]] if b != loaded.board]
    run(name, "profile", str(project), *[arg for b in boards for arg in ("--board", b)])
    return project / "build"


def publish(name, build_dir, models=MODELS_DIR):
    """Copy the shipped files of ``build_dir`` to models/<name>/ and write its sample recording."""
    from midge_host.dataset import showcase
    from midge_host.project.load import load_project
    out = models / name
    out.mkdir(parents=True, exist_ok=True)
    for file in SHIPPED:
        shutil.copyfile(build_dir / file, out / file)
    for old in out.glob("sample.*"):
        old.unlink()
    showcase.recording(load_project(build_dir.parent), out / "sample", repeat=SAMPLE_REPEAT)


def differences(name, build_dir, models=MODELS_DIR):
    """The deploy files of ``build_dir`` whose bytes differ from models/<name>/'s."""
    return [f for f in DEPLOY_FILES
            if not (models / name / f).is_file() or (models / name / f).read_bytes() != (build_dir / f).read_bytes()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"models to build (default: all of {', '.join(NAMES)})")
    parser.add_argument("--check", action="store_true",
                        help="rebuild and compare with models/ instead of replacing it")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(NAMES))
    if unknown:
        parser.error(f"unknown model {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    from midge_host.models import write_index
    failed = []
    for name in args.names or NAMES:
        started = time.monotonic()
        print(f"{name}:", flush=True)
        build_dir = build(name, full=not args.check)
        if args.check:
            differ = differences(name, build_dir)
            failed += [f"{name}/{f}" for f in differ]
            print(f"  {name}: {'differs: ' + ', '.join(differ) if differ else 'same bytes as models/'}")
        else:
            publish(name, build_dir)
        print(f"  {name}: done in {time.monotonic() - started:.0f} s", flush=True)
    if failed:
        sys.exit(f"build_models: rebuilt files differ from models/: {', '.join(failed)}")
    if not args.check:
        write_index(MODELS_DIR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
