"""Sensors that feed midge's pipeline, each handed its bus, pins or module by board glue.

Library code never creates hardware objects: board glue builds the
``machine.I2S``/``machine.I2C`` (or imports OpenMV's ``audio``/``csi``) and
passes it in. Every streaming sensor follows one contract:

- ``sample_rate``: frames per second (Hz); ``channels``: int16 values per frame
  (1 for a microphone, 6 for an IMU: ax, ay, az, gx, gy, gz).
- ``readinto(buf) -> n``: copy what has been captured into ``buf`` (an
  ``array('h')`` or a writable buffer of int16) and return the number of int16
  values written (whole frames), 0 when nothing is ready. It never blocks for
  longer than one burst read and allocates nothing.
- ``dropped``: frames lost because the consumer fell behind (a lower bound
  where the hardware cannot tell exactly: one per IMU FIFO overflow).
- ``start()`` / ``stop()``: begin and end capture (idempotent).

Cameras give ``width``, ``height`` and ``readinto(buf) -> n`` bytes of a
grayscale frame resized to the model's input. ``replay`` plays WAV/CSV files
with the same contract. Modules: ``i2s_mic``, ``pdm``, ``openmv_audio``,
``pdmin``, ``lsm6ds``, ``mpu6050``, ``bmi270``, ``camera``, ``replay``.
Submodules are imported on demand so a port only needs the modules its glue uses.
"""
