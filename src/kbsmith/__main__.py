from kbsmith.cli import main

main()
