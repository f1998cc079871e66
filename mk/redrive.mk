# DLQ redrive, included by the Makefile (`-include mk/*.mk`). Runs the
# workflow of terraform/state-machines/dlq-redrive.asl.json through
# `npm run cli -- dlq redrive` (scripts/lib/redrive.ts):
#
#   make redrive                     dry run on the local AWS started by `make up`
#   make redrive APPLY=1             move matching messages back to the buffer
#   make redrive APPLY=1 ALL=1       runs one after another until the DLQ's depth at the start was inspected
#   make redrive AWS=1 [APPLY=1]     the deployed state machine (terraform output)
#   make redrive QUEUE=inbound       a messaging FIFO queue's DLQ (inbound, outbound, maintenance; default buffer)
#   make dlq-stats [AWS=1]           depth of the DLQs and the buffer
#
# Options (make VAR=value):
#   FILTER_DETAIL_TYPE=<prefix>   only messages whose detail-type starts with it
#   FILTER_ERROR_CLASS=<class>    only messages with this errorClass (retries-exhausted: none set)
#   RATE=<n>                      at most n messages moved per second (default 10, at most 500)
#   MAX=<n>                       inspect at most n messages in this run (default and most: 250)
#   BATCH_SIZE=<n>                messages per receive (1-10, default 10; 1 for DLQs of large bodies)
#   QUARANTINE_AFTER=<n>          quarantine to S3 once redriveCount reached n (default 3)
#   ALL=1                         with APPLY=1: chain runs (one run inspects at most 250)
#   MOVE_ALL=1                    SQS StartMessageMoveTask, every message as it is (AWS=1 only)
#   QUEUE=<q>                     buffer (default), inbound, outbound or maintenance

REDRIVE_ARGS = \
  $(if $(filter 1,$(APPLY)),--apply) \
  $(if $(filter 1,$(ALL)),--all) \
  $(if $(filter 1,$(AWS)),--aws) \
  $(if $(filter 1,$(MOVE_ALL)),--move-all) \
  $(if $(QUEUE),--queue '$(QUEUE)') \
  $(if $(FILTER_DETAIL_TYPE),--filter-detail-type '$(FILTER_DETAIL_TYPE)') \
  $(if $(FILTER_ERROR_CLASS),--filter-error-class '$(FILTER_ERROR_CLASS)') \
  $(if $(RATE),--rate '$(RATE)') \
  $(if $(MAX),--max '$(MAX)') \
  $(if $(BATCH_SIZE),--batch-size '$(BATCH_SIZE)') \
  $(if $(QUARANTINE_AFTER),--quarantine-after '$(QUARANTINE_AFTER)')

.PHONY: redrive dlq-stats

redrive: $(NPM_STAMP) ## DLQ redrive, dry run unless APPLY=1 (QUEUE, FILTER_DETAIL_TYPE, FILTER_ERROR_CLASS, RATE, MAX, BATCH_SIZE, ALL=1, QUARANTINE_AFTER, AWS=1, MOVE_ALL=1)
	@npm run --silent cli -- dlq redrive $(strip $(REDRIVE_ARGS))

dlq-stats: $(NPM_STAMP) ## depth of the DLQs and the buffer (AWS=1 for the deployed queues)
	@npm run --silent cli -- dlq stats $(if $(filter 1,$(AWS)),--aws)
