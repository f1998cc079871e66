# Replay and rebuild, included by the Makefile (`-include mk/*.mk`): sends a
# time range of the EventBridge archive back through the rules, so the
# projection is rebuilt under the current topic catalogue (or a new stream
# topic backfilled). Runs `npm run cli -- archive replay` (scripts/lib/archive-command.ts).
#
#   make rebuild FROM=2026-11-24T08:00:00Z TO=2026-11-24T09:00:00Z          the local AWS of `make up`
#   make rebuild FROM=... TO=... AWS=1                                      the deployed archive (terraform output)

.PHONY: rebuild

rebuild: $(NPM_STAMP) ## replay FROM=<iso> TO=<iso> from the EventBridge archive through the rules (AWS=1: the deployed archive)
	@test -n "$(FROM)" -a -n "$(TO)" || { echo "make rebuild: set FROM=<ISO time> TO=<ISO time>, e.g. FROM=2026-11-24T08:00:00Z TO=2026-11-24T09:00:00Z" >&2; exit 2; }
	@npm run --silent cli -- archive replay --from '$(FROM)' --to '$(TO)' $(if $(filter 1,$(AWS)),--aws)
