from matrixqa.cli import main

main()
