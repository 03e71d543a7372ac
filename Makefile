# kedb — one Makefile, no recursion. See README.md.
#   make            build bin/kedb-index, bin/kedb-server (release flags)
#   make run        install missing Debian packages, build, index samples/, serve on :8080
#   make test       same set-up, then unit + API tests with ASan/UBSan, ends "N passed, N failed"
#   make valgrind   unit tests and one API pass under valgrind (non-sanitised build)
#   make bench      benchmarks (see bench/README.md); not part of make test
#   make relevance  MRR@10 on judged queries over Debian's documentation, kedb beside plain
#                   FTS5 bm25 (docs/RELEVANCE.md); RELEVANCE_HAYSTACK items (default 20000)
#   make fuzz       libFuzzer targets, FUZZ_SECONDS (default 60) each (docs/RELIABILITY.md)
#   make crash      100 SIGKILL trials under writes (CRASH_TRIALS), kedb-index killed too
#   make soak       SOAK_SECONDS (default 1800) of mixed load at a fixed rate, p99 and RSS
#   make install    binaries, web UI, default config, samples, man pages, systemd units into
#                   DESTDIR PREFIX (/usr) SYSCONFDIR (/etc) UNITDIR (/lib/systemd/system)
#   make deb        a Debian package with debhelper into build/deb (installs the packaging
#                   tools first); make test-deb builds it and checks it (docs/OPERATIONS.md);
#                   make test-deb-chroot installs and runs it on a fresh Debian 12 (as root)

SHELL := /bin/bash
CC ?= cc
PORT ?= 8080
HOST ?= 127.0.0.1
DB ?= data/kedb.db
KB_DIRS ?= samples
SLA ?= samples/sla.conf
BENCH_DOCS ?= 100000

PKGS := sqlite3 libmicrohttpd jansson yaml-0.1 icu-uc icu-i18n libcmark-gfm libsodium libcurl \
	gdk-pixbuf-2.0 libzip libxml-2.0 freexl pangocairo cairo pango fontconfig
# tzdata: the zone database (/usr/share/zoneinfo) the desk's time zone is read from; a
# fresh Debian 12 container may lack it. libcurl: notifications over HTTP(S) and SMTP.
# gdk-pixbuf: thumbnails of attached images (kb/thumb.c; its PNG and JPEG loaders are built
# in, GIF comes with libgdk-pixbuf2.0-bin's loaders).
# libzip, libxml2, freexl: spreadsheets (kb/sheet.c: .xlsx and the old .xls) and the text
# of attached Office files (kb/ooxml.c, kb/extract.c).
# poppler-utils: pdftotext, run as a separate program for the text of attached PDFs (poppler
# is GPL: never linked); without it PDFs are kept but not searchable.
# cairo, pango: the service report's PDF (kb/pdf.c, kb/svcreport.c), typeset in Debian's
# CJK fonts (fonts-noto-cjk, "Noto Sans CJK SC"), which the server needs at run time.
DEB_BUILD := build-essential pkg-config libsqlite3-dev libmicrohttpd-dev libjansson-dev \
	libyaml-dev libicu-dev opencc libcmark-gfm-dev libcmark-gfm-extensions-dev \
	libstemmer-dev libsodium-dev tzdata libcurl4-openssl-dev libgdk-pixbuf-2.0-dev \
	libzip-dev libxml2-dev libfreexl-dev poppler-utils libcairo2-dev libpango1.0-dev \
	fonts-noto-cjk
# prometheus: its promtool checks the /metrics text (tests/api/test_metrics.py)
# poppler-utils: pdftoppm and pdftotext (GPL programs, run only by the tests) check the PDF
DEB_TEST := python3 curl valgrind prometheus poppler-utils
# browser tests: Debian's Chromium and CJK fonts (readable screenshots); Node.js and npm
# only when the machine has none (another packaging of Node.js may be installed)
DEB_BROWSER := chromium fonts-noto-cjk
BROWSER_MODULES := tests/browser/node_modules/.package-lock.json
# the OpenAPI 3.1 validator of tests/openapi (docs/openapi.yaml)
OPENAPI_MODULES := tests/openapi/node_modules/.package-lock.json
DEB_BENCH := wrk python3
# make relevance: Debian's documentation in English and Chinese (the corpus), jieba (cuts the
# Chinese titles into words for the queries) and opencc (Traditional queries)
DEB_RELEVANCE := python3 python3-jieba opencc debian-reference-en debian-reference-zh-cn \
	debian-faq debian-faq-zh-cn maint-guide maint-guide-zh-cn
RELEVANCE_HAYSTACK ?= 20000
# make deb: Debian's packaging tools (dpkg-buildpackage, debhelper, lintian for test-deb)
DEB_PACKAGING := debhelper devscripts fakeroot dpkg-dev lintian
# make test-deb-chroot: a fresh Debian 12 in a folder, its own network namespace, the
# service's answers checked with curl and promtool
DEB_CHROOT := debootstrap iproute2 curl prometheus python3
# clang's libFuzzer: libclang-rt-dev is Debian 12's package of libclang_rt.fuzzer for the
# default clang (it depends on libclang-rt-14-dev)
DEB_FUZZ := clang libclang-rt-dev python3

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -Iinclude $(WARN) -pthread
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcmark-gfm-extensions -lstemmer -lm

SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

KB_SRC := $(wildcard kb/*.c)
SERVER_SRC := $(wildcard server/*.c)
INDEXER_SRC := $(wildcard indexer/*.c)
IMPORTER_SRC := $(wildcard importer/*.c)
ADMIN_SRC := $(wildcard admin/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
BENCH_SRC := $(wildcard bench/*.c)

# Two flavours: release (bin/) and test (build/test/bin, sanitised, -Werror).
GEN := build/gen
REL := build/rel
TST := build/test
VG := build/vg

.PHONY: all deps deps-test deps-bench deps-fuzz deps-relevance run test unit api valgrind bench \
	relevance fuzz fuzz-build crash soak clean index demo-users demo-request-items demo-parts demo-assets \
	install deb test-deb test-deb-chroot deps-deb

all: deps-check bin/kedb-index bin/kedb-server bin/kedb-import bin/kedb-admin

# Installs whatever Debian packages are missing (as root), so that a fresh machine works.
deps:
	@./tools/deps.sh $(DEB_BUILD)
deps-test: deps
	@./tools/deps.sh $(DEB_TEST) $(DEB_BROWSER)
	@command -v node >/dev/null && command -v npm >/dev/null || ./tools/deps.sh nodejs npm
	@$(MAKE) --no-print-directory $(BROWSER_MODULES) $(OPENAPI_MODULES)

# playwright-core, at the version package-lock.json pins, from the npm registry
$(BROWSER_MODULES): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
# @seriousme/openapi-schema-validator, at the version package-lock.json pins
$(OPENAPI_MODULES): tests/openapi/package.json tests/openapi/package-lock.json
	cd tests/openapi && npm ci --no-audit --no-fund --loglevel=error
deps-bench: deps
	@./tools/deps.sh $(DEB_BENCH)
deps-fuzz: deps
	@./tools/deps.sh $(DEB_FUZZ)
deps-relevance: deps
	@./tools/deps.sh $(DEB_RELEVANCE)
deps-deb: deps
	@./tools/deps.sh $(DEB_PACKAGING)
deps-check:
	@pkg-config --exists $(PKGS) || { echo "missing libraries: run 'make deps' (as root)"; exit 1; }

define flavour
$(1)/%.o: %.c $(wildcard include/*.h kb/*.h server/*.h) | $(1)/.dirs
	@mkdir -p $$(dir $$@)
	$$(CC) $$(BASE_CFLAGS) $(2) $$(PKG_CFLAGS) -c $$< -o $$@
$(1)/.dirs:
	@mkdir -p $(1)/bin $(1)/kb $(1)/server $(1)/indexer $(1)/importer $(1)/admin $(1)/tests/unit $(1)/bench && touch $$@
$(1)/gen/%.o: $(GEN)/%.c | $(1)/.dirs
	@mkdir -p $$(dir $$@)
	$$(CC) $$(BASE_CFLAGS) $(2) -c $$< -o $$@
$(1)/libkb.a: $(patsubst %.c,$(1)/%.o,$(KB_SRC)) $(1)/gen/opencc_data.o $(1)/gen/pinyin_data.o
	rm -f $$@ && ar rcs $$@ $$^
$(1)/bin/kedb-index: $(patsubst %.c,$(1)/%.o,$(INDEXER_SRC)) $(1)/libkb.a
	$$(CC) $(2) -pthread -o $$@ $$^ $$(PKG_LIBS)
$(1)/bin/kedb-server: $(patsubst %.c,$(1)/%.o,$(SERVER_SRC)) $(1)/gen/openapi_data.o $(1)/libkb.a
	$$(CC) $(2) -pthread -o $$@ $$^ $$(PKG_LIBS)
$(1)/bin/kedb-import: $(patsubst %.c,$(1)/%.o,$(IMPORTER_SRC)) $(1)/libkb.a
	$$(CC) $(2) -pthread -o $$@ $$^ $$(PKG_LIBS)
$(1)/bin/kedb-admin: $(patsubst %.c,$(1)/%.o,$(ADMIN_SRC)) $(1)/libkb.a
	$$(CC) $(2) -pthread -o $$@ $$^ $$(PKG_LIBS)
$(1)/bin/test_%: $(1)/tests/unit/test_%.o $(1)/libkb.a
	$$(CC) $(2) -pthread -o $$@ $$^ $$(PKG_LIBS)
endef

$(eval $(call flavour,$(REL),-O2 -g))
$(eval $(call flavour,$(TST),-O1 -g -Werror $(SAN)))
$(eval $(call flavour,$(VG),-O0 -g))

# OpenCC's Traditional->Simplified tables, extracted with its opencc_dict tool.
$(GEN)/opencc_data.c: tools/gen_opencc.sh
	@mkdir -p $(GEN)
	tools/gen_opencc.sh $@

# docs/openapi.yaml inside kedb-server (GET /api/v1/openapi.yaml), the same wherever it runs.
$(GEN)/openapi_data.c: docs/openapi.yaml tools/gen_embed.sh
	@mkdir -p $(GEN)
	tools/gen_embed.sh kb_openapi_yaml docs/openapi.yaml $@

# Pinyin of the CJK Unified Ideographs, from ICU's Han-Latin transliterator (kb/pinyin.c).
$(GEN)/gen_pinyin: tools/gen_pinyin.c
	@mkdir -p $(GEN)
	$(CC) $(BASE_CFLAGS) -O1 $(PKG_CFLAGS) $< -o $@ $(PKG_LIBS)
$(GEN)/pinyin_data.c: $(GEN)/gen_pinyin
	$(GEN)/gen_pinyin $@.tmp && mv $@.tmp $@

bin/kedb-index: $(REL)/bin/kedb-index
	@mkdir -p bin && cp $< $@
bin/kedb-server: $(REL)/bin/kedb-server
	@mkdir -p bin && cp $< $@
bin/kedb-import: $(REL)/bin/kedb-import
	@mkdir -p bin && cp $< $@
bin/kedb-admin: $(REL)/bin/kedb-admin
	@mkdir -p bin && cp $< $@

UNIT_BINS = $(patsubst tests/unit/test_%.c,$(TST)/bin/test_%,$(UNIT_SRC))
VG_UNIT_BINS = $(patsubst tests/unit/test_%.c,$(VG)/bin/test_%,$(UNIT_SRC))

index: all
	@mkdir -p $(dir $(DB))
	bin/kedb-index --db $(DB) $(KB_DIRS)

run: deps
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory index
	@$(MAKE) --no-print-directory demo-users
	@$(MAKE) --no-print-directory demo-request-items
	@$(MAKE) --no-print-directory demo-parts
	@$(MAKE) --no-print-directory demo-assets
	bin/kedb-server --db $(DB) --host $(HOST) --port $(PORT) --web web \
		$(if $(wildcard $(SLA)),--sla $(SLA))

# Demo users for the samples (only those that do not exist yet): NAME1 with the role NAME
# and the documented demo password kedb-demo-pass. Never use them outside a demo.
DEMO_ROLES := agent engineer approver auditor admin
demo-users: all
	@for r in $(DEMO_ROLES); do \
		u=$${r}1; \
		if bin/kedb-admin --db $(DB) list | cut -f1 | grep -qx "$$u"; then \
			echo "demo user $$u exists (password unchanged)"; \
		else \
			echo "kedb-demo-pass" | bin/kedb-admin --db $(DB) useradd "$$u" "$$r" >/dev/null && \
			echo "demo user $$u (role $$r), password kedb-demo-pass"; \
		fi; \
	done

# The demo desk's service catalogue (items already in the database are kept).
REQUEST_ITEMS ?= samples/request-items.txt
demo-request-items: all
	@if [ -f $(REQUEST_ITEMS) ]; then \
		bin/kedb-admin --db $(DB) request-items import $(REQUEST_ITEMS); fi

# The demo desk's spare parts with their locations and opening stock (parts already in the
# database are kept).
PARTS ?= samples/parts.csv
demo-parts: all
	@if [ -f $(PARTS) ]; then bin/kedb-admin --db $(DB) parts import $(PARTS); fi

# The demo desk's asset archive (tools/gen_census.py): importing it again changes nothing.
# samples/assets/census-2026q4.csv (GBK) and .xlsx are a census to upload on the 资产盘点 page.
ASSET_ARCHIVE ?= samples/assets/archive.csv
demo-assets: all
	@if [ -f $(ASSET_ARCHIVE) ]; then \
		bin/kedb-admin --db $(DB) assets import $(ASSET_ARCHIVE) | tail -n 1; fi

test: deps-test
	$(MAKE) --no-print-directory test-build
	@tests/run.sh $(TST)/bin

test-build: deps-check $(UNIT_BINS) $(TST)/bin/kedb-index $(TST)/bin/kedb-server \
	$(TST)/bin/kedb-import $(TST)/bin/kedb-admin

valgrind: deps-test
	$(MAKE) --no-print-directory $(VG_UNIT_BINS) $(VG)/bin/kedb-index $(VG)/bin/kedb-server \
		$(VG)/bin/kedb-import $(VG)/bin/kedb-admin
	@KEDB_VALGRIND=1 tests/run.sh $(VG)/bin

bench: deps-bench
	$(MAKE) --no-print-directory all $(REL)/bin/kedb-bench
	bench/run.sh $(BENCH_DOCS)

$(REL)/bin/kedb-bench: $(patsubst %.c,$(REL)/%.o,$(BENCH_SRC)) $(REL)/libkb.a
	$(CC) -O2 -g -pthread -o $@ $^ $(PKG_LIBS)

# Relevance (docs/RELEVANCE.md): the corpus, the judged queries and both runs (the corpus
# alone, then with RELEVANCE_HAYSTACK newer tickets); the figures go into docs/RELEVANCE.md.
relevance: deps-relevance
	$(MAKE) --no-print-directory all $(REL)/bin/kedb-relevance
	bench/relevance/run.sh $(RELEVANCE_HAYSTACK)

$(REL)/bin/kedb-relevance: $(REL)/bench/relevance/relevance.o $(REL)/libkb.a
	$(CC) -O2 -g -pthread -o $@ $^ $(PKG_LIBS)

# Fuzzing (tests/fuzz/): one libFuzzer binary per parser of outside input, built with clang,
# ASan and UBSan. The library and server objects are instrumented for coverage; http.c is
# compiled into tests/fuzz/fixture.c, so it is left out here.
FUZZ := build/fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/fuzz_%.c,$(FUZZ)/bin/fuzz_%,$(FUZZ_SRC))
FUZZ_OBJS := $(patsubst %.c,$(FUZZ)/%.o,$(KB_SRC) $(filter-out server/main.c server/http.c,\
	$(SERVER_SRC)) tests/fuzz/fixture.c) $(FUZZ)/gen/opencc_data.o $(FUZZ)/gen/pinyin_data.o \
	$(FUZZ)/gen/openapi_data.o

$(FUZZ)/gen/%.o: $(GEN)/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(BASE_CFLAGS) -O1 -c $< -o $@
$(FUZZ)/%.o: %.c $(wildcard include/*.h kb/*.h server/*.h server/*.c importer/*.c tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(BASE_CFLAGS) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -Iserver \
		$(PKG_CFLAGS) -c $< -o $@
$(FUZZ)/bin/fuzz_%: $(FUZZ)/tests/fuzz/fuzz_%.o $(FUZZ_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -pthread -o $@ $^ $(PKG_LIBS)

fuzz-build: deps-check $(FUZZ_BINS)
fuzz: deps-fuzz
	$(MAKE) --no-print-directory fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_TARGETS)

# Crash safety (tests/reliability/crash.py) against the sanitised binaries; make test runs
# three trials of it.
CRASH_TRIALS ?= 100
CRASH_INDEX_TRIALS ?= 10
crash: deps-test
	$(MAKE) --no-print-directory test-build
	nice -n 19 python3 tests/reliability/crash.py --bin $(TST)/bin --trials $(CRASH_TRIALS) \
		--index-trials $(CRASH_INDEX_TRIALS)

# Load and soak (tests/reliability/soak.py) against the release build.
SOAK_SECONDS ?= 1800
soak: deps-bench
	$(MAKE) --no-print-directory all
	SOAK_SECONDS=$(SOAK_SECONDS) nice -n 19 python3 tests/reliability/soak.py --bin bin

# Installation (docs/OPERATIONS.md): the Debian layout by default. The systemd units, the
# helper they run and the default configuration name the installed paths.
PREFIX ?= /usr
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
BINDIR := $(PREFIX)/bin
SHAREDIR := $(PREFIX)/share/kedb
LIBEXECDIR := $(PREFIX)/lib/kedb
MANDIR := $(PREFIX)/share/man
DOCDIR := $(PREFIX)/share/doc/kedb
# sed script turning the Debian paths in dist/ into the configured ones
INSTALL_PATHS := -e 's|/usr/bin/|$(BINDIR)/|g' -e 's|/usr/lib/kedb/|$(LIBEXECDIR)/|g' \
	-e 's|/usr/share/kedb/|$(SHAREDIR)/|g' -e 's|/etc/kedb/|$(SYSCONFDIR)/kedb/|g'

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/web $(DESTDIR)$(SHAREDIR)/samples \
		$(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SYSCONFDIR)/kedb $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR)
	install -m 0755 bin/kedb-server bin/kedb-index bin/kedb-import bin/kedb-admin \
		$(DESTDIR)$(BINDIR)/
	cp -R --no-preserve=mode,ownership web/. $(DESTDIR)$(SHAREDIR)/web/
	cp -R --no-preserve=mode,ownership samples/. $(DESTDIR)$(SHAREDIR)/samples/
	chmod -R u=rwX,go=rX $(DESTDIR)$(SHAREDIR)
	sed $(INSTALL_PATHS) dist/kedb-helper > $(DESTDIR)$(LIBEXECDIR)/kedb-helper
	chmod 0755 $(DESTDIR)$(LIBEXECDIR)/kedb-helper
	for u in dist/systemd/*; do \
		sed $(INSTALL_PATHS) $$u > $(DESTDIR)$(UNITDIR)/$$(basename $$u) && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u) || exit 1; done
	@# an existing configuration is never overwritten: the new default goes beside it
	@conf=$(DESTDIR)$(SYSCONFDIR)/kedb/kedb.conf; \
	if [ -e $$conf ]; then conf=$$conf.dist; echo "keeping $(DESTDIR)$(SYSCONFDIR)/kedb/kedb.conf; the default is $$conf"; fi; \
	sed $(INSTALL_PATHS) dist/kedb.conf > $$conf && chmod 0644 $$conf
	install -m 0644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 README.md docs/OPERATIONS.md $(DESTDIR)$(DOCDIR)/

# The Debian package (debian/): dpkg-buildpackage writes next to the source tree, so the
# results are moved into build/deb.
DEB_OUT := build/deb
deb: deps-deb
	rm -rf $(DEB_OUT) && mkdir -p $(DEB_OUT)
	dpkg-buildpackage -us -uc -b
	v=$$(dpkg-parsechangelog -S Version); a=$$(dpkg-architecture -qDEB_HOST_ARCH); \
	mv ../kedb_$${v}_$$a.deb ../kedb_$${v}_$$a.buildinfo ../kedb_$${v}_$$a.changes $(DEB_OUT)/ && \
	mv ../kedb-dbgsym_$${v}_$$a.deb $(DEB_OUT)/ 2>/dev/null; ls -l $(DEB_OUT)

# Builds the package and checks it without installing it on this machine: its contents,
# its dependencies, lintian, the units (systemd-analyze verify) and the unpacked server
# answering from the installed layout (tests/ops/deb.sh).
test-deb: deb
	tests/ops/deb.sh $(DEB_OUT)

# Installs the package on a fresh Debian 12 (debootstrap into build/deb-chroot, made once
# and unpacked afresh every run) and runs the service there as its unit does, through
# upgrade, remove and purge (tests/ops/deb-chroot.sh). As root; not part of make test (the
# first run's debootstrap alone takes minutes; docs/OPERATIONS.md has a measured run).
test-deb-chroot: deb
	@./tools/deps.sh $(DEB_CHROOT)
	tests/ops/deb-chroot.sh $(DEB_OUT)

clean:
	rm -rf build bin
