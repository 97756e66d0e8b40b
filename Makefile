# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PRESET ?= release
BUILD_DIR := build/$(PRESET)
JOBS ?= $(shell nproc)

.PHONY: run test deps build web test-asan bench fuzz clean

deps:
	@scripts/install-deps

# The agent desk (web/): npm ci from the lock file when needed, vite build into web/dist.
web: deps
	@scripts/build-web

$(BUILD_DIR)/build.ninja:
	@cmake --preset $(PRESET) >/dev/null

build: deps $(BUILD_DIR)/build.ninja
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build web
	PARLEY_STATIC_DIR=$${PARLEY_STATIC_DIR:-$(CURDIR)/web/dist} $(BUILD_DIR)/parley serve $(ARGS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan:
	@$(MAKE) --no-print-directory test PRESET=asan

# Both ingest loads, each against its own nginx baseline in the same run: the API channel, then
# WhatsApp webhooks. Fails when either run has a FAIL line (both run regardless).
bench: build
	@rc=0; bench/ingest/run.sh $(BUILD_DIR)/parley || rc=1; echo; \
	  BENCH_KIND=whatsapp bench/ingest/run.sh $(BUILD_DIR)/parley || rc=1; exit $$rc

# The routing engine micro-benchmark (bench/micro/routing_bench.cpp); the last line is the headline figure.
.PHONY: bench-routing
bench-routing: deps $(BUILD_DIR)/build.ninja
	@cmake --build $(BUILD_DIR) --target micro_bench -j $(JOBS)
	@$(BUILD_DIR)/bench/micro_bench --benchmark_filter='^BM_Routing' --benchmark_counters_tabular=true \
	  --benchmark_out=$(BUILD_DIR)/routing_bench.json --benchmark_out_format=json
	@python3 -c 'import json,sys; b=[x for x in json.load(open(sys.argv[1]))["benchmarks"] if x["name"].startswith("BM_RoutingThroughput")]; print("routing_decisions_per_second: %d" % int(b[0]["decisions_per_second"]))' $(BUILD_DIR)/routing_bench.json

fuzz: deps
	@cmake --preset fuzz >/dev/null && cmake --build build/fuzz -j $(JOBS)
	@scripts/run-fuzzers build/fuzz 30

clean:
	rm -rf build
