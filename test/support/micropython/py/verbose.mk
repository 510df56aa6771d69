# Fixture: quiet or verbose recipes (make V=1 shows the commands).
ifeq ("$(origin V)", "command line")
BUILD_VERBOSE = $(V)
endif
BUILD_VERBOSE ?= 0
ifeq ($(BUILD_VERBOSE),0)
Q = @
else
Q =
endif
