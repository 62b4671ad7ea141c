# The two commands a newcomer needs: `make demo` and `make check`.
# Everything else is meson + ninja underneath (build/ and build-asan/).

BUILD      ?= build
ASAN_BUILD ?= build-asan
PYTEST     ?= /usr/bin/python3 -m pytest
# The weft binary the integration suites drive.
export WEFT ?= $(CURDIR)/$(BUILD)/weft

.PHONY: all build demo check engine-roots check-asan check-guest unit integration spec deps deps-build clean format

all: build

deps-build:
	@scripts/install-deps.sh build

deps:
	@scripts/install-deps.sh test

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized -Dwerror=true

build: deps-build $(BUILD)/build.ninja
	meson setup --reconfigure $(BUILD) >/dev/null
	ninja -C $(BUILD)

demo: build
	@scripts/demo.sh $(BUILD)/weft

unit: build
	meson test -C $(BUILD) --print-errorlogs

integration: build
	$(PYTEST) tests/integration

# Unit tests, then every pytest suite; pytest's summary line closes the run.
check: deps build engine-roots
	meson test -C $(BUILD) --print-errorlogs
	$(PYTEST) -q -rfE tests/

# Only the guest lab (tests/guest): weft's suites in a Debian QEMU guest, systemd + pure cgroup v2.
check-guest: deps build
	$(PYTEST) -q -rfE tests/guest

# The same suites on an ASan + UBSan build.
check-asan: deps
	[ -f $(ASAN_BUILD)/build.ninja ] || meson setup $(ASAN_BUILD) --buildtype=debug -Dwerror=true \
		-Db_sanitize=address,undefined -Db_lundef=false
	meson setup --reconfigure $(ASAN_BUILD) >/dev/null
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C $(ASAN_BUILD) --print-errorlogs
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		WEFT=$(CURDIR)/$(ASAN_BUILD)/weft $(PYTEST) -q -rfE tests/

# WasmEdge needs a newer glibc than Debian 12's: its engine tests run weft in
# a Debian 13 root (debootstrap, cached under /var/lib/weft-test; about 30 s
# once). Without the archive the WasmEdge tests skip, saying why.
engine-roots:
	@scripts/engines/wasmedge-root.sh || echo "weft: no WasmEdge root; its engine tests will skip"

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
