"""One CSV row per detection: ``csv_text(db, **filters) -> (text, rows)`` (filters as
``midge_host.hub.queries.all_detections`` takes them), ``export(db, out) -> rows``.

Columns ``midge_host.hub.queries.DETECTION_COLUMNS``, ordered by (device, boot, seq);
empty cells for what a board did not send. ``export`` replaces ``out`` atomically
(``midge_host.files.write_atomic``): a reader sees the old file or the new one.
"""

import csv
import io

from midge_host.files import write_atomic
from midge_host.hub import queries


def csv_text(db, **filters):
    rows = queries.all_detections(db, **filters)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(queries.DETECTION_COLUMNS)
    writer.writerows(rows)
    return out.getvalue(), len(rows)


def export(db, out):
    text, rows = csv_text(db)
    write_atomic(out, text)
    return rows
