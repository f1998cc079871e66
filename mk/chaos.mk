.PHONY: chaos
chaos: install build ## fault suite on the local AWS: runner killed, 20% DynamoDB faults, 60 s outage, 2% poison, hot entity; one table, non-zero exit on any loss
	npx tsx scripts/chaos.ts $(CHAOS_ARGS)
