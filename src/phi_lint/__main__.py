from phi_lint.cli import main

raise SystemExit(main())
