from fintui.cli import main

raise SystemExit(main())
