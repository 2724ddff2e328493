"""Label semantics: which decisions a board makes and which it reports. The
one owner of ``quiet_labels``; the app, the responders, `midge pull`, the
LoRaWAN decoder and the host replay all ask this module.

- ``decision_labels(meta)``: the names of the decisions, by index: a
  classifier's ``labels`` (model output order; label 0 is a class like any
  other), or ``ANOMALY_LABELS`` for an anomaly model. Detection logs store
  these indexes.
- ``reported(meta)``: a bytearray with 1 for each decision a board reports
  (detection line, LED, log record, clip, MQTT message, LoRaWAN count) and 0
  for the quiet ones: a classifier's ``quiet_labels`` (background, silence,
  idle), an anomaly model's "normal" and a detection model's ``labels[0]``
  (the background, never an object).
- ``reported_labels(meta)``: the reported names in decision order: the
  classes a LoRaWAN uplink counts, one count each.
"""

ANOMALY_LABELS = ("normal", "anomaly")


def decision_labels(meta):
    """The decision names of ``meta``, by index."""
    if meta["task"] == "anomaly":
        return ANOMALY_LABELS
    return tuple(meta["labels"])


def reported(meta):
    """1 per reported decision index, 0 per quiet one."""
    if meta["task"] == "anomaly":
        return bytearray((0, 1))
    if meta["task"] == "detection":
        return bytearray(0 if i == 0 else 1 for i in range(len(meta["labels"])))
    quiet = meta.get("quiet_labels", ())
    return bytearray(0 if label in quiet else 1 for label in meta["labels"])


def reported_labels(meta):
    """The names a board reports, in decision order."""
    flags = reported(meta)
    return [label for i, label in enumerate(decision_labels(meta)) if flags[i]]
