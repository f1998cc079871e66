.PHONY: demo-messaging
demo-messaging: install build ## the inbound messaging path end to end: ~2,000 signed webhooks over 200 conversations, redeliveries, forged signatures, attachments, a 30 s Genesys outage; verdict from the Genesys double (DEMO_MESSAGING_ARGS="--messages 400 --conversations 40" for a shorter run)
	npx tsx scripts/demo-messaging.ts $(DEMO_MESSAGING_ARGS)
