"""Responders: what the board does with a decision (the last pipeline stage).

Each is handed what it drives (a stream, a Pin, a path, an MQTT client, the
``machine`` sleep functions); none creates hardware objects.

- ``serial.JsonLines``: one compact JSON line per detection/status.
- ``led.Blinker``: per-label blink patterns on a Pin, non-blocking.
- ``log.DetectionLog``: append-only records with CRC on flash, size-bounded,
  safe against power cuts and watchdog resets.
- ``clip.WavWriter``: raw clips to SD for labelling (atomic: temp then rename).
- ``mqtt.Publisher``: umqtt.simple publishing (an outbox with QoS 1, other
  messages with QoS 0) with reconnect backoff.
- ``outbox.Outbox``: a bounded queue of messages on flash that survives reboots.
- ``lorawan``: the versioned bit-packed uplink payload (decoder in
  ``midge_host.lorawan`` and docs/sensors.md).
- ``power.DutyCycle`` / ``power.Watchdog``: battery duty cycling and WDT feeding.
"""
