from plantopt.cli import console_main

console_main()
