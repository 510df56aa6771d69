# Fixture: common rules, in the spirit of MicroPython's py/mkrules.mk.

# Also usable on its own (make -f py/mkrules.mk submodules).
ifneq ($(MKENV_INCLUDED),1)
include $(dir $(lastword $(MAKEFILE_LIST)))mkenv.mk
endif

$(BUILD)/genhdr/mpversion.h: FORCE
	$(Q)$(MKDIR) -p $(dir $@)
	$(Q)$(PYTHON) $(TOP)/py/makeversionhdr.py $@

$(BUILD)/%.o: %.c
	$(ECHO) "CC $<"
	$(Q)$(MKDIR) -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c -MD -o $@ $<

# Generated sources (frozen modules) live in the build directory.
$(BUILD)/%.o: $(BUILD)/%.c
	$(ECHO) "CC $<"
	$(Q)$(CC) $(CFLAGS) -c -MD -o $@ $<

#@if frozen_dir
# Frozen bytecode from every .py in FROZEN_MPY_DIR, compiled by mpy-cross.
ifneq ($(FROZEN_MPY_DIR),)
FROZEN_MPY_PY_FILES := $(shell find -L $(FROZEN_MPY_DIR) -type f -name '*.py' | sed -e 's=^$(FROZEN_MPY_DIR)/==')
FROZEN_MPY_MPY_FILES := $(addprefix $(BUILD)/frozen_mpy/,$(FROZEN_MPY_PY_FILES:.py=.mpy))

$(BUILD)/frozen_mpy/%.mpy: $(FROZEN_MPY_DIR)/%.py
	$(ECHO) "MPY $<"
	$(Q)$(MKDIR) -p $(dir $@)
	$(Q)$(MPY_CROSS) -o $@ -s $(<:$(FROZEN_MPY_DIR)/%=%) $(MPY_CROSS_FLAGS) $<

$(BUILD)/frozen_mpy.c: $(FROZEN_MPY_MPY_FILES)
	$(ECHO) "GEN $@"
	$(Q)$(MPY_TOOL) -f -q $^ > $@
endif
#@endif
#@if frozen_manifest
# Frozen content described by a manifest; makemanifest.py runs mpy-cross.
ifneq ($(FROZEN_MANIFEST),)
$(BUILD)/frozen_content.c: FORCE
	$(Q)$(MKDIR) -p $(dir $@)
	$(Q)$(MAKE_MANIFEST) -o $@ -v "MPY_DIR=$(TOP)" -v "PORT_DIR=$(shell pwd)" -v "BOARD_DIR=$(BOARD_DIR)" -b "$(BUILD)" $(FROZEN_MANIFEST)
endif
#@endif

ifneq ($(PROG),)
#@if legacy
all: $(PROG)

$(PROG): $(OBJ)
#@else
all: $(BUILD)/$(PROG)

$(BUILD)/$(PROG): $(OBJ)
#@endif
	$(ECHO) "LINK $@"
	$(Q)$(CC) -o $@ $^ $(LDFLAGS)
endif

clean:
	$(RM) -rf $(BUILD) $(CLEAN_EXTRA)
.PHONY: clean

#@if submodules
submodules:
	$(ECHO) "Updating submodules: $(GIT_SUBMODULES)"
ifneq ($(GIT_SUBMODULES),)
	$(Q)cd $(TOP) && git submodule sync $(GIT_SUBMODULES)
	$(Q)cd $(TOP) && git submodule update --init $(GIT_SUBMODULES)
endif
.PHONY: submodules

#@endif
FORCE:
.PHONY: FORCE

-include $(OBJ:.o=.d)
