"""Glue every MicroPython MCU port shares: ``machine.WDT`` and ``machine.lightsleep``."""


def watchdog(timeout_ms):
    from machine import WDT
    return WDT(timeout=timeout_ms)


def sleep(ms):
    import machine
    machine.lightsleep(ms)
