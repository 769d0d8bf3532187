# Thin targets over scripts/: each script does one job and can be run by hand.
.PHONY: test check demo bench lab-up lab-down

## Run every check and every test of the workspace (the README's test command).
test:
	scripts/test

## Formatting, lints and the leftover check, without tests.
check:
	scripts/lint
