"""Board glue: the only midge modules that create hardware objects.

``midge.app`` imports ``midge.boards.<name>`` (``"board"`` in midge.json) and
calls what it needs; each function takes the params dict from midge.json:

- ``sensor(params) -> sensor`` (the ``midge.sensors`` contract) for
  ``"sensor": {"source": "board", ...}``;
- ``led(params) -> Pin`` for the led responder;
- ``watchdog(timeout_ms) -> machine.WDT`` and ``sleep(ms)`` (lightsleep) for
  battery operation;
- ``mqtt_client(params) -> umqtt client`` (Wi-Fi boards) and
  ``lorawan_modem(params) -> object with send(payload)`` where the board has them;
- optional, for midge.fleet's messages: ``utc() -> "YYYY-MM-DDTHH:MM:SSZ" or
  None`` (None until the board's clock is set) and ``battery_mv(params) -> int
  or None`` (params: the mqtt responder's; None where no battery is wired).

A glue module without a function raises ValueError from ``require``, naming
the board and what is missing. Sensor pins come from midge.json (`midge deploy`
writes them from the board profile: its sensors' pins, or its ``wiring`` for
sensors a user wires); glue keeps no pin numbers of its own, and ``pin``
raises ValueError naming a missing one.
"""


def load(name):
    """The glue module ``midge.boards.<name>``."""
    try:
        return __import__("midge.boards." + name, None, None, ["sensor"])
    except ImportError as err:
        raise ValueError("no board glue midge.boards.%s (%s)" % (name, err))


def pin(params, key, what):
    """``params[key]``: a pin of midge.json's sensor section, or ValueError naming it."""
    value = params.get(key)
    if value is None:
        raise ValueError("midge.json sensor.%s (%s) is not set: `midge deploy` takes it from the board "
                         "profile, or give it with --config" % (key, what))
    return value


def require(glue, name, what):
    """``glue.<name>``, or a ValueError saying the board has no ``what``."""
    fn = getattr(glue, name, None)
    if fn is None:
        raise ValueError("board glue %s has no %s (%s)" % (glue.__name__, name, what))
    return fn
