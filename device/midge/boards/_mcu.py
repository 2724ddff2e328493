"""Glue every MicroPython MCU port shares: ``machine.WDT``, ``machine.lightsleep`` and
``millivolts`` (an ADC reading through a divider)."""


def watchdog(timeout_ms):
    from machine import WDT
    return WDT(timeout=timeout_ms)


def sleep(ms):
    import machine
    machine.lightsleep(ms)


def millivolts(u16, ratio, full_scale_mv=3300):
    """Millivolts before a divider of ``ratio`` from ``ADC.read_u16()``'s ``u16``."""
    return int(u16 * full_scale_mv * ratio) // 65535
