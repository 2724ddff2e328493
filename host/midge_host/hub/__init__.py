"""`midge hub`: receive a fleet's messages and keep them in one database.

- ``db``: a connection to SQLite or PostgreSQL by URL, one SQL dialect for both;
- ``schema``: the versioned tables and their migrations;
- ``store``: writes (detections, health, LoRaWAN uplinks, quarantine), idempotent;
- ``queries``: reads for the HTTP API and the export;
- ``tts``: The Things Stack's MQTT uplink messages; ``projects``: the labels an
  uplink's counts belong to;
- ``ingest``: one MQTT message -> the store (``midge.fleet.parse`` owns the
  boards' format); ``serve``: the MQTT client and the HTTP thread;
- ``api``: the HTTP JSON API; ``importer``: logs fetched by `midge pull`;
  ``export``: one CSV row per detection;
- ``testbed``: a throwaway broker, PostgreSQL cluster and hub process for the
  tests and the benchmark.
"""
