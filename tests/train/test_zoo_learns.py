"""Every image model in the zoo learns what a linear model on the pixels learns.

The set: 96 x 96 grayscale images (int8, as the image extractor gives them)
of a bright disc with two dark eyes ("face") or a dark disc, on a lit, noisy,
shaded background, the disc anywhere within 12 px of the centre. A logistic
regression on the raw pixels scores 100 % on its held-out half; each image
model, trained as `midge train` trains it (zoo.build, Adam, batch 32), must
reach 90 %. mobilenet_tiny stayed at 50 % with a loss of ln 2 while its
initialisation shrank the signal to nothing (zoo._relu_init).
"""

import numpy as np
import pytest

from midge_host.train import zoo

SIDE = 96
TRAIN, TEST = 200, 200
EPOCHS = 25
BAR = 0.90


def faces(n, rng):
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    x = np.zeros((n, SIDE, SIDE), np.float32)
    y = np.arange(n) % 2
    for i in range(n):
        img = rng.uniform(70, 170) + rng.normal(0, 10, (SIDE, SIDE)) + rng.uniform(-0.5, 0.5) * (xx - SIDE / 2)
        cx, cy = SIDE / 2 + rng.uniform(-12, 12, 2)
        r = rng.uniform(14, 22)
        img[(xx - cx) ** 2 + (yy - cy) ** 2 < r * r] += 50 if y[i] else -50
        if y[i]:
            for ex in (-r / 3, r / 3):
                img[(xx - cx - ex) ** 2 + (yy - cy + r / 4) ** 2 < (r / 6) ** 2] -= 80
        x[i] = img
    return (x - 128).round().clip(-128, 127), y


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return faces(TRAIN, rng), faces(TEST, rng)


def fit(model, train, test, epochs):
    import keras
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(train[0], train[1], epochs=epochs, batch_size=32, shuffle=True, verbose=0)
    return model.evaluate(test[0], test[1], verbose=0)[1]


@pytest.mark.slow
def test_a_linear_model_on_pixels_passes_the_bar(data):
    import keras
    keras.utils.set_random_seed(0)
    linear = keras.Sequential([keras.Input((SIDE, SIDE)), keras.layers.Rescaling(1 / 128), keras.layers.Flatten(),
                               keras.layers.Dense(2, activation="softmax")])
    assert fit(linear, *data, epochs=60) >= BAR


@pytest.mark.slow
@pytest.mark.parametrize("name", zoo.IMAGE_MODELS)
def test_image_model_learns_what_a_linear_model_learns(data, name):
    import keras
    keras.utils.set_random_seed(0)
    model = zoo.build(name, {}, (SIDE, SIDE), 2, "classification")
    accuracy = fit(model, *data, epochs=EPOCHS)
    assert accuracy >= BAR, f"{name}: {accuracy:.1%} on a set a linear model on the pixels gets right"
