from plantopt.cli.app import main

main()
