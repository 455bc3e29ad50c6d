# recon: payment reconciliation batch engine.
#
#   make            build ./recon
#   make check      unit tests, golden tests, then both again under ASan+UBSan
#   make bench      benchmarks (never part of check)
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean

VERSION  := $(shell cat VERSION)
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
DATADIR  ?= $(PREFIX)/share/recon
MANDIR   ?= $(PREFIX)/share/man

CC       ?= cc
CFLAGS   ?= -O2 -g
PKGS     := libpcre2-8 sqlite3 zlib libarchive libcurl
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
STD      := -std=c11 -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 -D_FILE_OFFSET_BITS=64
ALL_CPPFLAGS = -Iinclude $(shell pkg-config --cflags $(PKGS)) \
           -DRECON_VERSION='"$(VERSION)"' -DRECON_DATADIR='"$(DATADIR)"' $(CPPFLAGS)
# gcc copies a 300-byte record with rep movs, twice as slow here as the C
# library's memcpy, and records are copied several times a row (a 10M-row
# run: 0.25 s). Where the compiler takes the option (gcc on x86).
STRINGOP := $(shell $(CC) -mstringop-strategy=libcall -x c -c -o /dev/null /dev/null \
              2>/dev/null && echo -mstringop-strategy=libcall)
ALL_CFLAGS = $(STD) $(WARN) $(STRINGOP) $(CFLAGS)
# libcsv ships no pkg-config file on Debian.
LIBS     := $(shell pkg-config --libs $(PKGS)) -lcsv -lm

SRC      := $(sort $(wildcard src/*.c src/*/*.c))
LIBSRC   := $(filter-out src/main.c,$(SRC))
UNITSRC  := $(sort $(wildcard tests/unit/test_*.c))

# Two build trees: the normal one and the sanitizer one.
B        ?= build
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

all: recon

recon: $(B)/recon
	cp $(B)/recon $@

$(B)/recon: $(B)/src/main.o $(B)/librecon.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/librecon.a: $(LIBSRC:%.c=$(B)/%.o)
	@rm -f $@
	ar rcs $@ $^

# Rebuild when the flags change (PREFIX is compiled in as RECON_DATADIR).
$(B)/.flags: FORCE
	@mkdir -p $(B)
	@echo '$(ALL_CPPFLAGS) $(ALL_CFLAGS)' | cmp -s - $@ || echo '$(ALL_CPPFLAGS) $(ALL_CFLAGS)' >$@

$(B)/%.o: %.c $(B)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# tests/support/ holds helpers every unit test links with.
$(B)/tests/support/%.o: tests/support/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(shell pkg-config --cflags cmocka) -MMD -MP -c -o $@ $<

$(B)/tests/unit/%: tests/unit/%.c $(B)/tests/support/testutil.o $(B)/librecon.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Itests/support $(ALL_CFLAGS) $(shell pkg-config --cflags cmocka) -o $@ $< \
		$(B)/tests/support/testutil.o $(B)/librecon.a $(LIBS) $(shell pkg-config --libs cmocka)

UNITBIN  = $(UNITSRC:tests/unit/%.c=$(B)/tests/unit/%)

unit: $(UNITBIN)
	@sh tests/unit/run.sh $(UNITBIN)

golden: $(B)/recon
	@sh tests/golden/run.sh $(CURDIR)/$(B)/recon

# check = plain build, then the sanitizer build, each running every test.
check:
	$(MAKE) unit golden
	$(MAKE) B=build-san CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" unit golden

bench: recon
	@sh bench/run.sh

install: recon
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/formats $(DESTDIR)$(DATADIR)/rules \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 recon $(DESTDIR)$(BINDIR)/recon
	install -m 644 formats/*.fmt $(DESTDIR)$(DATADIR)/formats/
	if ls rules/*.rules >/dev/null 2>&1; then install -m 644 rules/*.rules $(DESTDIR)$(DATADIR)/rules/; fi
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/

clean:
	rm -rf build build-san recon samples/demo

.PHONY: all check unit golden bench install clean FORCE
.SECONDARY:

-include $(shell find $(B) -name '*.d' 2>/dev/null)
