"""``python -m cxlib`` is the same as the ``cxlib`` command."""

from cxlib.app.cli import main

raise SystemExit(main())
