#!/usr/bin/env python3
"""Exits 0 when every requirement of the file (name or name==version) is installed."""
import sys
from importlib import metadata

for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, _, version = line.partition("==")
    try:
        installed = metadata.version(name)
    except metadata.PackageNotFoundError:
        sys.exit(1)
    if version and installed != version:
        sys.exit(1)
