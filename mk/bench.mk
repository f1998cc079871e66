# `make bench`: the consumer against the guides' baseline (in-process under a
# DynamoDB latency model, end to end on the local AWS, bundle size and init,
# cost per million events; writes bench/results/<timestamp>.json and .svg),
# then the cost of the resilience layer. Options through BENCH_ARGS, e.g.
#   make bench BENCH_ARGS="--section consumer --latency-ms 8 --batch-size 10"
# (--events, --consumer-rounds, --concurrency, --latency-ms, --sigma,
#  --batch-size, --e2e-events, --init-runs, --out-dir, --rounds, --smoke,
#  --messaging-limit, --messaging-windows, --dispatcher-rates, --dispatcher-seconds,
#  --dispatcher-instances, --dispatcher-conversations, --dispatcher-dynamodb,
#  --dispatcher-together; --section consumer|resilience|messaging|forwarder|dispatcher;
#  README "Performance against the guides' consumer", "Messaging gateway: outbound").
.PHONY: bench
bench: install build ## consumer vs the guides' baseline (events/s under a DynamoDB latency model, writes and $ per event, init, end to end) and the resilience layer's cost; result JSON + chart in bench/results/; messaging forwarder goodput and 429 share vs a naive forwarder, dispatcher sends per second vs each platform's configured rate (--section messaging)
	npx tsx scripts/bench.ts $(BENCH_ARGS)
