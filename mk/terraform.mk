# Terraform targets, included by the Makefile (`include mk/terraform.mk`),
# which also defines `build` (the consumer bundle and zip).
#
#   make plan      terraform init + plan -out, the plan as text for review
#   make deploy    build, then apply exactly the saved plan
#   make destroy   destroy what the root module manages
#   make tf-docs   regenerate the inputs/outputs tables of terraform/README.md
#
# Settings (make VAR=value or environment):
#   TF_DIR             root module: terraform (event path, default) or
#                      terraform/genesys (Genesys Cloud integration, phase 1)
#   TF_VARS_FILE       a .tfvars file for plan/destroy (terraform.tfvars in
#                      TF_DIR is read anyway)
#   TF_BACKEND_CONFIG  a file of backend settings for terraform init
#   AUTO_APPROVE=1     deploy/destroy without asking (CI)
#   TF                 the terraform binary (default: terraform on PATH)

TF ?= terraform
TF_DIR ?= terraform
TF_PLAN ?= tfplan
TF_PLAN_TEXT ?= plan.txt
TF_VARS_FILE ?=
TF_BACKEND_CONFIG ?=
AUTO_APPROVE ?= 0

# The event path root uploads the consumer zip; the Genesys root builds nothing.
TF_IS_GENESYS := $(filter genesys,$(notdir $(abspath $(TF_DIR))))
TF_BUILD := $(if $(TF_IS_GENESYS),,build)
TF_VAR_ARGS := $(if $(TF_VARS_FILE),-var-file=$(abspath $(TF_VARS_FILE)))
TF_INIT_ARGS := -input=false $(if $(TF_BACKEND_CONFIG),-backend-config=$(abspath $(TF_BACKEND_CONFIG)))
TF_RUN := TF_IN_AUTOMATION=1 $(TF) -chdir=$(TF_DIR)
TF_PREFLIGHT := npx --no-install tsx scripts/terraform/preflight.ts
# A CI deploy must write remote state: the runner's disk is gone afterwards.
TF_NEEDS_BACKEND := $(if $(CI),--needs-backend)

.PHONY: plan deploy destroy tf-docs tf-preflight

tf-preflight: $(NPM_STAMP)
	@TF=$(TF) $(TF_PREFLIGHT) tools --dir $(TF_DIR) $(TF_NEEDS_BACKEND)

plan: tf-preflight ## terraform init + plan -out=tfplan, plan text in TF_DIR/plan.txt (TF_DIR, TF_VARS_FILE, TF_BACKEND_CONFIG)
ifneq ($(TF_BUILD),)
	@$(MAKE) --no-print-directory $(TF_BUILD)
endif
	$(TF_RUN) init $(TF_INIT_ARGS)
	$(TF_RUN) plan -input=false $(TF_VAR_ARGS) -out=$(TF_PLAN)
	$(TF_RUN) show -no-color $(TF_PLAN) > $(TF_DIR)/$(TF_PLAN_TEXT)
	@$(TF_PREFLIGHT) record-artefacts --dir $(TF_DIR) --plan $(TF_PLAN)
	@echo "plan saved to $(TF_DIR)/$(TF_PLAN); review $(TF_DIR)/$(TF_PLAN_TEXT), then run make deploy$(if $(filter terraform,$(TF_DIR)),, TF_DIR=$(TF_DIR))"

deploy: tf-preflight ## build, then apply the saved plan (AUTO_APPROVE=1 in CI)
	@test -f $(TF_DIR)/$(TF_PLAN) || { echo "make: no saved plan at $(TF_DIR)/$(TF_PLAN): run make plan first and review $(TF_DIR)/$(TF_PLAN_TEXT)" >&2; exit 1; }
ifneq ($(TF_BUILD),)
	@$(MAKE) --no-print-directory $(TF_BUILD)
endif
	@$(TF_PREFLIGHT) verify-artefacts --dir $(TF_DIR) --plan $(TF_PLAN)
	@if [ "$(AUTO_APPROVE)" != "1" ]; then \
	  if [ ! -t 0 ]; then echo "make: deploy asks for confirmation on a terminal; set AUTO_APPROVE=1 to apply the saved plan without asking (CI)" >&2; exit 1; fi; \
	  grep -E '^(Plan:|No changes)' $(TF_DIR)/$(TF_PLAN_TEXT) || true; \
	  printf 'Apply the saved plan %s? Only "yes" applies: ' "$(TF_DIR)/$(TF_PLAN)"; read answer; \
	  [ "$$answer" = yes ] || { echo "make: deploy cancelled" >&2; exit 1; }; \
	fi
	$(TF_RUN) apply -input=false $(TF_PLAN)
	@rm -f $(TF_DIR)/$(TF_PLAN) $(TF_DIR)/$(TF_PLAN).artefacts.json

destroy: tf-preflight ## terraform destroy of TF_DIR (tables need table_deletion_protection = false first)
	$(TF_RUN) init $(TF_INIT_ARGS)
	$(TF_RUN) destroy -input=false $(TF_VAR_ARGS) $(if $(filter 1,$(AUTO_APPROVE)),-auto-approve)

tf-docs: $(NPM_STAMP) ## regenerate the inputs/outputs tables in terraform/README.md
	npx --no-install tsx scripts/terraform/docs.ts
