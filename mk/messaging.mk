.PHONY: demo-messaging
demo-messaging: install build ## the messaging gateway end to end: ~2,000 signed webhooks over 200 conversations (redeliveries, forged signatures, attachments, a 30 s Genesys outage) and the Genesys double's agent answering a quarter of them through the dispatcher (attachments, retried webhooks, refused replies, platform limits, echoes); verdict from the doubles (DEMO_MESSAGING_ARGS="--messages 400 --conversations 40" for a shorter run)
	npx tsx scripts/demo-messaging.ts $(DEMO_MESSAGING_ARGS)
