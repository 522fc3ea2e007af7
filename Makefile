# The two set-up commands are `make run` and `make test`; each installs what is missing.
PRESET ?= release
BUILD_DIR := build/$(PRESET)
BIN := build/bin/creator-agents
ifeq ($(PRESET),release)
  BIN := build/bin/creator-agents
else
  BIN := $(BUILD_DIR)/bin/creator-agents
endif

.PHONY: all deps configure build run test bench format format-check lint clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/build.ninja: CMakeLists.txt CMakePresets.json | deps
	cmake --preset $(PRESET) >/dev/null

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build --preset $(PRESET)

# The demo: serve + the fixture creators + simulated traffic (`$(BIN) serve` for the bare API).
run: build
	$(BIN) demo $(ARGS)

test: build
	bash scripts/run-tests.sh $(PRESET)

bench: build
	bash scripts/bench.sh

format:
	find src tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

format-check:
	find src tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format --dry-run --Werror

lint: configure
	bash scripts/lint.sh $(BUILD_DIR)

clean:
	rm -rf build
