"""Fake CircuitPython ``board`` pins for a board with a PDM microphone."""

MICROPHONE_CLOCK = "MICROPHONE_CLOCK"
MICROPHONE_DATA = "MICROPHONE_DATA"
