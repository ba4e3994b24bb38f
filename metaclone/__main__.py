"""``python -m metaclone``."""

from metaclone.cli import main

raise SystemExit(main())
