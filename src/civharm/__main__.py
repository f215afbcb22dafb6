from civharm.cli.main import run

run()
