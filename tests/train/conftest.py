"""Trained projects shared by the tests in tests/train (session scope).

``trained(template)`` makes a project from the template in a session temp
folder with a small synthetic set and a short training (SETTINGS), then runs
train -> quantize -> eval through the Python API and returns (project,
metrics). Each template is built at most once per session.
"""

import os

import pytest

from midge_host.project import create_project, load_project
from midge_host.synth import synthesize

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SETTINGS = {  # template: (files per class, midge.toml overrides)
    "mosquito": (100, ["training.epochs=30", "training.patience=6"]),
    "rainfall": (200, []),
    "kws": (300, ["training.epochs=60", "training.patience=8"]),
    "motion": (40, ["training.epochs=60", "training.patience=10"]),
    "anomaly": (None, []),
    "person": (1000, ["training.epochs=50"]),  # the template's training; its best epoch comes before 50
    "objects": (None, []),
}


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    cache = {}

    def make(template):
        if template not in cache:
            from midge_host.train.evaluate import evaluate
            from midge_host.train.quantize import quantize
            from midge_host.train.train import train
            count, overrides = SETTINGS[template]
            folder = tmp_path_factory.mktemp("train") / template
            create_project(folder, template, overrides)
            project = load_project(folder)
            synthesize(project, count=count, seed=1)
            train(project, say=lambda _: None)
            quantize(project, say=lambda _: None)
            cache[template] = (project, evaluate(project, say=lambda _: None))
        return cache[template]
    return make
