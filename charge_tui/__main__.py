from charge_tui.cli import main

raise SystemExit(main())
