"""The engine the app and verify run the model on, from midge.json's ``engine``:

- "midge": ``midge.nn`` (the weights where ``weights`` says);
- "openmv": OpenMV firmware's ``ml`` module (``midge.engine_ml``); a ValueError
  where the firmware has none;
- "auto" (the default): ``ml`` where it imports, else midge.

``load(conf) -> interpreter`` for a checked config (``midge.app_config``).
"""


def _import(name):
    try:
        return __import__(name)
    except ImportError:
        return None


def load(conf):
    """The model of ``conf`` on its engine (see the module docstring)."""
    engine = conf["engine"]
    ml = None if engine == "midge" else _import("ml")
    if ml is None and engine == "openmv":
        raise ValueError("engine 'openmv' needs OpenMV firmware (module 'ml' is missing); use 'auto' or 'midge'")
    if ml is not None:
        from midge.engine_ml import MLInterpreter
        return MLInterpreter(conf["model"], ml, _import("ulab"))
    from midge.nn import load as load_nn
    return load_nn(conf["model"], weights=conf["weights"])
