from midge_host.cli import entry

entry()
