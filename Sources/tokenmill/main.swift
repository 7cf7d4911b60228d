import TokenMillCLI; TokenMillCommand.main()
