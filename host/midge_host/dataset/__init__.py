"""A project's samples: ``data/<label>/<group>__<name>.<ext>``.

Modules: ``layout`` (the layout, groups, scanning), ``importer`` (`midge data
import`), ``stats`` (`midge data stats`), ``split`` (`midge data split`),
``wav`` / ``imu`` / ``images`` (file formats), ``resample`` (polyphase
resampler) and ``files`` (atomic writes, content hashes). Each states its
contract in its docstring; docs/data.md is the user guide.
"""
