.PHONY: bench
bench: $(NPM_STAMP) ## cost of the resilience layer as ratios to baselines run alongside (hardened parse vs JSON.parse, consumer with vs without the circuit breaker)
	npx tsx scripts/bench.ts $(BENCH_ARGS)
