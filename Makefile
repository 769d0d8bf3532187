# Thin targets over scripts/: each script does one job and can be run by hand.
.PHONY: test check demo bench lab-up lab-down

## Run every check and every test of the workspace (the README's test command).
test:
	scripts/test

## Formatting, lints and the leftover check, without tests.
check:
	scripts/lint

## Start the lab in the background (.lab/lab.env); e.g. make lab-up LAB_ARGS="--tenants 3".
lab-up:
	scripts/lab up $(LAB_ARGS)

## Stop the lab started by lab-up, and only its processes.
lab-down:
	scripts/lab down
