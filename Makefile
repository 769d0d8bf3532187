# Thin targets over scripts/: each script does one job and can be run by hand.
.PHONY: test check demo demo-down bench lab-up lab-down

## Run every check and every test of the workspace (the README's test command).
test:
	scripts/test

## Start a local NetBird lab, plan and apply examples/tenants/, plan again (README command 1).
demo:
	scripts/demo

## Stop the demo's lab.
demo-down:
	scripts/lab down --dir .lab/demo

## Formatting, lints and the leftover check, without tests.
check:
	scripts/lint

## Start the lab in the background (.lab/lab.env); e.g. make lab-up LAB_ARGS="--tenants 3".
lab-up:
	scripts/lab up $(LAB_ARGS)

## Stop the lab started by lab-up, and only its processes.
lab-down:
	scripts/lab down

## Benchmarks (not timed tests) against the synthetic backend; appends a run to docs/benchmarks.md.
bench:
	scripts/bench $(BENCH_ARGS)
