from plantopt.cli import main

main()
