"""A project's samples: ``data/<label>/<group>__<name>.<ext>``.

Modules: ``layout`` (the layout, groups, scanning), ``importer`` (`midge data
import`), ``stats`` (`midge data stats`), ``split`` (`midge data split`),
``wav`` / ``imu`` / ``images`` (readers of the formats people have),
``resample`` (polyphase resampler). What a project's files hold is
``midge.recording``'s; ``midge_host.recordings`` reads them. Each states its
contract in its docstring; docs/data.md is the user guide.
"""
